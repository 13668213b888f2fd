//! Settlement against real databases (SQLite always, PostgreSQL when `KASSA_TEST_PG_URL` is set):
//! payable amounts, matching, duplicates, review, the outbox.

mod support;

use payments_core::{
    Channel, CodeStyle, IncomingPayment, Money, NotifyPolicy, OrderCode, OrderStatus, OutboxStatus,
    PaymentError, PaymentStatus, PaymentsConfig, Resolution, Settlement, Unmatched,
};
use std::collections::HashSet;
use std::sync::{Arc, Barrier};
use support::{Env, on_each_backend, on_each_backend_with};
use time::Duration;

fn create(env: &Env, creds: &payments_core::Credentials, tiyin: i64) -> payments_core::Order {
    env.payments
        .create_order(creds, Money::from_tiyin(tiyin), CodeStyle::TopHamyon)
        .expect("create")
        .0
}

fn payment(env: &Env, last4: &str, tiyin: i64, reference: &str) -> IncomingPayment {
    let now = env.payments.now();
    IncomingPayment {
        source: "test".into(),
        reference: reference.into(),
        card_last4: last4.into(),
        amount: Money::from_tiyin(tiyin),
        paid_at: Some(now),
        received_at: now,
        raw: None,
    }
}

fn code(order: &payments_core::Order) -> OrderCode {
    OrderCode::parse(&order.codes.code).expect("code")
}

#[test]
fn payable_amounts_are_unique_per_card_and_held_through_the_quarantine() {
    on_each_backend("payable_amounts", |env| {
        let a = env.shop_with("8600000000001111", None);
        let b = env.shop_with("8600000000002222", None);
        let first: Vec<_> = (0..3).map(|_| create(env, &a, 5_000_000)).collect();
        let payables: Vec<i64> = first.iter().map(|o| o.payable_amount.tiyin()).collect();
        assert_eq!(payables, [5_000_000, 5_000_001, 5_000_002]);
        assert!(first.iter().all(|o| o.amount.tiyin() == 5_000_000));
        // Another card has its own amounts.
        assert_eq!(create(env, &b, 5_000_000).payable_amount.tiyin(), 5_000_000);
        // Cancelled, its amount stays taken: one transfer can only ever match one order.
        env.payments.cancel(&code(&first[0])).expect("cancel");
        assert_eq!(create(env, &a, 5_000_000).payable_amount.tiyin(), 5_000_003);
        // Past expiry (5 min) but within the quarantine (10 min more): still taken.
        env.advance(Duration::minutes(14));
        assert_eq!(create(env, &a, 5_000_000).payable_amount.tiyin(), 5_000_004);
        // Past expiry + quarantine of the first four: the smallest free step is the amount again.
        env.advance(Duration::minutes(2));
        assert_eq!(create(env, &a, 5_000_000).payable_amount.tiyin(), 5_000_000);
    });
}

#[test]
fn racing_creates_never_share_a_payable_amount() {
    on_each_backend("payable_race", |env| {
        let creds = env.shop_with("8600000000003333", None);
        let barrier = Arc::new(Barrier::new(16));
        let payables: Vec<i64> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..16)
                .map(|_| {
                    let (payments, creds, barrier) =
                        (env.payments.clone(), creds.clone(), barrier.clone());
                    s.spawn(move || {
                        barrier.wait();
                        loop {
                            match payments.create_order(
                                &creds,
                                Money::from_tiyin(100_000),
                                CodeStyle::Rasmiy,
                            ) {
                                Ok((order, _)) => return order.payable_amount.tiyin(),
                                Err(PaymentError::Store(_)) => continue,
                                Err(e) => panic!("{e}"),
                            }
                        }
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        let distinct: HashSet<_> = payables.iter().collect();
        assert_eq!(distinct.len(), 16, "{payables:?}");
        assert!(
            payables.iter().all(|p| (100_000..100_016).contains(p)),
            "{payables:?}"
        );
    });
}

/// Two servers, each batching its creates, race for the same amounts on one card: a batch
/// that loses a hold to the other server's is undone and its creates run one by one, so every
/// create still succeeds with an amount of its own (and no gap in the shop's order numbers).
#[test]
fn two_servers_racing_creates_never_share_a_payable_amount() {
    on_each_backend("payable_race_two", |env| {
        let creds = env.shop_with("8600000000005555", None);
        let servers = [
            env.payments.clone(),
            env.second_server(PaymentsConfig::default()),
        ];
        const ROUNDS: usize = 5;
        const THREADS: usize = 8;
        let mut payables: Vec<i64> = Vec::new();
        for round in 0..ROUNDS {
            // Each round asks for a new amount, so its 2 × THREADS creates contend for the same
            // steps on both servers at once.
            let amount = 200_000 + 1_000 * round as i64;
            let barrier = Arc::new(Barrier::new(2 * THREADS));
            let got: Vec<i64> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..2 * THREADS)
                    .map(|t| {
                        let (payments, creds, barrier) =
                            (servers[t % 2].clone(), creds.clone(), barrier.clone());
                        s.spawn(move || {
                            barrier.wait();
                            let (order, _) = payments
                                .create_order(&creds, Money::from_tiyin(amount), CodeStyle::Rasmiy)
                                .expect("every create succeeds");
                            order.payable_amount.tiyin()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("thread"))
                    .collect()
            });
            assert!(
                got.iter().all(|p| (amount..amount + 100).contains(p)),
                "{got:?}"
            );
            payables.extend(got);
        }
        let distinct: HashSet<_> = payables.iter().collect();
        assert_eq!(distinct.len(), ROUNDS * 2 * THREADS, "{payables:?}");
        // The shop's orders are numbered 1..=n without a gap: every page is full.
        let page = env
            .payments
            .orders(
                &creds,
                payments_core::Page {
                    offset: 0,
                    limit: 100,
                },
            )
            .expect("page");
        assert_eq!(page.total, (ROUNDS * 2 * THREADS) as u64);
        assert_eq!(page.orders.len(), ROUNDS * 2 * THREADS);
    });
}

#[test]
fn when_every_step_is_taken_create_says_how_long_to_wait() {
    let config = PaymentsConfig {
        payable_steps: 2,
        ..PaymentsConfig::default()
    };
    on_each_backend_with("payable_exhausted", config, |env| {
        let creds = env.shop_with("8600000000004444", None);
        create(env, &creds, 100_000);
        create(env, &creds, 100_000);
        let err = env
            .payments
            .create_order(&creds, Money::from_tiyin(100_000), CodeStyle::Rasmiy)
            .map(|_| ());
        assert_eq!(
            err,
            Err(PaymentError::NoFreePayableAmount {
                amount: Money::from_tiyin(100_000),
                wait_minutes: 15
            })
        );
        // Other amounts are unaffected.
        create(env, &creds, 100_100);
    });
}

#[test]
fn a_payment_pays_the_one_order_it_matches_and_only_once() {
    on_each_backend("settle_match", |env| {
        let creds = env.shop_with("8600000000005555", None);
        let order = create(env, &creds, 400_000);
        let p = payment(env, "5555", 400_000, "m1");
        let Settlement::Matched { order: paid, .. } = env.payments.settle(&p).expect("settle")
        else {
            panic!("not matched")
        };
        assert_eq!((paid.id, paid.status), (order.id, OrderStatus::Paid));
        assert_eq!(
            env.payments.shop(creds.shop_id).expect("shop").balance,
            Money::from_tiyin(400_000)
        );
        // The same payment reported again: a duplicate, recorded, no credit.
        assert!(matches!(
            env.payments.settle(&p).expect("again"),
            Settlement::Duplicate { .. }
        ));
        // Another transfer of that amount now: the order is paid; kept for review.
        let late = payment(env, "5555", 400_000, "m2");
        assert_eq!(
            env.payments.settle(&late).expect("late"),
            Settlement::Unmatched {
                payment: env
                    .payments
                    .payments(PaymentStatus::Unmatched, 10)
                    .expect("list")[0]
                    .id,
                reason: Unmatched::OrderPaid
            }
        );
        assert_eq!(
            env.payments.shop(creds.shop_id).expect("shop").balance,
            Money::from_tiyin(400_000)
        );
        assert_eq!(
            env.payments
                .payments(PaymentStatus::Duplicate, 10)
                .expect("dups")
                .len(),
            1
        );
        env.assert_consistent();
    });
}

#[test]
fn payments_outside_the_window_or_ambiguous_are_kept() {
    on_each_backend("settle_keep", |env| {
        let a = env.shop_with("8600000000006666", None);
        let b = env.shop_with("9860000000006666", None); // same last four digits
        create(env, &a, 300_000);
        create(env, &b, 300_000);
        let both = env
            .payments
            .settle(&payment(env, "6666", 300_000, "amb"))
            .expect("settle");
        assert!(
            matches!(
                both,
                Settlement::Unmatched {
                    reason: Unmatched::Ambiguous,
                    ..
                }
            ),
            "{both:?}"
        );
        // A payment timed before the order was made matches nothing.
        let mut early = payment(env, "6666", 300_001, "early");
        create(env, &a, 300_001);
        early.paid_at = Some(env.payments.now() - Duration::minutes(2));
        assert!(matches!(
            env.payments.settle(&early).expect("s"),
            Settlement::Unmatched {
                reason: Unmatched::NoOrder,
                ..
            }
        ));
        // A payment for an order that already expired.
        let c = env.shop_with("8600000000007777", None);
        create(env, &c, 200_000);
        env.advance(Duration::minutes(6));
        env.payments.expire_overdue().expect("sweep");
        let mut late = payment(env, "7777", 200_000, "late");
        late.paid_at = Some(env.payments.now() - Duration::minutes(3));
        assert!(matches!(
            env.payments.settle(&late).expect("s"),
            Settlement::Unmatched {
                reason: Unmatched::OrderExpired,
                ..
            }
        ));
        for shop in [&a, &b, &c] {
            assert_eq!(
                env.payments.shop(shop.shop_id).expect("shop").balance,
                Money::ZERO
            );
        }
    });
}

#[test]
fn the_operator_attaches_or_closes_kept_payments() {
    on_each_backend("review", |env| {
        let creds = env.shop_with("8600000000008888", None);
        let Settlement::Unmatched { payment: stray, .. } = env
            .payments
            .settle(&payment(env, "8888", 123_400, "s1"))
            .expect("s")
        else {
            panic!("expected unmatched")
        };
        let order = create(env, &creds, 100_000);
        let (record, paid) = env
            .payments
            .attach_payment(stray, &code(&order))
            .expect("attach");
        assert_eq!(
            (record.status, record.order_id),
            (PaymentStatus::Matched, Some(order.id))
        );
        assert_eq!(paid.status, OrderStatus::Paid);
        assert_eq!(
            env.payments.attach_payment(stray, &code(&order)),
            Err(PaymentError::PaymentNotOpen(PaymentStatus::Matched))
        );
        // Attaching to an order that is not pending changes nothing.
        let Settlement::Unmatched { payment: other, .. } = env
            .payments
            .settle(&payment(env, "8888", 999_900, "s2"))
            .expect("s")
        else {
            panic!("expected unmatched")
        };
        let refused = env
            .payments
            .attach_payment(other, &code(&order))
            .map(|_| ());
        assert_eq!(
            refused.map_err(|e| e.current_status()),
            Err(Some(OrderStatus::Paid))
        );
        assert_eq!(
            env.payments.payment(other).expect("p").status,
            PaymentStatus::Unmatched
        );
        let closed = env
            .payments
            .resolve_payment(other, Resolution::Refunded, "sent back")
            .expect("resolve");
        assert_eq!(
            (closed.status, closed.note.as_deref()),
            (PaymentStatus::Refunded, Some("sent back"))
        );
        assert_eq!(
            env.payments.shop(creds.shop_id).expect("shop").balance,
            Money::from_tiyin(100_000)
        );
        env.assert_consistent();
    });
}

#[test]
fn status_changes_write_the_outbox_and_claims_are_exclusive() {
    on_each_backend("outbox", |env| {
        let creds = env.shop_with("8600000000009999", Some("http://127.0.0.1:9/hook"));
        let paid = create(env, &creds, 100_000);
        let cancelled = create(env, &creds, 200_000);
        env.payments.confirm(&code(&paid)).expect("pay");
        env.payments.cancel(&code(&cancelled)).expect("cancel");
        assert_eq!(
            env.payments.outbox_backlog().expect("backlog"),
            2,
            "a webhook each; no Telegram token configured"
        );
        let claimed = env.payments.claim_outbox(10).expect("claim");
        assert_eq!(claimed.len(), 2);
        assert!(claimed.iter().all(|i| i.channel == Channel::Webhook));
        assert_eq!(claimed[0].event, OrderStatus::Paid);
        assert!(
            env.payments.claim_outbox(10).expect("again").is_empty(),
            "leased to the first claimer"
        );
        env.payments
            .record_delivery(&claimed[0], true, Some(200), None)
            .expect("record");
        env.payments
            .record_delivery(&claimed[1], false, Some(500), Some("HTTP 500".into()))
            .expect("record");
        assert_eq!(env.payments.outbox_backlog().expect("backlog"), 1);
        assert!(
            env.payments.claim_outbox(10).expect("not yet").is_empty(),
            "retry waits 10 s"
        );
        env.advance(Duration::seconds(11));
        let retry = env.payments.claim_outbox(10).expect("retry");
        assert_eq!((retry.len(), retry[0].attempts), (1, 1));
        let log = env.payments.deliveries(creds.shop_id, 10).expect("log");
        assert_eq!(log.len(), 2);
        assert!(
            log.iter()
                .any(|l| l.ok && l.outbox_status == OutboxStatus::Sent)
        );
        // Redelivery of the sent one puts it back in the queue.
        env.payments
            .redeliver(creds.shop_id, claimed[0].id)
            .expect("redeliver");
        assert_eq!(env.payments.outbox_backlog().expect("backlog"), 2);
    });
}

#[test]
fn telegram_follows_the_policy() {
    let config = PaymentsConfig {
        notify: NotifyPolicy {
            telegram_paid: true,
            telegram_expired: true,
        },
        ..PaymentsConfig::default()
    };
    on_each_backend_with("telegram_policy", config, |env| {
        let creds = env.shop_with("8600000000001234", None);
        let paid = create(env, &creds, 100_000);
        create(env, &creds, 200_000);
        env.payments.confirm(&code(&paid)).expect("pay");
        env.advance(Duration::minutes(6));
        assert_eq!(env.payments.expire_overdue().expect("sweep"), 1);
        let items = env.payments.claim_outbox(10).expect("claim");
        let events: Vec<_> = items.iter().map(|i| (i.channel, i.event)).collect();
        assert_eq!(
            events,
            [
                (Channel::Telegram, OrderStatus::Paid),
                (Channel::Telegram, OrderStatus::Expired)
            ]
        );
        assert_eq!(items[0].shop.user_id, 42);
    });
}
