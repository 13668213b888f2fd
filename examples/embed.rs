//! Kassa's domain embedded in a service of your own, with no HTTP server: open a store on SQLite,
//! create a shop and an order, plug in your own source of incoming payments, settle, and read the
//! ledger.
//!
//! ```sh
//! cargo run --example embed
//! ```

use payments_core::{
    CardNumber, CodeStyle, Credentials, IncomingPayment, KeyHasher, Money, MonthStatus,
    PaymentSource, Payments, PaymentsConfig, Settlement, ShopDraft, ShopKind, ShopStatus,
    SourceError,
};
use payments_store::DieselStore;
use std::sync::{Arc, Mutex};

/// Your source of incoming payments: an acquirer's API, a bank feed… Here, a queue your code
/// fills. The worker (or your own loop) calls `pull`, Kassa records and settles each payment, then
/// `ack`s the ones it recorded — so a payment is never lost between the two, and one reported
/// twice (same `reference`) is recorded as a duplicate and credits nothing.
#[derive(Default)]
struct BankFeed {
    queue: Mutex<Vec<IncomingPayment>>,
}

impl PaymentSource for BankFeed {
    fn name(&self) -> &str {
        "bank-feed"
    }

    fn pull(&self) -> Result<Vec<IncomingPayment>, SourceError> {
        let queue = self
            .queue
            .lock()
            .map_err(|_| SourceError("queue poisoned".into()))?;
        Ok(queue.clone())
    }

    fn ack(&self, references: &[String]) {
        if let Ok(mut queue) = self.queue.lock() {
            queue.retain(|p| !references.contains(&p.reference));
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("kassa-embed-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let report = run(&dir.join("shop.db").to_string_lossy())?;
    println!("{report}");
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// The whole walk-through; returns what it printed.
fn run(database: &str) -> Result<String, Box<dyn std::error::Error>> {
    let mut out = String::new();
    // 1. The store (SQLite here; a postgres:// URL works the same) and the domain.
    let store = Arc::new(DieselStore::open(database)?);
    let payments = Payments::new(
        store,
        KeyHasher::new(b"a server secret of 16+ bytes")?,
        PaymentsConfig::default(),
    );

    // 2. A shop that may take payments: confirmed, fee paid, a receiving card.
    let (shop, key) = payments.add_shop(ShopDraft {
        id: None,
        key: None,
        name: "Kitob do'koni".into(),
        user_id: 0,
        kind: ShopKind::Api,
        status: ShopStatus::Confirm,
        month_status: MonthStatus::Paid,
        card: Some(CardNumber::parse("8600 1234 5678 4321")?),
        callback_url: None,
    })?;
    out += &format!("shop {} created\n", shop.id);

    // 3. An order of 25 000 so'm. The payer must send exactly `payable_amount`.
    let creds = Credentials {
        shop_id: shop.id,
        key,
        client: "embedded".into(),
    };
    let (order, _) = payments.create_order(&creds, Money::parse("25000")?, CodeStyle::TopHamyon)?;
    out += &format!(
        "order {} pending: pay {} so'm to card {}\n",
        order.codes.code,
        order.payable_amount,
        shop.card.as_ref().map(|c| c.as_str()).unwrap_or("-")
    );

    // 4. Your feed reports the transfer (twice, as feeds do); Kassa settles it once.
    let feed = BankFeed::default();
    let transfer = IncomingPayment {
        source: feed.name().into(),
        reference: "feed-txn-000042".into(),
        card_last4: "4321".into(),
        amount: order.payable_amount,
        paid_at: Some(payments.now()),
        received_at: payments.now(),
        raw: None,
    };
    feed.queue
        .lock()
        .map_err(|_| "poisoned")?
        .extend([transfer.clone(), transfer]);
    let pulled = payments.settle_from(&feed)?;
    out += &format!(
        "settled: {} matched, {} duplicate(s)\n",
        pulled.matched, pulled.duplicates
    );
    assert!(
        feed.queue.lock().map_err(|_| "poisoned")?.is_empty(),
        "acknowledged payments leave the feed"
    );

    // 5. The order is paid, the shop credited once, the ledger says why.
    let paid = payments
        .order(&payments_core::OrderCode::parse(&order.codes.code)?)?
        .order;
    let shop = payments.shop(shop.id)?;
    out += &format!(
        "order {}: {}; balance {} so'm\n",
        paid.codes.code, paid.status, shop.balance
    );
    for entry in payments.ledger(shop.id)? {
        out += &format!(
            "ledger: +{} so'm for order #{}\n",
            entry.amount, entry.order_id
        );
    }
    let verify = payments.verify()?;
    out += &format!("balance == sum(ledger): {}\n", verify.is_clean());

    // 6. A payment nobody waits for is kept for review, never credited.
    let stray = IncomingPayment {
        source: "bank-feed".into(),
        reference: "feed-txn-000043".into(),
        card_last4: "4321".into(),
        amount: Money::parse("1234.56")?,
        paid_at: Some(payments.now()),
        received_at: payments.now(),
        raw: None,
    };
    if let Settlement::Unmatched { reason, .. } = payments.settle(&stray)? {
        out += &format!("stray payment kept for review: {}\n", reason.describe());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_walk_through_runs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = super::run(&dir.path().join("shop.db").to_string_lossy()).expect("run");
        assert!(out.contains("settled: 1 matched, 1 duplicate(s)"), "{out}");
        assert!(out.contains(": paid; balance 25000 so'm"), "{out}");
        assert!(out.contains("ledger: +25000 so'm"), "{out}");
        assert!(out.contains("balance == sum(ledger): true"), "{out}");
        assert!(out.contains("stray payment kept for review"), "{out}");
    }
}
