//! [`DieselStore`]: the [`Store`] port on SQLite or PostgreSQL, one code path for both.

use crate::connect::{self, Backend, PoolOptions, Pools};
use crate::errors::{from_diesel, from_pool};
use crate::models::{
    BalanceRow, LedgerRow, NewLedgerRow, NewOrderRow, NewShopRow, OrderRow, ShopRow, secs,
};
use crate::schema::{ledger, orders, shops};
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use payments_core::{
    Applied, BalanceLine, CardNumber, KeyHash, LedgerEntry, Money, NewOrder, NewShop, Order,
    OrderCode, OrderPage, OrderStatus, OrderView, Page, PayToken, Shop, ShopId, ShopPatch, Store,
    StoreError, Transition,
};
use time::OffsetDateTime;

/// Write transactions. On SQLite they take the write lock up front (`BEGIN IMMEDIATE`): a
/// deferred transaction that reads and then writes can fail with `SQLITE_BUSY` instead of
/// waiting its turn.
trait WriteTx: Connection {
    fn write_tx<T, F>(&mut self, f: F) -> Result<T, diesel::result::Error>
    where
        F: FnOnce(&mut Self) -> Result<T, diesel::result::Error>;
}

impl WriteTx for SqliteConnection {
    fn write_tx<T, F>(&mut self, f: F) -> Result<T, diesel::result::Error>
    where
        F: FnOnce(&mut Self) -> Result<T, diesel::result::Error>,
    {
        self.immediate_transaction(f)
    }
}

impl WriteTx for PgConnection {
    fn write_tx<T, F>(&mut self, f: F) -> Result<T, diesel::result::Error>
    where
        F: FnOnce(&mut Self) -> Result<T, diesel::result::Error>,
    {
        self.transaction(f)
    }
}

/// Runs `$body` with `$conn` bound to a pooled connection of whichever backend is open. The
/// body is written once and type-checked for each backend.
macro_rules! with_conn {
    ($self:ident, |$conn:ident| $body:expr) => {
        match &$self.pools {
            Pools::Sqlite(pool) => {
                let mut pooled = pool.get().map_err(from_pool)?;
                let $conn: &mut SqliteConnection = &mut pooled;
                $body
            }
            Pools::Postgres(pool) => {
                let mut pooled = pool.get().map_err(from_pool)?;
                let $conn: &mut PgConnection = &mut pooled;
                $body
            }
        }
    };
}

/// Shops, orders and the ledger in a relational database.
pub struct DieselStore {
    pools: Pools,
    backend: Backend,
}

impl std::fmt::Debug for DieselStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DieselStore")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

fn status_str(s: OrderStatus) -> &'static str {
    s.as_str()
}

impl DieselStore {
    /// Opens (creating an SQLite file if needed) and migrates the database a URL names.
    ///
    /// ```no_run
    /// let store = payments_store::DieselStore::open("kassa.db").unwrap();
    /// ```
    pub fn open(url: &str) -> Result<DieselStore, StoreError> {
        DieselStore::open_with(url, PoolOptions::default())
    }

    pub fn open_with(url: &str, options: PoolOptions) -> Result<DieselStore, StoreError> {
        let pools = connect::open(url, options)?;
        Ok(DieselStore {
            pools,
            backend: Backend::of_url(url),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs raw SQL statements (operators' maintenance, tests).
    pub fn execute_batch(&self, sql: &str) -> Result<(), StoreError> {
        with_conn!(self, |conn| conn.batch_execute(sql).map_err(from_diesel))
    }
}

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
                .first(conn)
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

    fn insert_order(&self, order: &NewOrder) -> Result<Order, StoreError> {
        let row = NewOrderRow::new(order);
        with_conn!(self, |conn| {
            diesel::insert_into(orders::table)
                .values(&row)
                .returning(OrderRow::as_returning())
                .get_result(conn)
                .map_err(from_diesel)?
                .into_order()
        })
    }

    fn order(&self, code: &OrderCode) -> Result<Option<OrderView>, StoreError> {
        let (by_payment_id, text) = order_query(code);
        with_conn!(self, |conn| {
            let query = orders::table
                .inner_join(shops::table)
                .select((OrderRow::as_select(), shops::name))
                .into_boxed();
            let query = if by_payment_id {
                query.filter(orders::payment_id.eq(text))
            } else {
                query.filter(orders::code.eq(text))
            };
            let found: Option<(OrderRow, String)> =
                query.first(conn).optional().map_err(from_diesel)?;
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
                .first(conn)
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
            let total: i64 = orders::table
                .filter(orders::shop_id.eq(shop.get()))
                .count()
                .get_result(conn)
                .map_err(from_diesel)?;
            let rows: Vec<OrderRow> = orders::table
                .filter(orders::shop_id.eq(shop.get()))
                .order(orders::id.desc())
                .limit(i64::from(page.limit))
                .offset(offset)
                .select(OrderRow::as_select())
                .load(conn)
                .map_err(from_diesel)?;
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
    ) -> Result<Applied, StoreError> {
        let (from, to) = (status_str(transition.from()), status_str(transition.to()));
        let at = secs(at);
        with_conn!(self, |conn| {
            let outcome = conn.write_tx(|c| {
                // The one conditional update: of racing transitions, exactly one matches.
                let won: Option<OrderRow> = diesel::update(
                    orders::table
                        .filter(orders::id.eq(order_id))
                        .filter(orders::status.eq(from)),
                )
                .set((orders::status.eq(to), orders::finished_at.eq(Some(at))))
                .returning(OrderRow::as_returning())
                .get_result(c)
                .optional()?;
                let Some(row) = won else {
                    let current: Option<String> = orders::table
                        .find(order_id)
                        .select(orders::status)
                        .first(c)
                        .optional()?;
                    return Ok(Err(current));
                };
                if transition == Transition::Pay {
                    let (shop_id, amount) = (row.shop_id(), row.amount());
                    diesel::update(shops::table.find(shop_id))
                        .set(shops::balance.eq(shops::balance + amount))
                        .execute(c)?;
                    diesel::insert_into(ledger::table)
                        .values(NewLedgerRow {
                            shop_id,
                            order_id,
                            amount,
                            created_at: at,
                        })
                        .execute(c)?;
                }
                Ok(Ok(row))
            });
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

    fn expire_due(&self, now: OffsetDateTime, limit: u32) -> Result<u64, StoreError> {
        let (pending, expired) = (
            status_str(Transition::Expire.from()),
            status_str(Transition::Expire.to()),
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
                diesel::update(
                    orders::table
                        .filter(orders::id.eq_any(&due))
                        .filter(orders::status.eq(pending)),
                )
                .set((
                    orders::status.eq(expired),
                    orders::finished_at.eq(Some(now)),
                ))
                .execute(c)
            })
            .map(|n| n as u64)
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
}
