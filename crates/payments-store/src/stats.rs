//! Counts for monitoring (the server's `/metrics`): cheap aggregate reads, nothing else.

use crate::errors::from_diesel;
use crate::schema::orders;
use crate::store::DieselStore;
use diesel::prelude::*;
use payments_core::{OrderStatus, StoreError};

impl DieselStore {
    /// How many orders are in each status, every status listed (zero when none). One grouped
    /// count over the `(status, expires_at)` index; callers that poll it should cache it.
    pub fn order_counts(&self) -> Result<Vec<(OrderStatus, u64)>, StoreError> {
        let rows: Vec<(String, i64)> = with_conn!(self, |conn| {
            orders::table
                .group_by(orders::status)
                .select((orders::status, diesel::dsl::count_star()))
                .load::<(String, i64)>(conn)
                .map_err(from_diesel)?
        });
        Ok(OrderStatus::ALL
            .iter()
            .map(|&status| {
                let n = rows
                    .iter()
                    .filter(|(s, _)| OrderStatus::from_stored(s) == Some(status))
                    .map(|(_, n)| n.unsigned_abs())
                    .sum();
                (status, n)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use crate::DieselStore;
    use payments_core::OrderStatus;

    #[test]
    fn counts_every_status() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("stats.db");
        let store = DieselStore::open(&path.to_string_lossy()).expect("open");
        let counts = store.order_counts().expect("counts");
        assert_eq!(
            counts,
            OrderStatus::ALL.iter().map(|&s| (s, 0)).collect::<Vec<_>>()
        );
    }
}
