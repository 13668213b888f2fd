//! Opening a database: choosing the backend from the URL, the pool, connection settings and
//! the embedded migrations.

use crate::errors::{from_connection, from_diesel, from_pool, unavailable_seen};
use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use payments_core::StoreError;
use std::time::{Duration, Instant};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Which database a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file (bundled libsqlite3).
    Sqlite,
    /// A PostgreSQL server (bundled libpq).
    Postgres,
}

impl Backend {
    /// `postgres://…` or `postgresql://…` selects PostgreSQL; anything else (a plain path,
    /// `sqlite://path`) is an SQLite file.
    ///
    /// ```
    /// use payments_store::Backend;
    /// assert_eq!(Backend::of_url("kassa.db"), Backend::Sqlite);
    /// assert_eq!(Backend::of_url("sqlite:///var/lib/kassa/kassa.db"), Backend::Sqlite);
    /// assert_eq!(Backend::of_url("postgres://kassa@db/kassa"), Backend::Postgres);
    /// assert_eq!(Backend::of_url("postgres://kassa@db/kassa").as_str(), "postgres");
    /// ```
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// `sqlite` or `postgres`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The SQLite file a URL names.
///
/// ```
/// use payments_store::sqlite_path;
/// assert_eq!(sqlite_path("sqlite://data/kassa.db"), "data/kassa.db");
/// assert_eq!(sqlite_path("sqlite:kassa.db"), "kassa.db");
/// assert_eq!(sqlite_path("/var/lib/kassa/kassa.db"), "/var/lib/kassa/kassa.db");
/// ```
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// libpq settings a PostgreSQL URL gets unless it sets them itself. libpq waits for ever by
/// default; bounded, a connection attempt to a host that went away gives up (after 5 s) instead
/// of holding one of the pool's few connecting threads for good, and data the server never
/// acknowledges (a network that drops everything) fails the connection after 30 s instead of
/// the kernel's ~15 minutes.
const PG_URL_DEFAULTS: [(&str, &str); 2] =
    [("connect_timeout", "5"), ("tcp_user_timeout", "30000")];

/// The URL with `connect_timeout=5` and `tcp_user_timeout=30000` added where it does not say
/// otherwise.
///
/// ```
/// # use payments_store::pg_url;
/// assert_eq!(
///     pg_url("postgres://u@h/db"),
///     "postgres://u@h/db?connect_timeout=5&tcp_user_timeout=30000"
/// );
/// assert_eq!(
///     pg_url("postgres://u@h/db?connect_timeout=2"),
///     "postgres://u@h/db?connect_timeout=2&tcp_user_timeout=30000"
/// );
/// ```
pub fn pg_url(url: &str) -> String {
    let mut out = url.to_owned();
    for (key, value) in PG_URL_DEFAULTS {
        let set = url
            .split_once('?')
            .is_some_and(|(_, q)| q.split('&').any(|p| p.split('=').next() == Some(key)));
        if !set {
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(key);
            out.push('=');
            out.push_str(value);
        }
    }
    out
}

/// Settings of the connection pool.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    /// Connections at most (default: 8 on SQLite, 16 on PostgreSQL).
    pub max_size: Option<u32>,
    /// How long a request waits for a connection before it is told the database is unavailable.
    pub acquire_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_size: None,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// What every SQLite connection (the pool's and the writer's) runs first. The busy timeout
/// comes first: even `journal_mode` may find the file busy (another process's connection
/// checkpointing as it closes, a recovery after a crash) and must wait rather than fail.
pub(crate) const SQLITE_SETTINGS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";

/// What every PostgreSQL connection (the pool's and the writer's) runs first.
pub(crate) const PG_SETTINGS: &str = "SET statement_timeout = 30000; SET lock_timeout = 10000;";

/// Every SQLite connection: WAL for concurrent readers, `synchronous=FULL` so a committed
/// payment survives power loss, a busy timeout instead of instant `SQLITE_BUSY`, foreign keys on.
#[derive(Debug)]
struct SqliteSettings;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqliteSettings {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(SQLITE_SETTINGS)
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Every PostgreSQL connection: no statement may hang a request forever.
#[derive(Debug)]
struct PgSettings;

impl CustomizeConnection<PgPooled, diesel::r2d2::Error> for PgSettings {
    fn on_acquire(&self, conn: &mut PgPooled) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(PG_SETTINGS)
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// How long a pooled PostgreSQL connection that was given back is trusted without a check.
const TRUSTED_FOR: Duration = Duration::from_secs(1);

/// A PostgreSQL connection as the pool keeps it: when it was last known good, and how many
/// times the database had been found unavailable then. Derefs to the connection.
pub(crate) struct PgPooled {
    conn: PgConnection,
    good_at: Instant,
    unavailable_seen: u64,
}

impl std::ops::Deref for PgPooled {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for PgPooled {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.conn
    }
}

/// The PostgreSQL pool's manager. r2d2's own check (`SELECT 1` on every checkout, a second
/// round trip for every query) runs only when a connection may have gone bad: when it sat idle
/// for more than [`TRUSTED_FOR`], or when the database was found unavailable anywhere in the
/// process since it was last known good (an outage, a restart: then every connection is checked
/// before its next use, and the dead ones are replaced, as before).
pub(crate) struct PgManager(ConnectionManager<PgConnection>);

impl diesel::r2d2::ManageConnection for PgManager {
    type Connection = PgPooled;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<PgPooled, Self::Error> {
        Ok(PgPooled {
            conn: self.0.connect()?,
            good_at: Instant::now(),
            unavailable_seen: unavailable_seen(),
        })
    }

    fn is_valid(&self, conn: &mut PgPooled) -> Result<(), Self::Error> {
        let seen = unavailable_seen();
        if conn.unavailable_seen == seen && conn.good_at.elapsed() < TRUSTED_FOR {
            return Ok(());
        }
        self.0.is_valid(&mut conn.conn)?;
        conn.good_at = Instant::now();
        conn.unavailable_seen = seen;
        Ok(())
    }

    fn has_broken(&self, conn: &mut PgPooled) -> bool {
        if self.0.has_broken(&mut conn.conn) {
            return true;
        }
        // Given back after its use; had the use found the database unavailable, the count moved
        // and the next checkout checks it.
        conn.good_at = Instant::now();
        false
    }
}

pub(crate) enum Pools {
    Sqlite(Pool<ConnectionManager<SqliteConnection>>),
    Postgres(Pool<PgManager>),
}

/// Arbitrary, fixed: the advisory lock that serialises migrations of several servers starting
/// at once on one PostgreSQL database.
const MIGRATION_LOCK: i64 = 0x006b_6173_7361;

pub(crate) fn open(url: &str, options: PoolOptions) -> Result<Pools, StoreError> {
    match Backend::of_url(url) {
        Backend::Sqlite => {
            let path = sqlite_path(url);
            // Migrate on one plain connection first: WAL mode is set once, before the pool.
            let mut conn = SqliteConnection::establish(path).map_err(from_connection)?;
            conn.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;")
                .map_err(from_diesel)?;
            conn.run_pending_migrations(SQLITE_MIGRATIONS)
                .map_err(|e| StoreError::Other(format!("migrations failed: {e}")))?;
            let pool = Pool::builder()
                .max_size(options.max_size.unwrap_or(8))
                .connection_timeout(options.acquire_timeout)
                .connection_customizer(Box::new(SqliteSettings))
                .build(ConnectionManager::new(path))
                .map_err(from_pool)?;
            Ok(Pools::Sqlite(pool))
        }
        Backend::Postgres => {
            let pool = Pool::builder()
                .max_size(options.max_size.unwrap_or(16))
                .min_idle(Some(1))
                .connection_timeout(options.acquire_timeout)
                .connection_customizer(Box::new(PgSettings))
                .build(PgManager(ConnectionManager::new(pg_url(url))))
                .map_err(from_pool)?;
            let mut conn = pool.get().map_err(from_pool)?;
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .map_err(from_diesel)?;
            let migrated = conn
                .run_pending_migrations(PG_MIGRATIONS)
                .map(|_| ())
                .map_err(|e| StoreError::Other(format!("migrations failed: {e}")));
            conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                .map_err(from_diesel)?;
            migrated?;
            drop(conn);
            Ok(Pools::Postgres(pool))
        }
    }
}
