//! The one code path for both backends: [`with_conn!`] runs a body with a pooled connection of
//! whichever backend is open, and [`WriteTx`] opens write transactions the right way for each.
//! [`read_now`] lends a body on this thread an idle SQLite connection taken without waiting.

use diesel::Connection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use payments_core::StoreError;
use std::cell::RefCell;

type SqlitePool = Pool<ConnectionManager<SqliteConnection>>;
type SqlitePooled = PooledConnection<ConnectionManager<SqliteConnection>>;

thread_local! {
    /// The connection [`read_now`] lends the read running on this thread, keyed by its pool's
    /// address (so that another store's query on this thread never gets it).
    static LENT: RefCell<Option<(usize, SqlitePooled)>> = const { RefCell::new(None) };
}

fn key(pool: &SqlitePool) -> usize {
    std::ptr::from_ref(pool) as usize
}

/// Runs `read` now with an idle connection of `pool` lent to every [`with_conn!`] on this
/// thread, if one is idle at once (`Pool::try_get`); `false`, without running it, otherwise
/// (and inside another `read_now`).
pub(crate) fn read_now(pool: &SqlitePool, read: &mut dyn FnMut()) -> bool {
    if LENT.with(|slot| slot.borrow().is_some()) {
        return false;
    }
    let Some(conn) = pool.try_get() else {
        return false;
    };
    /// Gives the connection back to the pool however `read` ends (a panic included).
    struct Return;
    impl Drop for Return {
        fn drop(&mut self) {
            let lent = LENT.with(|slot| slot.borrow_mut().take());
            drop(lent);
        }
    }
    LENT.with(|slot| *slot.borrow_mut() = Some((key(pool), conn)));
    let _return = Return;
    read();
    true
}

/// An SQLite connection for one [`with_conn!`] body: the one [`read_now`] lent this thread
/// (put back for the read's next query when the body ends), or one from the pool.
pub(crate) enum SqliteConn {
    Pooled(SqlitePooled),
    Lent(usize, Option<SqlitePooled>),
}

impl SqliteConn {
    pub(crate) fn get(pool: &SqlitePool) -> Result<SqliteConn, StoreError> {
        let key = key(pool);
        let lent = LENT.with(|slot| {
            let mut slot = slot.borrow_mut();
            match slot.take() {
                Some((k, conn)) if k == key => Some(conn),
                other => {
                    *slot = other;
                    None
                }
            }
        });
        match lent {
            Some(conn) => Ok(SqliteConn::Lent(key, Some(conn))),
            None => Ok(SqliteConn::Pooled(
                pool.get().map_err(crate::errors::from_pool)?,
            )),
        }
    }
}

impl std::ops::Deref for SqliteConn {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        match self {
            SqliteConn::Pooled(conn) | SqliteConn::Lent(_, Some(conn)) => conn,
            SqliteConn::Lent(_, None) => unreachable!("a lent connection is taken only on drop"),
        }
    }
}

impl std::ops::DerefMut for SqliteConn {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match self {
            SqliteConn::Pooled(conn) | SqliteConn::Lent(_, Some(conn)) => conn,
            SqliteConn::Lent(_, None) => unreachable!("a lent connection is taken only on drop"),
        }
    }
}

impl Drop for SqliteConn {
    fn drop(&mut self) {
        if let SqliteConn::Lent(key, conn) = self
            && let Some(conn) = conn.take()
        {
            let key = *key;
            LENT.with(|slot| *slot.borrow_mut() = Some((key, conn)));
        }
    }
}

/// Write transactions. On SQLite they take the write lock up front (`BEGIN IMMEDIATE`): a
/// deferred transaction that reads and then writes can fail with `SQLITE_BUSY` instead of
/// waiting its turn.
pub(crate) trait WriteTx: Connection {
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
            $crate::connect::Pools::Sqlite(pool) => {
                let mut pooled = $crate::conn::SqliteConn::get(pool)?;
                let $conn: &mut diesel::sqlite::SqliteConnection = &mut pooled;
                $body
            }
            $crate::connect::Pools::Postgres(pool) => {
                let mut pooled = pool.get().map_err($crate::errors::from_pool)?;
                let $conn: &mut diesel::pg::PgConnection = &mut pooled;
                $body
            }
        }
    };
}
