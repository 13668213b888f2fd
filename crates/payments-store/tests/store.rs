//! The store against real databases: SQLite always, PostgreSQL when `KASSA_TEST_PG_URL` is set
//! (each test in a database of its own).

use payments_core::{
    CodeStyle, Credentials, Money, MonthStatus, OrderCode, OrderStatus, Page, PaymentError,
    ShopDraft, ShopId, ShopKey, ShopKind, ShopPatch, ShopStatus, Store,
};
use std::sync::{Arc, Barrier};
use time::Duration;

mod support;

use support::on_each_backend;

#[test]
fn order_lifecycle() {
    on_each_backend("order_lifecycle", |env| {
        let creds = env.shop();
        let code = env.order(&creds, 50_000);
        let view = env.payments.order(&code).expect("lookup");
        assert_eq!(view.shop_name, "Test Do'kon");
        assert_eq!(view.order.status, OrderStatus::Pending);
        assert_eq!(view.order.amount, Money::from_tiyin(5_000_000));
        assert_eq!(view.order.payable_amount, view.order.amount);
        // The payment id finds the same order.
        let by_pay = OrderCode::parse(&view.order.codes.payment_id).expect("pay id");
        assert_eq!(
            env.payments.order(&by_pay).expect("by payment id").order.id,
            view.order.id
        );

        let cancelled = env.payments.cancel(&code).expect("cancel");
        assert_eq!(cancelled.status, OrderStatus::Cancelled);
        assert!(cancelled.finished_at.is_some());
        let again = env.payments.cancel(&code).expect_err("second cancel");
        assert_eq!(again.current_status(), Some(OrderStatus::Cancelled));
        let pay = env.payments.confirm(&code).expect_err("pay after cancel");
        assert_eq!(pay.current_status(), Some(OrderStatus::Cancelled));
        assert_eq!(
            env.payments.shop(creds.shop_id).expect("shop").balance,
            Money::ZERO
        );

        let missing = OrderCode::parse("ORD_1_nope").expect("code");
        assert_eq!(
            env.payments.order(&missing),
            Err(PaymentError::OrderNotFound)
        );
        env.assert_consistent();
    });
}

#[test]
fn confirm_credits_once_and_writes_the_ledger() {
    on_each_backend("confirm_credits_once", |env| {
        let creds = env.shop();
        let a = env.order(&creds, 1_000);
        let b = env.order(&creds, 2_500);
        env.payments.confirm(&a).expect("confirm a");
        assert_eq!(
            env.payments
                .confirm(&a)
                .expect_err("twice")
                .current_status(),
            Some(OrderStatus::Paid)
        );
        env.payments.confirm(&b).expect("confirm b");
        let shop = env.payments.shop(creds.shop_id).expect("shop");
        assert_eq!(shop.balance, Money::from_som(3_500).expect("sum"));
        let ledger = env.payments.ledger(creds.shop_id).expect("ledger");
        assert_eq!(ledger.len(), 2);
        assert_eq!(ledger.iter().map(|e| e.amount).sum::<Money>(), shop.balance);
        let cancel = env.payments.cancel(&a).expect_err("cancel paid");
        assert_eq!(cancel.current_status(), Some(OrderStatus::Paid));
        env.assert_consistent();
    });
}

#[test]
fn sixty_four_threads_confirming_one_order_credit_it_once() {
    on_each_backend("sixty_four_confirms", |env| {
        let creds = env.shop();
        let code = env.order(&creds, 10_000);
        let barrier = Arc::new(Barrier::new(64));
        let wins: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..64)
                .map(|_| {
                    let (payments, code, barrier) =
                        (env.payments.clone(), code.clone(), barrier.clone());
                    s.spawn(move || {
                        barrier.wait();
                        loop {
                            match payments.confirm(&code) {
                                Ok(_) => return 1,
                                Err(PaymentError::Refused(r)) => {
                                    assert_eq!(r.current, OrderStatus::Paid);
                                    return 0;
                                }
                                // A busy database is told to the caller, who retries.
                                Err(PaymentError::Store(
                                    payments_core::StoreError::Unavailable(_),
                                )) => continue,
                                Err(e) => panic!("unexpected: {e}"),
                            }
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("thread")).sum()
        });
        assert_eq!(wins, 1);
        assert_eq!(
            env.payments.shop(creds.shop_id).expect("shop").balance,
            Money::from_som(10_000).expect("m")
        );
        assert_eq!(env.payments.ledger(creds.shop_id).expect("ledger").len(), 1);
        env.assert_consistent();
    });
}

#[test]
fn confirm_racing_cancel_keeps_the_ledger_consistent() {
    on_each_backend("confirm_racing_cancel", |env| {
        let creds = env.shop();
        let codes: Vec<_> = (0..20).map(|i| env.order(&creds, 1_000 + i)).collect();
        std::thread::scope(|s| {
            for code in &codes {
                for cancel in [false, true] {
                    let payments = env.payments.clone();
                    s.spawn(move || {
                        loop {
                            let r = if cancel {
                                payments.cancel(code)
                            } else {
                                payments.confirm(code)
                            };
                            match r {
                                Err(PaymentError::Store(_)) => continue,
                                _ => return,
                            }
                        }
                    });
                }
            }
        });
        let mut paid = Money::ZERO;
        for code in &codes {
            let order = env.payments.order(code).expect("order").order;
            assert!(matches!(
                order.status,
                OrderStatus::Paid | OrderStatus::Cancelled
            ));
            if order.status == OrderStatus::Paid {
                paid = paid.checked_add(order.amount).expect("sum");
            }
        }
        assert_eq!(
            env.payments.shop(creds.shop_id).expect("shop").balance,
            paid
        );
        env.assert_consistent();
    });
}

#[test]
fn expiry_takes_only_overdue_orders() {
    on_each_backend("expiry", |env| {
        let creds = env.shop();
        let early = env.order(&creds, 1_000);
        env.advance(Duration::minutes(3));
        let late = env.order(&creds, 2_000);
        env.advance(Duration::minutes(2)); // `early` is now exactly due
        assert_eq!(env.payments.expire_overdue().expect("sweep"), 1);
        assert_eq!(
            env.payments.order(&early).expect("o").order.status,
            OrderStatus::Expired
        );
        assert_eq!(
            env.payments.order(&late).expect("o").order.status,
            OrderStatus::Pending
        );
        assert_eq!(env.payments.expire_overdue().expect("sweep"), 0);
        // A due order is refused payment even before the sweep reaches it.
        env.advance(Duration::minutes(3));
        let err = env.payments.confirm(&late).expect_err("late confirm");
        assert_eq!(err.current_status(), Some(OrderStatus::Expired));
        assert_eq!(
            env.payments.order(&late).expect("o").order.status,
            OrderStatus::Expired
        );
        env.assert_consistent();
    });
}

#[test]
fn the_sweep_works_in_batches() {
    on_each_backend("sweep_batches", |env| {
        let creds = env.shop();
        for i in 0..2_100 {
            env.order(&creds, 1_000 + i);
        }
        env.advance(Duration::minutes(6));
        assert_eq!(env.payments.expire_overdue().expect("sweep"), 2_100);
        let page = env
            .payments
            .orders(
                &creds,
                Page {
                    limit: 100,
                    offset: 0,
                },
            )
            .expect("page");
        assert!(page.orders.iter().all(|o| o.status == OrderStatus::Expired));
    });
}

#[test]
fn pages_are_newest_first_and_per_shop() {
    on_each_backend("paging", |env| {
        let a = env.shop();
        let b = env.shop();
        let codes: Vec<_> = (0..15).map(|i| env.order(&a, 1_000 + i)).collect();
        env.order(&b, 5_000);
        let first = env
            .payments
            .orders(
                &a,
                Page {
                    limit: 10,
                    offset: 0,
                },
            )
            .expect("page");
        assert_eq!(first.total, 15);
        assert_eq!(first.orders.len(), 10);
        assert_eq!(first.orders[0].codes.code, codes[14].as_str());
        let rest = env
            .payments
            .orders(
                &a,
                Page {
                    limit: 10,
                    offset: 10,
                },
            )
            .expect("page");
        assert_eq!(rest.orders.len(), 5);
        assert_eq!(rest.orders[4].codes.code, codes[0].as_str());
        let past = env
            .payments
            .orders(
                &a,
                Page {
                    limit: 10,
                    offset: 100,
                },
            )
            .expect("page");
        assert!(past.orders.is_empty());
        assert_eq!(
            env.payments
                .orders(
                    &b,
                    Page {
                        limit: 100,
                        offset: 0
                    }
                )
                .expect("b")
                .total,
            1
        );
    });
}

#[test]
fn pages_at_every_offset_follow_ids_under_racing_creates() {
    // Pages are found by each order's number within its shop (issue 10); racing creates of two
    // shops must still number each shop's orders in the order of their ids, without gaps.
    on_each_backend("paging_racing", |env| {
        let shops = [env.shop(), env.shop()];
        let start = Arc::new(Barrier::new(4));
        std::thread::scope(|scope| {
            for t in 0..4_i64 {
                let (payments, start) = (env.payments.clone(), Arc::clone(&start));
                let creds = shops[(t % 2) as usize].clone();
                scope.spawn(move || {
                    start.wait();
                    for i in 0..10 {
                        let amount = Money::from_som(10_000 + t * 100 + i).expect("amount");
                        payments
                            .create_order(&creds, amount, CodeStyle::TopHamyon)
                            .expect("create");
                    }
                });
            }
        });
        for creds in &shops {
            let page = |limit, offset| {
                env.payments
                    .orders(creds, Page { limit, offset })
                    .expect("page")
            };
            let all = page(100, 0);
            assert_eq!(all.total, 20);
            let ids: Vec<i64> = all.orders.iter().map(|o| o.id).collect();
            assert_eq!(ids.len(), 20);
            assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
            for offset in 0..22_u64 {
                let got: Vec<i64> = page(3, offset).orders.iter().map(|o| o.id).collect();
                let from = (offset as usize).min(ids.len());
                let want = &ids[from..(from + 3).min(ids.len())];
                assert_eq!(got, want, "offset {offset}");
            }
        }
    });
}

#[test]
fn shops_authenticate_update_and_rotate() {
    on_each_backend("shops", |env| {
        let creds = env.shop();
        assert!(env.payments.authenticate(&creds).is_ok());
        let wrong = Credentials {
            key: ShopKey::presented("WRONGKEY12").expect("k"),
            ..creds.clone()
        };
        assert_eq!(
            env.payments.authenticate(&wrong),
            Err(PaymentError::InvalidCredentials)
        );
        let unknown = Credentials {
            shop_id: ShopId::parse("999999999").expect("id"),
            ..creds.clone()
        };
        assert_eq!(
            env.payments.authenticate(&unknown),
            Err(PaymentError::InvalidCredentials)
        );

        let patch = ShopPatch {
            status: Some(ShopStatus::Blocked),
            card: Some(None),
            ..ShopPatch::default()
        };
        let shop = env
            .payments
            .update_shop(creds.shop_id, &patch)
            .expect("update");
        assert_eq!(shop.status, ShopStatus::Blocked);
        assert_eq!(shop.card, None);
        let refused =
            env.payments
                .create_order(&creds, Money::from_tiyin(100_000), CodeStyle::Rasmiy);
        assert_eq!(
            refused.map(|_| ()),
            Err(PaymentError::ShopNotActive(ShopStatus::Blocked))
        );

        let (_, new_key) = env.payments.rotate_key(creds.shop_id).expect("rotate");
        assert_eq!(
            env.payments.authenticate(&creds),
            Err(PaymentError::InvalidCredentials)
        );
        let fresh = Credentials {
            key: new_key,
            ..creds.clone()
        };
        assert!(env.payments.authenticate(&fresh).is_ok());

        let taken = env.payments.add_shop(ShopDraft {
            id: Some(creds.shop_id),
            key: None,
            name: "dup".into(),
            user_id: 1,
            kind: ShopKind::Page,
            status: ShopStatus::Pending,
            month_status: MonthStatus::Unpaid,
            card: None,
            callback_url: None,
        });
        assert_eq!(taken.map(|_| ()), Err(PaymentError::ShopIdTaken));
        assert!(env.store.ping().is_ok());
    });
}

#[test]
fn an_sqlite_file_reopens_at_once_after_the_store_is_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("kassa.db");
    let url = path.to_str().expect("utf-8 path");
    for round in 0..20 {
        let store =
            payments_store::DieselStore::open(url).unwrap_or_else(|e| panic!("round {round}: {e}"));
        store.ping().expect("ping");
        drop(store);
    }
}

/// PostgreSQL: a pooled connection given back less than a second ago is lent without r2d2's
/// `SELECT 1`. When the server drops every connection (a restart, an operator's
/// `pg_terminate_backend`), the first query on a dead one fails as unavailable, and that failure
/// makes every other pooled connection be checked before its next use: one failed query, then
/// all succeed on new connections.
#[test]
fn after_the_server_drops_its_connections_one_query_fails_then_all_work() {
    let Some(pg) = payments_store::testing::PgTestDb::create("dropped_connections") else {
        return;
    };
    let options = payments_store::PoolOptions {
        max_size: Some(4),
        ..payments_store::PoolOptions::default()
    };
    let store = Arc::new(payments_store::DieselStore::open_with(pg.url(), options).expect("open"));
    // Fill the pool: four connections in use at once, then given back.
    let barrier = Arc::new(Barrier::new(4));
    std::thread::scope(|s| {
        for _ in 0..4 {
            let (store, barrier) = (store.clone(), barrier.clone());
            s.spawn(move || {
                barrier.wait();
                store.execute_batch("SELECT pg_sleep(0.05)").expect("query");
            });
        }
    });
    let admin = payments_store::DieselStore::open(pg.url()).expect("admin store");
    admin
        .execute_batch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() \
             AND application_name <> 'kassa-test-admin'",
        )
        .expect("terminate");
    drop(admin);
    let results: Vec<bool> = (0..12).map(|_| store.ping().is_ok()).collect();
    let failed = results.iter().filter(|ok| !**ok).count();
    assert!(failed <= 1, "{results:?}");
    assert!(results[1..].iter().all(|ok| *ok), "{results:?}");
}
