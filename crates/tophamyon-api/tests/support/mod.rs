//! The core over the real store (`payments-store` on an SQLite file in a temp directory) and a
//! clock the test sets by hand, so the endpoints can be driven through actix's test service.
//! (The real binary over real HTTP is tested at the workspace root, in `tests/tophamyon_api.rs`.)
#![allow(dead_code, clippy::unwrap_used)]

use payments_core::{
    CardNumber, Clock, KeyHasher, MonthStatus, Payments, PaymentsConfig, RandomIds, ShopDraft,
    ShopId, ShopKey, ShopKind, ShopPatch, ShopStatus,
};
use payments_store::{DieselStore, PoolOptions};
use std::sync::{Arc, Mutex};
use tempfile::TempDir;
use time::{Duration, OffsetDateTime};

/// A clock the test moves by hand.
#[derive(Debug)]
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

/// The core over a fresh SQLite database, with the document's shops 101 and 102 (api) and
/// 695008 (page), all admitted.
pub struct World {
    pub payments: Payments,
    /// The store under `payments`, for raw SQL.
    pub store: Arc<DieselStore>,
    pub clock: Arc<ManualClock>,
    /// The database file; the directory goes when the world does.
    pub db: String,
    dir: TempDir,
}

pub const CARD: &str = "8600123456786224";

impl World {
    pub fn new() -> World {
        World::with_pool(PoolOptions::default())
    }

    pub fn with_pool(options: PoolOptions) -> World {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("kassa.db").to_str().unwrap().to_owned();
        let store = Arc::new(DieselStore::open_with(&db, options).unwrap());
        let clock = Arc::new(ManualClock(Mutex::new(
            time::macros::datetime!(2024-01-01 07:00 UTC),
        )));
        let payments = Payments::with_ports(
            store.clone(),
            clock.clone(),
            Arc::new(RandomIds),
            KeyHasher::new(b"test secret, sixteen bytes or more").unwrap(),
            PaymentsConfig::default(),
        );
        let world = World {
            payments,
            store,
            clock,
            db,
            dir,
        };
        world.shop(
            101,
            "test_key_123",
            "Test Do'kon 1",
            ShopKind::Api,
            ShopStatus::Confirm,
        );
        world.shop(
            102,
            "test_key_456",
            "Test Do'kon 2",
            ShopKind::Api,
            ShopStatus::Confirm,
        );
        world.shop(
            695008,
            "Z631XLBO7O",
            "Page Shop",
            ShopKind::Page,
            ShopStatus::Confirm,
        );
        world
    }

    pub fn shop(&self, id: i64, key: &str, name: &str, kind: ShopKind, status: ShopStatus) {
        self.payments
            .add_shop(ShopDraft {
                id: ShopId::from_i64(id),
                key: Some(ShopKey::new_secret(key).unwrap()),
                name: name.into(),
                user_id: 1,
                kind,
                status,
                month_status: MonthStatus::Paid,
                card: Some(CardNumber::parse(CARD).unwrap()),
                callback_url: None,
            })
            .unwrap();
    }

    pub fn patch(&self, id: i64, patch: ShopPatch) {
        self.payments
            .update_shop(ShopId::from_i64(id).unwrap(), &patch)
            .unwrap();
    }
}
