//! The store-level parts of `scripts/bench.sh`, in process, on SQLite or PostgreSQL:
//!
//! - `seed`: adds orders to a shop by SQL (one statement each kind), e.g. 1 M for the
//!   `get_payments` run, some of them pending and overdue for the sweep (`--overdue`), some
//!   pending and not yet due (`--pending`), the rest expired;
//! - `codes`: writes order codes of a shop, one a line, for the `check_payment` run;
//! - `sweep`: times `Payments::expire_overdue` over what is overdue (optionally seeding
//!   `--overdue` orders, and `--pending` ones not yet due, first into a fresh database);
//! - `ingest`: seeds `--n` pending orders with distinct payable amounts, then times
//!   `Payments::ingest_notifications` over `--n` bank notifications that pay them all.
//!
//! ```sh
//! cargo run --release --example bench_store -- ingest --url /tmp/ingest.db --n 10000
//! ```
//!
//! Each timed part prints one `RESULT` line (`name`, `rps`, `seconds`, `n`).

use payments_core::{
    CardNumber, KeyHasher, MonthStatus, Page, Payments, PaymentsConfig, ShopDraft, ShopId,
    ShopKind, ShopStatus, Store,
};
use payments_store::{Backend, DieselStore};
use std::sync::Arc;
use std::time::Instant;

#[path = "bench_common/mod.rs"]
mod bench_common;
use bench_common::{Args, report_total};

type Failure = Box<dyn std::error::Error>;

/// The card of the shop the in-process runs make (ends in 1393, like demo shop 101's).
const CARD: &str = "9860100123451393";

fn main() -> Result<(), Failure> {
    let args = Args::parse();
    let url = args.text("url", "/tmp/kassa-bench-store.db");
    let backend = Backend::of_url(&url);
    let store = Arc::new(DieselStore::open(&url)?);
    let hasher = KeyHasher::new(b"bench secret, not a real one")?;
    let payments = Payments::new(store.clone(), hasher, PaymentsConfig::default());
    let now = payments.now().unix_timestamp();
    match args.command() {
        Some("seed") => {
            let shop = args.number("shop", 101) as i64;
            let orders = args.number("orders", 1_000_000) as i64;
            let overdue = args.number("overdue", 0) as i64;
            let waiting = args.number("pending", 0) as i64;
            let card = args.text("card", CARD);
            let started = Instant::now();
            let filler = Seed {
                prefix: "fill",
                status: "expired",
                created_at: now - 86_400,
                expires_at: now - 86_100,
                count: orders - overdue - waiting,
            };
            seed(&store, backend, shop, &card, &filler)?;
            let later = Seed {
                prefix: "later",
                status: "pending",
                created_at: now,
                expires_at: now + 3_600,
                count: waiting,
            };
            seed(&store, backend, shop, &card, &later)?;
            let due = Seed {
                prefix: "due",
                status: "pending",
                created_at: now - 3_600,
                expires_at: now - 3_300,
                count: overdue,
            };
            seed(&store, backend, shop, &card, &due)?;
            settle_down(&store, backend)?;
            report_total("seed", orders as u64, started.elapsed());
        }
        Some("codes") => {
            let shop = ShopId::from_i64(args.number("shop", 101) as i64).ok_or("bad --shop")?;
            let n = args.number("n", 1000) as u32;
            let page = store.orders(
                shop,
                Page {
                    limit: n,
                    offset: 0,
                },
            )?;
            let codes: Vec<&str> = page.orders.iter().map(|o| o.codes.code.as_str()).collect();
            std::fs::write(args.text("out", "codes.txt"), codes.join("\n") + "\n")?;
            eprintln!("{} codes of {} orders", codes.len(), page.total);
        }
        Some("sweep") => {
            let overdue = args.number("overdue", 0) as i64;
            // Pending orders that are not due yet: the sweep must not pay for them.
            let waiting = args.number("pending", 0) as i64;
            if overdue > 0 {
                let shop = bench_shop(&payments)?;
                let later = Seed {
                    prefix: "later",
                    status: "pending",
                    created_at: now,
                    expires_at: now + 3_600,
                    count: waiting,
                };
                seed(&store, backend, shop.get(), CARD, &later)?;
                let due = Seed {
                    prefix: "due",
                    status: "pending",
                    created_at: now - 3_600,
                    expires_at: now - 3_300,
                    count: overdue,
                };
                seed(&store, backend, shop.get(), CARD, &due)?;
            }
            settle_down(&store, backend)?;
            let started = Instant::now();
            let n = payments.expire_overdue()?;
            let elapsed = started.elapsed();
            let want = args.number("expect", overdue as u64);
            if n != want {
                return Err(format!("the sweep expired {n} orders, expected {want}").into());
            }
            report_total(&args.text("name", "sweep"), n, elapsed);
        }
        Some("ingest") => {
            let n = args.number("n", 10_000) as i64;
            let shop = bench_shop(&payments)?;
            // Payable amounts 10 000.00 som + i × 1.01 som: distinct, and not a step apart.
            let pending = Seed {
                prefix: "ing",
                status: "pending",
                created_at: now - 120,
                expires_at: now + 3_600,
                count: n,
            };
            seed(&store, backend, shop.get(), CARD, &pending)?;
            settle_down(&store, backend)?;
            let body: Vec<String> = (1..=n).map(|i| humo_message(amount_of(i))).collect();
            let body = body.join("\n\n");
            let started = Instant::now();
            let lines = payments.ingest_notifications(&body)?;
            let elapsed = started.elapsed();
            // Every notification paid its order: one ledger credit each.
            let matched = payments.ledger(shop)?.len();
            if lines.len() as i64 != n || matched as i64 != n {
                return Err(format!("{matched} of {n} notifications matched").into());
            }
            let report = payments.verify()?;
            if !report.is_clean() {
                return Err("balance and ledger disagree after ingest".into());
            }
            report_total("ingest", n as u64, elapsed);
        }
        other => return Err(format!("unknown command {other:?}: seed|codes|sweep|ingest").into()),
    }
    Ok(())
}

/// After a seed, before timing: PostgreSQL vacuums and gets its statistics (as autovacuum would
/// after so many inserts — and would otherwise do in the middle of the timed runs, or leave the
/// first run to set the new rows' hint bits);
/// SQLite writes the seed's WAL back into the database file (as its automatic checkpoints would
/// over time), so that a timed run does not pay for checkpointing the seed.
fn settle_down(store: &DieselStore, backend: Backend) -> Result<(), Failure> {
    match backend {
        Backend::Postgres => store.execute_batch("VACUUM ANALYZE")?,
        Backend::Sqlite => store.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?,
    }
    Ok(())
}

/// The amount of seeded order `i`, in tiyin.
fn amount_of(i: i64) -> i64 {
    1_000_000 + i * 101
}

/// A HUMO top-up notification for an amount in tiyin, without a time (so its minute is the
/// time it is received): `➕ 10.001,01 UZS` etc.
fn humo_message(tiyin: i64) -> String {
    let (som, rest) = (tiyin / 100, tiyin % 100);
    let digits = som.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    let last4 = &CARD[CARD.len() - 4..];
    format!("🎉 Пополнение\n➕ {grouped},{rest:02} UZS\n📍 HUMO2HUMO P2P\n💳 HUMOCARD *{last4}")
}

/// A confirmed api shop with a receiving card, fee paid, for the in-process runs.
fn bench_shop(payments: &Payments) -> Result<ShopId, Failure> {
    let (shop, _key) = payments.add_shop(ShopDraft {
        id: None,
        key: None,
        name: "Bench".into(),
        user_id: 0,
        kind: ShopKind::Api,
        status: ShopStatus::Confirm,
        month_status: MonthStatus::Paid,
        card: Some(CardNumber::parse(CARD)?),
        callback_url: None,
    })?;
    Ok(shop.id)
}

/// Orders to add by SQL.
struct Seed {
    prefix: &'static str,
    status: &'static str,
    created_at: i64,
    expires_at: i64,
    count: i64,
}

/// Inserts `seed.count` orders for `shop` in one statement. Codes are `<prefix><n>`; amounts
/// follow [`amount_of`]; final statuses get a `finished_at`.
fn seed(
    store: &DieselStore,
    backend: Backend,
    shop: i64,
    card: &str,
    seed: &Seed,
) -> Result<(), Failure> {
    if seed.count <= 0 {
        return Ok(());
    }
    let Seed {
        prefix,
        status,
        created_at,
        expires_at,
        count,
    } = *seed;
    let last4 = &card[card.len().saturating_sub(4)..];
    let finished = if status == "pending" {
        "NULL".to_owned()
    } else {
        expires_at.to_string()
    };
    let columns = "code, payment_id, pay_token, shop_id, amount, payable_amount, card, card_last4, \
                   status, created_at, expires_at, finished_at";
    let values = format!(
        "'{prefix}' || n, 'PAY_{prefix}_' || n, '{prefix}tok' || n, {shop}, \
         1000000 + n * 101, 1000000 + n * 101, '{card}', '{last4}', '{status}', \
         {created_at}, {expires_at}, {finished}"
    );
    let insert = |columns: &str, values: &str, from: &str| match backend {
        Backend::Sqlite => format!(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {count}) \
             INSERT INTO orders ({columns}) SELECT {values} FROM s{from}"
        ),
        Backend::Postgres => format!(
            "INSERT INTO orders ({columns}) SELECT {values} \
             FROM generate_series(1, {count}) AS s(n){from}"
        ),
    };
    // Numbered within the shop after its orders so far, and counted, as creates do (see the
    // migration `order_pages`); a schema from before it has neither, and gets the plain rows.
    let numbered = insert(
        &format!("{columns}, shop_seq"),
        &format!("{values}, base.orders + n"),
        &format!(
            ", (SELECT COALESCE((SELECT orders FROM shop_order_counts WHERE shop_id = {shop}), 0) \
             AS orders) AS base"
        ),
    );
    if store.execute_batch(&numbered).is_ok() {
        store.execute_batch(&format!(
            "INSERT INTO shop_order_counts (shop_id, orders) VALUES ({shop}, {count}) \
             ON CONFLICT (shop_id) DO UPDATE SET orders = shop_order_counts.orders + {count}"
        ))?;
    } else {
        store.execute_batch(&insert(columns, &values, ""))?;
    }
    Ok(())
}
