//! What must hold in the database after any fault (a kill -9, an outage, a full disk), checked
//! from the test process on the server's own database: every credit once and only for a paid
//! order, balances equal to their ledgers, an outbox row for every webhook event, nothing half
//! written.

use payments_core::{OrderCode, OrderStatus, Page, Store};
use payments_store::{Backend, DieselStore};
use std::collections::{HashMap, HashSet};

/// Counts found by [`assert_consistent`], for the test's report.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub orders: usize,
    pub paid: usize,
    pub cancelled: usize,
    pub expired: usize,
    pub pending: usize,
    pub ledger_rows: usize,
}

/// Opens the server's database from the test (it is migrated already; opening changes nothing).
pub fn open(db_url: &str) -> DieselStore {
    DieselStore::open(db_url).unwrap_or_else(|e| panic!("open {db_url}: {e}"))
}

/// Fails the test unless `count_sql` (one `SELECT COUNT(*) …`) counts zero. Works on both
/// backends with nothing but `execute_batch`: the count goes into a temporary table whose CHECK
/// refuses anything but zero.
pub fn count_is_zero(store: &DieselStore, what: &str, count_sql: &str) {
    let sql = format!(
        "DROP TABLE IF EXISTS kassa_zero_check; \
         CREATE TEMPORARY TABLE kassa_zero_check (n BIGINT NOT NULL CHECK (n = 0)); \
         INSERT INTO kassa_zero_check (n) {count_sql}; \
         DROP TABLE kassa_zero_check;"
    );
    if let Err(e) = store.execute_batch(&sql) {
        panic!("{what}: the count is not zero ({e})\n  query: {count_sql}");
    }
}

/// Whether `count_sql` counts zero now (see [`count_is_zero`]), without failing.
pub fn is_zero(store: &DieselStore, count_sql: &str) -> bool {
    store
        .execute_batch(&format!(
            "DROP TABLE IF EXISTS kassa_zero_check; \
             CREATE TEMPORARY TABLE kassa_zero_check (n BIGINT NOT NULL CHECK (n = 0)); \
             INSERT INTO kassa_zero_check (n) {count_sql}; \
             DROP TABLE kassa_zero_check;"
        ))
        .is_ok()
}

/// The status the store has for an order code (`None` if it is not there).
pub fn status_of(store: &DieselStore, code: &str) -> Option<OrderStatus> {
    let code = OrderCode::parse(code).unwrap_or_else(|e| panic!("order code {code}: {e:?}"));
    store
        .order(&code)
        .unwrap_or_else(|e| panic!("read order {code}: {e}"))
        .map(|v| v.order.status)
}

/// Everything that must hold after a fault; panics with the first thing that does not.
pub fn assert_consistent(store: &DieselStore) -> Tally {
    let mut tally = Tally::default();
    let report = store.balance_report().expect("balance report");
    for line in &report {
        assert!(
            line.is_consistent(),
            "shop {}: balance {} but its ledger sums to {}",
            line.shop_id,
            line.balance,
            line.ledger_sum
        );
        let ledger = store.ledger(line.shop_id).expect("ledger");
        let mut credited: HashMap<i64, i64> = HashMap::new();
        for entry in &ledger {
            assert!(
                credited
                    .insert(entry.order_id, entry.amount.tiyin())
                    .is_none(),
                "order {} credited twice in shop {}'s ledger",
                entry.order_id,
                line.shop_id
            );
        }
        tally.ledger_rows += ledger.len();
        let mut paid = HashSet::new();
        let mut offset = 0;
        loop {
            let page = store
                .orders(line.shop_id, Page { limit: 500, offset })
                .expect("orders");
            for order in &page.orders {
                tally.orders += 1;
                match order.status {
                    OrderStatus::Paid => {
                        tally.paid += 1;
                        paid.insert(order.id);
                        assert_eq!(
                            credited.get(&order.id),
                            Some(&order.amount.tiyin()),
                            "paid order {} must be credited its amount exactly once",
                            order.codes.code
                        );
                        assert!(order.finished_at.is_some(), "paid without finished_at");
                    }
                    OrderStatus::Cancelled => tally.cancelled += 1,
                    OrderStatus::Expired => tally.expired += 1,
                    OrderStatus::Pending => {
                        tally.pending += 1;
                        assert!(order.finished_at.is_none(), "pending with finished_at");
                    }
                }
            }
            offset += page.orders.len() as u64;
            if page.orders.is_empty() || offset >= page.total {
                break;
            }
        }
        for order_id in credited.keys() {
            assert!(
                paid.contains(order_id),
                "order {order_id} is credited in shop {}'s ledger but is not paid",
                line.shop_id
            );
        }
    }

    count_is_zero(
        store,
        "finished orders of shops with a callback URL but no webhook in the outbox",
        "SELECT COUNT(*) FROM orders o JOIN shops s ON s.id = o.shop_id \
         WHERE s.callback_url IS NOT NULL AND o.status IN ('paid', 'cancelled', 'expired') \
         AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.order_id = o.id \
                         AND x.channel = 'webhook' AND x.event = o.status)",
    );
    count_is_zero(
        store,
        "outbox rows for an event the order never had",
        "SELECT COUNT(*) FROM outbox x JOIN orders o ON o.id = x.order_id WHERE x.event <> o.status",
    );
    count_is_zero(
        store,
        "orders with two notifications on one channel",
        "SELECT COUNT(*) FROM (SELECT order_id, channel FROM outbox \
         GROUP BY order_id, channel HAVING COUNT(*) > 1) d",
    );
    count_is_zero(
        store,
        "matched payments whose order is not paid",
        "SELECT COUNT(*) FROM incoming_payments p LEFT JOIN orders o ON o.id = p.order_id \
         WHERE p.status = 'matched' AND (o.id IS NULL OR o.status <> 'paid')",
    );
    count_is_zero(
        store,
        "orders matched by two payments",
        "SELECT COUNT(*) FROM (SELECT order_id FROM incoming_payments WHERE status = 'matched' \
         GROUP BY order_id HAVING COUNT(*) > 1) d",
    );
    count_is_zero(
        store,
        "ledger rows of another shop or amount than their order",
        "SELECT COUNT(*) FROM ledger l JOIN orders o ON o.id = l.order_id \
         WHERE l.shop_id <> o.shop_id OR l.amount <> o.amount",
    );
    if store.backend() == Backend::Sqlite {
        sqlite_integrity(store);
    }
    tally
}

/// `PRAGMA integrity_check` answers one row, `ok`, on a sound SQLite file.
pub fn sqlite_integrity(store: &DieselStore) {
    count_is_zero(
        store,
        "PRAGMA integrity_check",
        "SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'",
    );
}
