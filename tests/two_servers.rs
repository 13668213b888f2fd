//! Two `kassa serve` processes on one PostgreSQL database, both running the worker: nothing is
//! settled, credited or sent twice.

mod common;

use common::notifications::humo_now;
use common::recorder::Recorder;
use common::{Db, Server};
use payments_store::testing::PgTestDb;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

#[test]
fn two_servers_on_one_postgres_settle_and_send_once() {
    let Some(pg) = PgTestDb::create("two_servers_on_one_postgres") else {
        return;
    };
    let (telegram, hooks) = (Recorder::start(), Recorder::start());
    let url = pg.url().to_owned();
    let env = [
        ("KASSA_TICK", "1s"),
        ("KASSA_ORDER_TTL", "3s"),
        ("KASSA_TELEGRAM_BOT_TOKEN", "123:TEST"),
        ("KASSA_TELEGRAM_API_URL", telegram.url.as_str()),
    ];
    let a = Server::start(Db::Postgres(pg), &["--demo"], &env);
    let b = Server::start(Db::Shared(url), &["--demo"], &env);
    let hook = format!("{}/hook", hooks.url);
    assert_eq!(
        a.admin(
            "PATCH",
            "/admin/shops/695008",
            Some(json!({"callback_url": hook}))
        )
        .status,
        200
    );
    assert_eq!(
        b.admin(
            "PATCH",
            "/admin/shops/101",
            Some(json!({"callback_url": hook}))
        )
        .status,
        200
    );

    // Orders through both servers: payable amounts stay unique across them.
    let mut page_orders = Vec::new();
    for i in 0..6 {
        let server = if i % 2 == 0 { &a } else { &b };
        let r = server
            .post_form(
                "/api?method=create",
                &[
                    ("shop_id", "695008"),
                    ("shop_key", "Z631XLBO7O"),
                    ("amount", "4000"),
                ],
            )
            .json();
        assert_eq!(r["status"], "success", "{r}");
        page_orders.push(r);
    }
    let payables: std::collections::HashSet<_> = page_orders
        .iter()
        .map(|o| o["payable_amount"].to_string())
        .collect();
    assert_eq!(payables.len(), 6, "{page_orders:?}");
    let card = page_orders[0]["card"].as_str().expect("card").to_owned();
    let last4 = &card[card.len() - 4..];

    // The same bank notification reaches both servers at once: one credit.
    let paid_code = page_orders[0]["order"].as_str().expect("code").to_owned();
    let message = humo_now("4.000,00", last4);
    let auth = format!("Bearer {}", a.admin_token);
    let results: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = [&a, &b]
            .into_iter()
            .map(|server| {
                let (message, auth) = (message.clone(), auth.clone());
                s.spawn(move || {
                    let r = server.request(
                        "POST",
                        "/admin/notifications",
                        &[("Authorization", &auth)],
                        Some(message.as_bytes()),
                    );
                    r.json()["messages"][0]["result"]
                        .as_str()
                        .unwrap_or("?")
                        .to_owned()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    let mut sorted = results.clone();
    sorted.sort();
    assert_eq!(sorted, ["duplicate", "matched"], "{results:?}");

    // Operator confirms racing on both servers: one 200, one 409.
    let other = b
        .get("/api/create_payment?shop_id=101&shop_key=test_key_123&amount=2500")
        .json();
    let other_code = other["order_id"].as_str().expect("code").to_owned();
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = [&a, &b]
            .into_iter()
            .map(|server| s.spawn(|| server.confirm(&other_code).status))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    let mut statuses = statuses;
    statuses.sort();
    assert_eq!(statuses, [200, 409]);

    // The rest expire (3 s) and both workers sweep; every notification arrives exactly once.
    let expected_hooks = 1 + 5 + 1; // paid, five expired (page shop), paid (shop 101)
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let seen = hooks.seen();
        if seen.len() >= expected_hooks || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    std::thread::sleep(Duration::from_secs(3)); // time for any second sending to show
    let mut per_event: HashMap<(String, String), usize> = HashMap::new();
    for h in hooks.seen() {
        let body: Value = serde_json::from_str(&h.body).expect("json");
        let key = (
            body["order"].as_str().unwrap_or("").to_owned(),
            body["event"].as_str().unwrap_or("").to_owned(),
        );
        *per_event.entry(key).or_default() += 1;
    }
    assert_eq!(per_event.len(), expected_hooks, "{per_event:?}");
    assert!(
        per_event.values().all(|n| *n == 1),
        "a webhook was sent twice: {per_event:?}"
    );
    assert_eq!(
        per_event.get(&(paid_code.clone(), "order.paid".into())),
        Some(&1)
    );
    // Telegram: one message per paid order (the demo page shop's owner; shop 101 has none).
    let messages = telegram.wait_for(1);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].body.contains(&paid_code));

    assert_eq!(
        a.admin("GET", "/admin/shops/695008", None).json()["balance"],
        "4000"
    );
    assert_eq!(
        b.admin("GET", "/admin/shops/101", None).json()["balance"],
        "2500"
    );
    assert_eq!(a.admin("GET", "/admin/verify", None).json()["ok"], true);
}
