//! What the store tests share: a hand-moved clock, a domain over a fresh database, and
//! running one test on SQLite and then on PostgreSQL when `KASSA_TEST_PG_URL` is set.
#![allow(dead_code)]

use payments_core::{
    CardNumber, Clock, CodeStyle, Credentials, KeyHasher, Money, MonthStatus, OrderCode, Payments,
    PaymentsConfig, RandomIds, ShopDraft, ShopKind, ShopStatus,
};
use payments_store::DieselStore;
use payments_store::testing::PgTestDb;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use time::{Duration, OffsetDateTime};

/// A clock the test moves by hand.
pub struct ManualClock(pub AtomicI64);

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.0.load(Ordering::SeqCst))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

pub struct Env {
    pub payments: Payments,
    pub store: Arc<DieselStore>,
    pub clock: Arc<ManualClock>,
    /// The database's URL.
    pub url: String,
    _pg: Option<PgTestDb>,
    _dir: Option<tempfile::TempDir>,
}

impl Env {
    pub fn advance(&self, d: Duration) {
        self.clock.0.fetch_add(d.whole_seconds(), Ordering::SeqCst);
    }

    /// A confirmed shop with its fee paid and a card, and credentials for it.
    pub fn shop(&self) -> Credentials {
        self.shop_with("8600123412346224", None)
    }

    /// A confirmed shop with this receiving card and callback URL.
    pub fn shop_with(&self, card: &str, callback_url: Option<&str>) -> Credentials {
        let (shop, key) = self
            .payments
            .add_shop(ShopDraft {
                id: None,
                key: None,
                name: "Test Do'kon".into(),
                user_id: 42,
                kind: ShopKind::Api,
                status: ShopStatus::Confirm,
                month_status: MonthStatus::Paid,
                card: Some(CardNumber::parse(card).expect("card")),
                callback_url: callback_url.map(str::to_owned),
            })
            .expect("shop");
        Credentials {
            shop_id: shop.id,
            key,
            client: "test".into(),
        }
    }

    pub fn order(&self, creds: &Credentials, som: i64) -> OrderCode {
        let amount = Money::from_som(som).expect("amount");
        let (order, _) = self
            .payments
            .create_order(creds, amount, CodeStyle::TopHamyon)
            .expect("create");
        OrderCode::parse(&order.codes.code).expect("code")
    }

    /// A second server on the same database: a store (and so a writer) of its own, the same
    /// clock and secret.
    pub fn second_server(&self, config: PaymentsConfig) -> Payments {
        let store = Arc::new(DieselStore::open(&self.url).expect("open second store"));
        Payments::with_ports(
            store,
            self.clock.clone(),
            Arc::new(RandomIds),
            KeyHasher::new(b"test secret, 16+ bytes").expect("secret"),
            config,
        )
    }

    pub fn assert_consistent(&self) {
        let report = self.payments.verify().expect("verify");
        assert!(
            report.is_clean(),
            "balance != sum(ledger): {:?}",
            report.mismatches
        );
    }
}

pub fn env_on(url: &str, pg: Option<PgTestDb>, dir: Option<tempfile::TempDir>) -> Env {
    env_with(url, pg, dir, PaymentsConfig::default())
}

pub fn env_with(
    url: &str,
    pg: Option<PgTestDb>,
    dir: Option<tempfile::TempDir>,
    config: PaymentsConfig,
) -> Env {
    let store = Arc::new(DieselStore::open(url).expect("open store"));
    let clock = Arc::new(ManualClock(AtomicI64::new(1_750_000_000)));
    let payments = Payments::with_ports(
        store.clone(),
        clock.clone(),
        Arc::new(RandomIds),
        KeyHasher::new(b"test secret, 16+ bytes").expect("secret"),
        config,
    );
    Env {
        payments,
        store,
        clock,
        url: url.to_owned(),
        _pg: pg,
        _dir: dir,
    }
}

/// Runs a test on SQLite, then on PostgreSQL if configured.
pub fn on_each_backend(name: &str, test: impl Fn(&Env)) {
    on_each_backend_with(name, PaymentsConfig::default(), test)
}

/// The same with a domain configuration of the test's own.
pub fn on_each_backend_with(name: &str, config: PaymentsConfig, test: impl Fn(&Env)) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("kassa.db");
    let url = path.to_str().expect("utf-8 path").to_owned();
    test(&env_with(&url, None, Some(dir), config.clone()));
    if let Some(pg) = PgTestDb::create(name) {
        let url = pg.url().to_owned();
        test(&env_with(&url, Some(pg), None, config));
    }
}
