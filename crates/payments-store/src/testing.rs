//! Databases for tests: a fresh PostgreSQL database per test (dropped afterwards), or a
//! temporary SQLite file. PostgreSQL tests read `KASSA_TEST_PG_URL`.

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;

/// The variable that points tests at a PostgreSQL server.
pub const PG_URL_VAR: &str = "KASSA_TEST_PG_URL";

/// A PostgreSQL database created for one test and dropped when this is dropped.
///
/// ```no_run
/// use payments_store::{DieselStore, testing::PgTestDb};
/// # fn main() -> Result<(), payments_core::StoreError> {
/// let Some(db) = PgTestDb::create("my_test") else {
///     return Ok(()); // KASSA_TEST_PG_URL is unset: SQLite only
/// };
/// let store = DieselStore::open(db.url())?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct PgTestDb {
    admin_url: String,
    name: String,
    url: String,
}

impl PgTestDb {
    /// `None` (after printing that PostgreSQL is skipped) when `KASSA_TEST_PG_URL` is unset.
    pub fn create(test: &str) -> Option<PgTestDb> {
        let Ok(admin_url) = std::env::var(PG_URL_VAR) else {
            // Straight to the file descriptor: the test harness captures `eprintln!`, and a
            // skip must be seen.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr().lock(),
                "SKIPPED (PostgreSQL): {test}: {PG_URL_VAR} is not set"
            );
            return None;
        };
        let name = format!(
            "kassa_test_{}",
            nanoid::nanoid!(
                12,
                &"abcdefghijklmnopqrstuvwxyz0123456789"
                    .chars()
                    .collect::<Vec<_>>()
            )
        );
        let mut conn = PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("{PG_URL_VAR}={admin_url} is set but unreachable: {e}"));
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let url = with_database(&admin_url, &name);
        Some(PgTestDb {
            admin_url,
            name,
            url,
        })
    }

    /// The test database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.admin_url) {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// The same server URL with another database name (query parameters kept).
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_and_path = &base[scheme_end..];
    let host = host_and_path.split('/').next().unwrap_or(host_and_path);
    format!("{}{host}/{db}{query}", &base[..scheme_end])
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn swaps_the_database() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
