//! Kassa's domain embedded in a service of your own, with no HTTP server: open a store, create a
//! shop and an order, plug in your own source of incoming payments, settle, read the ledger and
//! verify it, then call the domain from async code. `docs/embedding.md` walks through it.
//!
//! ```sh
//! cargo run --example embed                                   # a temporary SQLite file
//! cargo run --example embed -- shop.db                        # an SQLite file you keep
//! KASSA_SECRET=… cargo run --example embed -- postgres://kassa@127.0.0.1:5432/kassa
//! ```
//!
//! The database is the first argument, else `DATABASE_URL`, else a temporary SQLite file that is
//! removed afterwards. The server secret is `KASSA_SECRET`, else a fixed example secret (a
//! database a `kassa serve` also uses needs the server's secret, or no shop key verifies).

use payments_core::{
    CardNumber, CodeStyle, Credentials, IncomingPayment, KeyHasher, Money, MonthStatus, OrderCode,
    PaymentError, PaymentSource, Payments, PaymentsConfig, Settlement, ShopDraft, ShopKind,
    ShopStatus, SourceError,
};
use payments_store::DieselStore;
use std::error::Error;
use std::sync::{Arc, Mutex};

/// Your source of incoming payments: an acquirer's API, a bank feed… Here, a queue your code
/// fills. The worker (or your own loop) calls `pull`, Kassa records and settles each payment, then
/// `ack`s the ones it recorded — so a payment is never lost between the two, and one reported
/// twice (same `reference`) is recorded as a duplicate and credits nothing.
#[derive(Debug, Default)]
struct BankFeed {
    queue: Mutex<Vec<IncomingPayment>>,
}

impl BankFeed {
    fn push(&self, payment: IncomingPayment) -> Result<(), SourceError> {
        self.queue
            .lock()
            .map_err(|_| SourceError("queue poisoned".into()))?
            .push(payment);
        Ok(())
    }

    fn len(&self) -> usize {
        self.queue.lock().map(|q| q.len()).unwrap_or(0)
    }
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

fn main() -> Result<(), Box<dyn Error>> {
    let secret = std::env::var("KASSA_SECRET")
        .unwrap_or_else(|_| "an example secret of 16+ bytes".to_owned());
    let given = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("DATABASE_URL").ok());
    let report = match given {
        Some(database) => run(&database, secret.as_bytes())?,
        None => {
            let dir = std::env::temp_dir().join(format!("kassa-embed-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            let report = run(&dir.join("shop.db").to_string_lossy(), secret.as_bytes());
            std::fs::remove_dir_all(&dir)?;
            report?
        }
    };
    print!("{report}");
    Ok(())
}

/// The whole walk-through; returns what it prints.
fn run(database: &str, secret: &[u8]) -> Result<String, Box<dyn Error>> {
    let mut out = String::new();
    // 1. The store (an SQLite file path, or a postgres:// URL: the same code) and the domain.
    //    Opening migrates the database.
    let store = Arc::new(DieselStore::open(database)?);
    let payments = Payments::new(store, KeyHasher::new(secret)?, PaymentsConfig::default());

    // 2. A shop that may take payments: confirmed, fee paid, a receiving card. Its key is shown
    //    this once; only its hash is stored.
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

    // 3. An order of 25 000 so'm. The payer must send exactly `payable_amount` to the card.
    let creds = Credentials {
        shop_id: shop.id,
        key,
        client: "embedded".into(),
    };
    let (order, shop) =
        payments.create_order(&creds, Money::parse("25000")?, CodeStyle::TopHamyon)?;
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
        // Unique within the source: the transfer's id at your bank.
        reference: format!("txn-{}", order.codes.payment_id),
        card_last4: "4321".into(),
        amount: order.payable_amount,
        paid_at: Some(payments.now()),
        received_at: payments.now(),
        raw: None,
    };
    feed.push(transfer.clone())?;
    feed.push(transfer)?;
    let pulled = payments.settle_from(&feed)?;
    out += &format!(
        "settled: {} matched, {} duplicate(s); {} left in the feed\n",
        pulled.matched,
        pulled.duplicates,
        feed.len()
    );

    // 5. The order is paid, the shop credited once, the ledger says why.
    let paid = payments.order(&OrderCode::parse(&order.codes.code)?)?.order;
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

    // 6. A paid order is final: errors are values to match on, and nothing changed.
    match payments.cancel(&OrderCode::parse(&order.codes.code)?) {
        Err(PaymentError::Refused(refused)) => {
            out += &format!("cancel refused: the order is {}\n", refused.current);
        }
        other => return Err(format!("a paid order cannot be cancelled: {other:?}").into()),
    }

    // 7. A payment nobody waits for is kept for review, never credited.
    let stray = IncomingPayment {
        source: feed.name().into(),
        reference: format!("txn-stray-{}", order.codes.payment_id),
        card_last4: "4321".into(),
        amount: Money::parse("1234.56")?,
        paid_at: Some(payments.now()),
        received_at: payments.now(),
        raw: None,
    };
    if let Settlement::Unmatched { reason, .. } = payments.settle(&stray)? {
        out += &format!("stray payment kept for review: {}\n", reason.describe());
    }

    // 8. From async code: every call blocks (it runs SQL), so it goes to the blocking pool.
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let status = runtime.block_on(async {
        let payments = payments.clone();
        let code = OrderCode::parse(&order.codes.code)?;
        tokio::task::spawn_blocking(move || payments.order(&code))
            .await
            .map_err(|e| format!("blocking task failed: {e}"))?
            .map(|view| view.order.status)
            .map_err(Box::<dyn Error>::from)
    })?;
    out += &format!("from async code: order {status}\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_walk_through_runs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("shop.db").to_string_lossy().into_owned();
        let out = super::run(&db, b"a test secret of 16+ bytes").expect("run");
        assert!(
            out.contains("settled: 1 matched, 1 duplicate(s); 0 left in the feed"),
            "{out}"
        );
        assert!(out.contains(": paid; balance 25000 so'm"), "{out}");
        assert!(out.contains("ledger: +25000 so'm"), "{out}");
        assert!(out.contains("balance == sum(ledger): true"), "{out}");
        assert!(out.contains("cancel refused: the order is paid"), "{out}");
        assert!(out.contains("stray payment kept for review"), "{out}");
        assert!(out.contains("from async code: order paid"), "{out}");
    }
}
