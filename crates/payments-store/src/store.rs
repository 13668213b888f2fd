//! [`DieselStore`]: the [`Store`] port on SQLite or PostgreSQL, one code path for both.

use crate::conn::WriteTx;
use crate::connect::{self, Backend, PoolOptions, Pools};
use crate::create_batch::{CreateJob, HoldPlan};
use crate::errors::{from_connection, from_diesel};
use crate::group_commit::GroupCommit;
use crate::models::{BalanceRow, LedgerRow, NewShopRow, OrderRow, ShopRow, secs};
use crate::models_settlement::NewOutboxRow;
use crate::schema::{ledger, orders, outbox, shop_order_counts, shops};
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use payments_core::{
    Applied, Attached, BalanceLine, CardNumber, DeliveryAttempt, DeliveryLog, IncomingPayment,
    KeyHash, LedgerEntry, Money, NewOrder, NewShop, NotifyPolicy, Order, OrderCode, OrderPage,
    OrderStatus, OrderView, OutboxItem, Page, PayToken, PayablePlan, PaymentRecord, PaymentStatus,
    Resolution, Settlement, Shop, ShopId, ShopPatch, Store, StoreError, Transition,
};
use time::OffsetDateTime;

/// Shops, orders and the ledger in a relational database.
///
/// Implements [`Store`]: hand it to [`Payments`](payments_core::Payments) in an `Arc`. Cheap to
/// share between threads (it holds a connection pool); every call blocks.
///
/// A whole embedding, on a temporary SQLite file: a shop, an order, its payment, the ledger.
///
/// ```
/// use payments_core::{
///     CardNumber, CodeStyle, Credentials, IncomingPayment, KeyHasher, Money, MonthStatus,
///     Payments, PaymentsConfig, Settlement, ShopDraft, ShopKind, ShopStatus,
/// };
/// use payments_store::{Backend, DieselStore};
/// use std::sync::Arc;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let store = DieselStore::open(&dir.path().join("shop.db").to_string_lossy())?;
/// assert_eq!(store.backend(), Backend::Sqlite);
/// let payments = Payments::new(
///     Arc::new(store),
///     KeyHasher::new(b"a server secret of 16+ bytes")?,
///     PaymentsConfig::default(),
/// );
///
/// let (shop, key) = payments.add_shop(ShopDraft {
///     id: None,
///     key: None,
///     name: "Kitob do'koni".into(),
///     user_id: 0,
///     kind: ShopKind::Api,
///     status: ShopStatus::Confirm,
///     month_status: MonthStatus::Paid,
///     card: Some(CardNumber::parse("8600 1234 5678 4321")?),
///     callback_url: None,
/// })?;
/// let creds = Credentials { shop_id: shop.id, key, client: "docs".into() };
/// let (order, _) = payments.create_order(&creds, Money::parse("25000")?, CodeStyle::Rasmiy)?;
///
/// // The money arrives on the card: exactly the payable amount.
/// let now = payments.now();
/// let paid = payments.settle(&IncomingPayment {
///     source: "docs".into(),
///     reference: "txn-1".into(),
///     card_last4: "4321".into(),
///     amount: order.payable_amount,
///     paid_at: Some(now),
///     received_at: now,
///     raw: None,
/// })?;
/// assert!(matches!(paid, Settlement::Matched { .. }));
/// assert_eq!(payments.shop(shop.id)?.balance, Money::parse("25000")?);
/// assert_eq!(payments.ledger(shop.id)?.len(), 1);
/// assert!(payments.verify()?.is_clean());
/// # Ok(())
/// # }
/// ```
pub struct DieselStore {
    pub(crate) pools: Pools,
    /// The writer that batches creates into shared commits.
    writer: GroupCommit,
    backend: Backend,
}

impl std::fmt::Debug for DieselStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DieselStore")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl DieselStore {
    /// Opens (creating an SQLite file if needed) and migrates the database a URL names.
    ///
    /// The URL is a file path or `sqlite://path` (SQLite), or `postgres://…` /
    /// `postgresql://…` (PostgreSQL; the database must exist, and its user may create tables).
    /// Migrations run now, forward only; on PostgreSQL several processes opening at once take
    /// turns. An unreachable database is [`StoreError::Unavailable`].
    ///
    /// ```
    /// use payments_core::Store;
    /// use payments_store::DieselStore;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("kassa.db");
    /// let store = DieselStore::open(&format!("sqlite://{}", path.display()))?;
    /// store.ping()?;
    /// assert!(path.exists());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// ```no_run
    /// # fn main() -> Result<(), payments_core::StoreError> {
    /// let store = payments_store::DieselStore::open("postgres://kassa@127.0.0.1:5432/kassa")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn open(url: &str) -> Result<DieselStore, StoreError> {
        DieselStore::open_with(url, PoolOptions::default())
    }

    /// [`DieselStore::open`] with pool settings of one's own.
    ///
    /// ```
    /// use payments_store::{DieselStore, PoolOptions};
    /// use std::time::Duration;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let url = dir.path().join("kassa.db").to_string_lossy().into_owned();
    /// let options = PoolOptions {
    ///     max_size: Some(4),
    ///     acquire_timeout: Duration::from_secs(2),
    /// };
    /// let store = DieselStore::open_with(&url, options)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn open_with(url: &str, options: PoolOptions) -> Result<DieselStore, StoreError> {
        let pools = connect::open(url, options)?;
        let backend = Backend::of_url(url);
        let writer = match backend {
            Backend::Sqlite => {
                let path = connect::sqlite_path(url).to_owned();
                GroupCommit::start(move || {
                    let mut conn = SqliteConnection::establish(&path).map_err(from_connection)?;
                    conn.batch_execute(connect::SQLITE_SETTINGS)
                        .map_err(from_diesel)?;
                    Ok(conn)
                })?
            }
            Backend::Postgres => {
                // With the pool's connect and TCP timeouts (see `pg_url`).
                let url = connect::pg_url(url);
                GroupCommit::start(move || {
                    let mut conn = PgConnection::establish(&url).map_err(from_connection)?;
                    conn.batch_execute(connect::PG_SETTINGS)
                        .map_err(from_diesel)?;
                    Ok(conn)
                })?
            }
        };
        Ok(DieselStore {
            pools,
            backend,
            writer,
        })
    }

    /// Which database it is on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs raw SQL statements (operators' maintenance, tests).
    pub fn execute_batch(&self, sql: &str) -> Result<(), StoreError> {
        with_conn!(self, |conn| conn.batch_execute(sql).map_err(from_diesel))
    }
}

// Lookups by a unique key use `get_result` (the first row), never `first`: `first` adds a
// bound `LIMIT ?`, and SQLite (3.46+) marks a statement whose LIMIT is a bound parameter to be
// compiled again each time that parameter is bound, so every such lookup was parsed and planned
// anew on every call (issue 10: about 40 % of a `check_payment`'s instructions).

fn order_query(code: &OrderCode) -> (bool, String) {
    let text = code.as_str();
    (text.starts_with("PAY_"), text.to_owned())
}

impl Store for DieselStore {
    fn ping(&self) -> Result<(), StoreError> {
        with_conn!(self, |conn| conn
            .batch_execute("SELECT 1")
            .map_err(from_diesel))
    }

    fn insert_shop(&self, shop: &NewShop) -> Result<Shop, StoreError> {
        let row = NewShopRow::new(shop);
        with_conn!(self, |conn| {
            diesel::insert_into(shops::table)
                .values(&row)
                .returning(ShopRow::as_returning())
                .get_result(conn)
                .map_err(from_diesel)?
                .into_shop()
        })
    }

    fn shop(&self, id: ShopId) -> Result<Option<Shop>, StoreError> {
        with_conn!(self, |conn| {
            shops::table
                .find(id.get())
                .select(ShopRow::as_select())
                .get_result(conn)
                .optional()
                .map_err(from_diesel)?
                .map(ShopRow::into_shop)
                .transpose()
        })
    }

    fn update_shop(&self, id: ShopId, patch: &ShopPatch) -> Result<Option<Shop>, StoreError> {
        #[derive(AsChangeset)]
        #[diesel(table_name = shops)]
        struct Changes<'a> {
            name: Option<&'a str>,
            user_id: Option<i64>,
            kind: Option<&'static str>,
            status: Option<&'static str>,
            month_status: Option<&'static str>,
            card: Option<Option<&'a str>>,
            callback_url: Option<Option<&'a str>>,
            webhook_secret: Option<Option<&'a str>>,
        }
        let changes = Changes {
            name: patch.name.as_deref(),
            user_id: patch.user_id,
            kind: patch.kind.map(|k| k.as_str()),
            status: patch.status.map(|s| s.as_str()),
            month_status: patch.month_status.map(|m| m.as_str()),
            card: patch
                .card
                .as_ref()
                .map(|c| c.as_ref().map(CardNumber::as_str)),
            callback_url: patch.callback_url.as_ref().map(|u| u.as_deref()),
            webhook_secret: patch.webhook_secret.as_ref().map(|w| w.as_deref()),
        };
        if patch.is_empty() {
            return self.shop(id);
        }
        with_conn!(self, |conn| {
            diesel::update(shops::table.find(id.get()))
                .set(&changes)
                .returning(ShopRow::as_returning())
                .get_result(conn)
                .optional()
                .map_err(from_diesel)?
                .map(ShopRow::into_shop)
                .transpose()
        })
    }

    fn set_key_hash(&self, id: ShopId, hash: &KeyHash) -> Result<bool, StoreError> {
        with_conn!(self, |conn| {
            diesel::update(shops::table.find(id.get()))
                .set(shops::key_hash.eq(hash.as_str()))
                .execute(conn)
                .map(|n| n == 1)
                .map_err(from_diesel)
        })
    }

    fn insert_order(
        &self,
        order: &NewOrder,
        plan: &PayablePlan,
    ) -> Result<Option<Order>, StoreError> {
        let amount = order.amount.tiyin();
        let step = plan.step.tiyin().max(1);
        // No card, nothing to match on: the payable amount is the amount, no hold.
        let hold = order.card.as_ref().map(|card| HoldPlan {
            card: card.as_str().to_owned(),
            candidates: (0..i64::from(plan.steps.max(1)))
                .filter_map(|k| k.checked_mul(step)?.checked_add(amount))
                .collect(),
            now: secs(order.created_at),
            hold_until: secs(plan.hold_until),
        });
        let job = CreateJob {
            order: order.clone(),
            hold,
        };
        // Creates go through group commit: one durable flush for every create waiting.
        let row = self.writer.create(job)?;
        row.map(OrderRow::into_order).transpose()
    }

    fn order(&self, code: &OrderCode) -> Result<Option<OrderView>, StoreError> {
        let (by_payment_id, text) = order_query(code);
        with_conn!(self, |conn| {
            // Two static queries rather than one boxed: a boxed query has its SQL built again on
            // every call just to find its prepared statement in the cache.
            let query = orders::table
                .inner_join(shops::table)
                .select((OrderRow::as_select(), shops::name));
            let found: Option<(OrderRow, String)> = if by_payment_id {
                query
                    .filter(orders::payment_id.eq(text))
                    .get_result(conn)
                    .optional()
            } else {
                query
                    .filter(orders::code.eq(text))
                    .get_result(conn)
                    .optional()
            }
            .map_err(from_diesel)?;
            found
                .map(|(row, shop_name)| {
                    Ok(OrderView {
                        order: row.into_order()?,
                        shop_name,
                    })
                })
                .transpose()
        })
    }

    fn order_by_token(&self, token: &PayToken) -> Result<Option<OrderView>, StoreError> {
        let token = token.as_str().to_owned();
        with_conn!(self, |conn| {
            let found: Option<(OrderRow, String)> = orders::table
                .inner_join(shops::table)
                .filter(orders::pay_token.eq(token))
                .select((OrderRow::as_select(), shops::name))
                .get_result(conn)
                .optional()
                .map_err(from_diesel)?;
            found
                .map(|(row, shop_name)| {
                    Ok(OrderView {
                        order: row.into_order()?,
                        shop_name,
                    })
                })
                .transpose()
        })
    }

    fn orders(&self, shop: ShopId, page: Page) -> Result<OrderPage, StoreError> {
        let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
        with_conn!(self, |conn| {
            // The shop's count, kept by every create; not a COUNT(*) over its orders.
            let total: i64 = shop_order_counts::table
                .find(shop.get())
                .select(shop_order_counts::orders)
                .get_result(conn)
                .optional()
                .map_err(from_diesel)?
                .unwrap_or(0);
            // Orders are numbered 1..=total within the shop in the order they were made (the
            // same order as their ids), so newest first the page at `offset` holds the numbers
            // (total - offset - limit, total - offset]: found by index, whatever the offset.
            // Orders are never deleted, so numbers read after `total` cannot shift the page.
            // Sorted by number (the index's order; the same as by id).
            let newest = total.saturating_sub(offset);
            let rows: Vec<OrderRow> = if newest <= 0 {
                Vec::new()
            } else {
                orders::table
                    .filter(orders::shop_id.eq(shop.get()))
                    .filter(orders::shop_seq.le(newest))
                    .filter(orders::shop_seq.gt(newest.saturating_sub(i64::from(page.limit))))
                    .order(orders::shop_seq.desc())
                    .select(OrderRow::as_select())
                    .load(conn)
                    .map_err(from_diesel)?
            };
            Ok(OrderPage {
                total: total.unsigned_abs(),
                orders: rows
                    .into_iter()
                    .map(OrderRow::into_order)
                    .collect::<Result<_, _>>()?,
            })
        })
    }

    fn apply(
        &self,
        order_id: i64,
        transition: Transition,
        at: OffsetDateTime,
        policy: &NotifyPolicy,
    ) -> Result<Applied, StoreError> {
        let at = secs(at);
        with_conn!(self, |conn| {
            let outcome =
                conn.write_tx(|c| Ok(transition_in_tx!(c, order_id, transition, at, policy)));
            match outcome.map_err(from_diesel)? {
                Ok(row) => Ok(Applied::Done(row.into_order()?)),
                Err(None) => Ok(Applied::Missing),
                Err(Some(status)) => OrderStatus::from_stored(&status)
                    .map(Applied::Refused)
                    .ok_or_else(|| {
                        StoreError::Other(format!("stored order status is invalid: {status}"))
                    }),
            }
        })
    }

    fn expire_due(
        &self,
        now: OffsetDateTime,
        limit: u32,
        policy: &NotifyPolicy,
    ) -> Result<u64, StoreError> {
        let (pending, expired) = (
            Transition::Expire.from().as_str(),
            Transition::Expire.to().as_str(),
        );
        let now = secs(now);
        with_conn!(self, |conn| {
            conn.write_tx(|c| {
                // Found through the (status, expires_at) index: the cost follows the overdue rows.
                let due: Vec<i64> = orders::table
                    .filter(orders::status.eq(pending))
                    .filter(orders::expires_at.le(now))
                    .order(orders::expires_at)
                    .limit(i64::from(limit))
                    .select(orders::id)
                    .load(c)?;
                if due.is_empty() {
                    return Ok(0);
                }
                // Found by id; the status is checked on the rows found, never used to find
                // them: written `status || ''`, no index can serve it. As a plain
                // `status = 'pending'` SQLite (without statistics) preferred the status index
                // and walked every pending order once per batch, so the sweep grew with the
                // orders still waiting (issue 10: 7.5× slower beside 400 k of them).
                let done: Vec<(i64, i64)> = diesel::update(
                    orders::table
                        .filter(orders::id.eq_any(&due))
                        .filter(orders::status.concat("").eq(pending)),
                )
                .set((
                    orders::status.eq(expired),
                    orders::finished_at.eq(Some(now)),
                ))
                .returning((orders::id, orders::shop_id))
                .get_results(c)?;
                let mut shop_ids: Vec<i64> = done.iter().map(|(_, s)| *s).collect();
                shop_ids.sort_unstable();
                shop_ids.dedup();
                let owners: Vec<(i64, Option<String>, i64)> = shops::table
                    .filter(shops::id.eq_any(&shop_ids))
                    .select((shops::id, shops::callback_url, shops::user_id))
                    .load(c)?;
                for (order_id, shop_id) in &done {
                    if let Some((_, callback, owner)) =
                        owners.iter().find(|(id, _, _)| id == shop_id)
                    {
                        for ch in
                            policy.channels(OrderStatus::Expired, callback.is_some(), *owner > 0)
                        {
                            diesel::insert_into(outbox::table)
                                .values(NewOutboxRow::new(
                                    ch,
                                    OrderStatus::Expired,
                                    *order_id,
                                    *shop_id,
                                    now,
                                ))
                                .execute(c)?;
                        }
                    }
                }
                Ok(done.len() as u64)
            })
            .map_err(from_diesel)
        })
    }

    fn ledger(&self, shop: ShopId) -> Result<Vec<LedgerEntry>, StoreError> {
        with_conn!(self, |conn| {
            ledger::table
                .filter(ledger::shop_id.eq(shop.get()))
                .order(ledger::id)
                .select(LedgerRow::as_select())
                .load(conn)
                .map_err(from_diesel)?
                .into_iter()
                .map(LedgerRow::into_entry)
                .collect()
        })
    }

    fn read_now(&self, read: &mut dyn FnMut()) -> bool {
        match &self.pools {
            Pools::Sqlite(pool) => crate::conn::read_now(pool, read),
            // Every query is a network round trip: always worth the blocking pool.
            Pools::Postgres(_) => false,
        }
    }

    fn balance_report(&self) -> Result<Vec<BalanceLine>, StoreError> {
        // Plain SQL both backends read alike; the CAST keeps PostgreSQL's SUM from being NUMERIC.
        const SQL: &str = "SELECT s.id AS id, s.balance AS balance, \
             CAST(COALESCE((SELECT SUM(l.amount) FROM ledger l WHERE l.shop_id = s.id), 0) AS BIGINT) AS ledger_sum \
             FROM shops s ORDER BY s.id";
        with_conn!(self, |conn| {
            let rows: Vec<BalanceRow> = diesel::sql_query(SQL).load(conn).map_err(from_diesel)?;
            rows.into_iter()
                .map(|r| {
                    Ok(BalanceLine {
                        shop_id: ShopId::from_i64(r.id).ok_or_else(|| {
                            StoreError::Other(format!("stored shop id is invalid: {}", r.id))
                        })?,
                        balance: Money::from_tiyin(r.balance),
                        ledger_sum: Money::from_tiyin(r.ledger_sum),
                    })
                })
                .collect()
        })
    }

    fn settle(
        &self,
        payment: &IncomingPayment,
        policy: &NotifyPolicy,
    ) -> Result<Settlement, StoreError> {
        self.settle_payment(payment, policy)
    }

    fn payments(
        &self,
        status: PaymentStatus,
        limit: u32,
    ) -> Result<Vec<PaymentRecord>, StoreError> {
        self.payments_with(status, limit)
    }

    fn payment(&self, id: i64) -> Result<Option<PaymentRecord>, StoreError> {
        self.payment_by_id(id)
    }

    fn attach_payment(
        &self,
        payment_id: i64,
        order_id: i64,
        at: OffsetDateTime,
        policy: &NotifyPolicy,
    ) -> Result<Attached, StoreError> {
        self.attach(payment_id, order_id, at, policy)
    }

    fn resolve_payment(
        &self,
        payment_id: i64,
        resolution: Resolution,
        note: &str,
        at: OffsetDateTime,
    ) -> Result<Attached, StoreError> {
        self.resolve(payment_id, resolution, note, at)
    }

    fn claim_outbox(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        self.claim(now, lease_until, limit)
    }

    fn record_delivery(
        &self,
        outbox_id: i64,
        attempt: &DeliveryAttempt,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError> {
        self.record_attempt(outbox_id, attempt, retry_at)
    }

    fn deliveries(&self, shop: ShopId, limit: u32) -> Result<Vec<DeliveryLog>, StoreError> {
        self.delivery_log(shop, limit)
    }

    fn redeliver(
        &self,
        shop: ShopId,
        outbox_id: i64,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.requeue(shop, outbox_id, now)
    }

    fn outbox_backlog(&self) -> Result<u64, StoreError> {
        self.backlog()
    }

    fn paid_orders(
        &self,
        shop: Option<ShopId>,
        since: Option<OffsetDateTime>,
    ) -> Result<Vec<Order>, StoreError> {
        let (shop, since) = (shop.map(ShopId::get), since.map(secs));
        with_conn!(self, |conn| {
            let mut query = orders::table
                .filter(orders::status.eq(OrderStatus::Paid.as_str()))
                .select(OrderRow::as_select())
                .order((orders::finished_at, orders::id))
                .into_boxed();
            if let Some(shop) = shop {
                query = query.filter(orders::shop_id.eq(shop));
            }
            if let Some(since) = since {
                query = query.filter(orders::finished_at.ge(since));
            }
            query
                .load(conn)
                .map_err(from_diesel)?
                .into_iter()
                .map(OrderRow::into_order)
                .collect()
        })
    }
}

/// Did this error come from losing a payable-amount hold to another order?
pub(crate) fn is_hold_conflict(e: &diesel::result::Error) -> bool {
    match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            info,
        ) => {
            info.message().contains("payable_holds")
                || info
                    .constraint_name()
                    .is_some_and(|n| n.contains("payable_holds"))
        }
        _ => false,
    }
}
