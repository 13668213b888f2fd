//! Diesel's and r2d2's errors, mapped once to the domain's [`StoreError`].

use diesel::result::{DatabaseErrorKind, Error};
use payments_core::StoreError;
use std::sync::atomic::{AtomicU64, Ordering};

/// How many times the database was found unavailable in this process: a pooled PostgreSQL
/// connection is checked again on checkout once this moved (see `connect::PgManager`).
static UNAVAILABLE_SEEN: AtomicU64 = AtomicU64::new(0);

pub(crate) fn unavailable_seen() -> u64 {
    UNAVAILABLE_SEEN.load(Ordering::Relaxed)
}

fn seen(e: StoreError) -> StoreError {
    if matches!(e, StoreError::Unavailable(_)) {
        UNAVAILABLE_SEEN.fetch_add(1, Ordering::Relaxed);
    }
    e
}

pub(crate) fn from_diesel(e: Error) -> StoreError {
    seen(classify(e))
}

fn classify(e: Error) -> StoreError {
    match e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            StoreError::Conflict(info.message().to_owned())
        }
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            info,
        ) => StoreError::Unavailable(info.message().to_owned()),
        Error::DatabaseError(_, info) if is_transient(info.message()) => {
            StoreError::Unavailable(info.message().to_owned())
        }
        // The connection broke inside a transaction and could not even roll back: it is
        // useless, a new one will do (a cut to PostgreSQL mid-transaction ends here).
        Error::BrokenTransactionManager => {
            StoreError::Unavailable("the connection broke inside a transaction".into())
        }
        other => {
            let text = other.to_string();
            if is_transient(&text) {
                StoreError::Unavailable(text)
            } else {
                StoreError::Other(text)
            }
        }
    }
}

/// Messages of failures that pass: a locked SQLite file, a lost or refused server connection,
/// a statement cancelled by its timeout, a row lock held too long (by a peer cut off inside its
/// transaction, say) or a deadlock; the transaction was rolled back and may be tried again.
fn is_transient(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "database is locked",
        "database is busy",
        "server closed the connection",
        "connection refused",
        "could not connect",
        "terminating connection",
        "no connection to the server",
        "canceling statement due to statement timeout",
        "canceling statement due to lock timeout",
        "deadlock detected",
        "disk i/o error",
        "database or disk is full",
        "attempt to write a readonly database",
    ]
    .iter()
    .any(|needle| m.contains(needle))
}

pub(crate) fn from_pool(e: r2d2::Error) -> StoreError {
    seen(StoreError::Unavailable(format!(
        "no database connection: {e}"
    )))
}

pub(crate) fn from_connection(e: diesel::ConnectionError) -> StoreError {
    seen(StoreError::Unavailable(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::{from_diesel, is_transient};
    use payments_core::StoreError;

    #[test]
    fn a_broken_connection_is_unavailable() {
        assert!(matches!(
            from_diesel(diesel::result::Error::BrokenTransactionManager),
            StoreError::Unavailable(_)
        ));
    }

    #[test]
    fn waits_that_ran_out_are_transient() {
        for m in [
            "canceling statement due to lock timeout",
            "canceling statement due to statement timeout",
            "deadlock detected",
            "database is locked",
            "database or disk is full",
        ] {
            assert!(is_transient(m), "{m}");
        }
        assert!(!is_transient("relation \"orders\" does not exist"));
    }
}
