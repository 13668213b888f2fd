//! The one code path for both backends: [`with_conn!`] runs a body with a pooled connection of
//! whichever backend is open, and [`WriteTx`] opens write transactions the right way for each.

use diesel::Connection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;

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
                let mut pooled = pool.get().map_err($crate::errors::from_pool)?;
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
