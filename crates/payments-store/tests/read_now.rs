//! `Store::read_now`: on SQLite a read runs at once on the calling thread when a pooled
//! connection is idle, and is refused (not run) when the pool is exhausted; on PostgreSQL it is
//! always refused.

use payments_core::{
    CardNumber, CodeStyle, Credentials, KeyHasher, Money, MonthStatus, OrderCode, Page, Payments,
    PaymentsConfig, ShopDraft, ShopKind, ShopStatus, Store,
};
use payments_store::testing::PgTestDb;
use payments_store::{DieselStore, PoolOptions};
use std::sync::{Arc, Barrier};
use std::time::Duration;

/// A domain over a store whose pool holds one connection, a shop and one of its orders.
fn one_connection(url: &str) -> (Payments, Arc<DieselStore>, Credentials, OrderCode) {
    let options = PoolOptions {
        max_size: Some(1),
        acquire_timeout: Duration::from_secs(5),
    };
    let store = Arc::new(DieselStore::open_with(url, options).expect("open"));
    let payments = Payments::new(
        store.clone(),
        KeyHasher::new(b"test secret, 16+ bytes").expect("secret"),
        PaymentsConfig::default(),
    );
    let (shop, key) = payments
        .add_shop(ShopDraft {
            id: None,
            key: None,
            name: "Test Do'kon".into(),
            user_id: 0,
            kind: ShopKind::Api,
            status: ShopStatus::Confirm,
            month_status: MonthStatus::Paid,
            card: Some(CardNumber::parse("8600123412346224").expect("card")),
            callback_url: None,
        })
        .expect("shop");
    let creds = Credentials {
        shop_id: shop.id,
        key,
        client: "test".into(),
    };
    let (order, _) = payments
        .create_order(&creds, Money::from_tiyin(100_000), CodeStyle::TopHamyon)
        .expect("create");
    let code = OrderCode::parse(&order.codes.code).expect("code");
    (payments, store, creds, code)
}

#[test]
fn sqlite_reads_run_now_when_a_connection_is_idle_and_not_when_none_is() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = dir.path().join("kassa.db").to_string_lossy().into_owned();
    let (payments, store, creds, code) = one_connection(&url);

    // Idle connection: the read runs here, on this thread, and gives the same answer.
    let caller = std::thread::current().id();
    let view = payments
        .read_now(|p| {
            assert_eq!(std::thread::current().id(), caller);
            p.order(&code)
        })
        .unwrap_or_else(|_| panic!("an idle connection: the read runs now"))
        .expect("order");
    assert_eq!(view, payments.order(&code).expect("order"));
    // Several queries in one read share the one lent connection (the pool has no other).
    let page = payments
        .read_now(|p| {
            p.orders(
                &creds,
                Page {
                    limit: 10,
                    offset: 0,
                },
            )
        })
        .unwrap_or_else(|_| panic!("runs now"))
        .expect("orders");
    assert_eq!(page.orders.len(), 1);

    // Another thread holds the only connection (in a read of its own): not now, not run.
    let (held, release) = (Arc::new(Barrier::new(2)), Arc::new(Barrier::new(2)));
    let holder = {
        let (store, held, release) = (store.clone(), held.clone(), release.clone());
        std::thread::spawn(move || {
            store.read_now(&mut || {
                held.wait();
                release.wait();
            })
        })
    };
    held.wait();
    let ran = std::cell::Cell::new(false);
    let refused = payments.read_now(|p| {
        ran.set(true);
        p.order(&code)
    });
    assert!(refused.is_err() && !ran.get(), "an exhausted pool: not now");
    let mut called = false;
    assert!(!store.read_now(&mut || called = true) && !called);
    release.wait();
    assert!(holder.join().expect("holder"), "the holder's read ran");

    // The connection is back in the pool: now again, and the refused read still works.
    let again = match refused {
        Ok(_) => unreachable!(),
        Err(read) => payments
            .read_now(read)
            .unwrap_or_else(|_| panic!("idle again")),
    };
    assert!(ran.get());
    assert_eq!(again.expect("order"), view);
}

#[test]
fn postgres_reads_never_run_now() {
    let Some(db) = PgTestDb::create("read_now") else {
        return;
    };
    let (payments, store, _creds, code) = one_connection(db.url());
    let mut called = false;
    assert!(!store.read_now(&mut || called = true));
    assert!(!called);
    let read = payments
        .read_now(|p| p.order(&code))
        .expect_err("never now on PostgreSQL");
    assert_eq!(
        read(&payments).expect("order").order.codes.code,
        code.as_str()
    );
}
