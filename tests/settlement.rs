//! Settlement end to end, black-box: an order, a real-format bank notification, the order paid
//! and credited once, a Telegram message at a fake Bot API and a signed webhook at a receiver —
//! on SQLite and PostgreSQL.

mod common;

use common::notifications::{fixture, humo_now};
use common::recorder::Recorder;
use common::{Db, Server};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn end_to_end(server: &Server, telegram: &Recorder, hooks: &Recorder) {
    // A page shop with a callback URL and an owner.
    let r = server.admin(
        "PATCH",
        "/admin/shops/695008",
        Some(json!({"callback_url": format!("{}/hook", hooks.url)})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let secret = r.json()["webhook_secret"]
        .as_str()
        .expect("webhook secret")
        .to_owned();

    let created = server.post_form(
        "/api?method=create",
        &[
            ("shop_id", "695008"),
            ("shop_key", "Z631XLBO7O"),
            ("amount", "4000"),
        ],
    );
    let created = created.json();
    assert_eq!(created["status"], "success", "{created}");
    assert_eq!(created["payable_amount"], "4000");
    let card = created["card"].as_str().expect("card").to_owned();
    let code = created["order"].as_str().expect("order").to_owned();
    // A second order of the same amount on the same card pays one tiyin more.
    let second = server
        .post_form(
            "/api?method=create",
            &[
                ("shop_id", "695008"),
                ("shop_key", "Z631XLBO7O"),
                ("amount", "4000"),
            ],
        )
        .json();
    assert_eq!(second["payable_amount"], "4000.01");

    let message = humo_now("4.000,00", &card[card.len() - 4..]);
    let r = server.request(
        "POST",
        "/admin/notifications",
        &[("Authorization", &format!("Bearer {}", server.admin_token))],
        Some(message.as_bytes()),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let report = r.json();
    assert_eq!(report["messages"][0]["result"], "matched", "{report}");
    assert_eq!(report["messages"][0]["order"]["order"], code.as_str());

    let check = server
        .get(&format!("/api?method=check&order={code}"))
        .json();
    assert_eq!(check["data"]["status"], "paid");
    let shop = server.admin("GET", "/admin/shops/695008", None).json();
    assert_eq!(shop["balance"], "4000");

    // The same message again (forwarded, with other text around it) credits nothing.
    let again = format!("Forwarded:\n{message}\n-- sent from my phone");
    let r = server.request(
        "POST",
        "/admin/notifications",
        &[("Authorization", &format!("Bearer {}", server.admin_token))],
        Some(again.as_bytes()),
    );
    assert_eq!(r.json()["messages"][0]["result"], "duplicate", "{}", r.body);
    // An outgoing payment and a reversal are recognised, never credited.
    let outgoing = fixture("Outgoing payment");
    let r = server.request(
        "POST",
        "/admin/notifications",
        &[("Authorization", &format!("Bearer {}", server.admin_token))],
        Some(outgoing.as_bytes()),
    );
    assert_eq!(
        r.json()["messages"][0]["result"],
        "not_top_up",
        "{}",
        r.body
    );
    // A payment nobody is waiting for is kept for review.
    let stray = humo_now("777,00", &card[card.len() - 4..]);
    let r = server.request(
        "POST",
        "/admin/notifications",
        &[("Authorization", &format!("Bearer {}", server.admin_token))],
        Some(stray.as_bytes()),
    );
    assert_eq!(r.json()["messages"][0]["result"], "unmatched", "{}", r.body);
    let review = server
        .admin("GET", "/admin/payments/unmatched", None)
        .json();
    assert_eq!(
        review["unmatched"].as_array().map(Vec::len),
        Some(1),
        "{review}"
    );
    assert_eq!(
        review["duplicates"].as_array().map(Vec::len),
        Some(1),
        "{review}"
    );
    assert_eq!(
        server.admin("GET", "/admin/shops/695008", None).json()["balance"],
        "4000"
    );
    assert_eq!(
        server.admin("GET", "/admin/verify", None).json()["ok"],
        true
    );

    // Telegram: one message to the owner about the paid order.
    let messages = telegram.wait_for(1);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].path.ends_with("/bot123:TEST/sendMessage"),
        "{}",
        messages[0].path
    );
    let sent: Value = serde_json::from_str(&messages[0].body).expect("json");
    assert_eq!(sent["chat_id"], 123_456_789);
    assert!(
        sent["text"]
            .as_str()
            .is_some_and(|t| t.contains(&code) && t.contains("4 000")),
        "{sent}"
    );

    // Webhook: signed, verifiable with the shop's secret.
    let hooks_seen = hooks.wait_for(1);
    let hook = hooks_seen
        .iter()
        .find(|h| h.body.contains("order.paid"))
        .expect("paid webhook");
    let signature = hook
        .headers
        .iter()
        .find(|(k, _)| k == "kassa-signature")
        .map(|(_, v)| v.clone())
        .expect("signature");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(
        payments_core::outbox::verify_webhook(&secret, &signature, &hook.body, now, 300),
        "{signature}"
    );
    assert!(!payments_core::outbox::verify_webhook(
        "wrong-secret",
        &signature,
        &hook.body,
        now,
        300
    ));
    let body: Value = serde_json::from_str(&hook.body).expect("json");
    assert_eq!(body["order"], code.as_str());
    assert_eq!(body["status"], "paid");

    let log = server
        .admin("GET", "/admin/shops/695008/deliveries", None)
        .json();
    assert!(
        log["deliveries"].as_array().is_some_and(|d| d
            .iter()
            .any(|x| x["ok"] == true && x["channel"] == "webhook")),
        "{log}"
    );
}

fn env(telegram: &Recorder) -> Vec<(&'static str, String)> {
    vec![
        ("KASSA_TICK", "1s".into()),
        ("KASSA_TELEGRAM_BOT_TOKEN", "123:TEST".into()),
        ("KASSA_TELEGRAM_API_URL", telegram.url.clone()),
    ]
}

#[test]
fn notification_pays_the_order_and_tells_the_shop_sqlite() {
    let (telegram, hooks) = (Recorder::start(), Recorder::start());
    let vars = env(&telegram);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = Server::start(Db::Sqlite, &["--demo"], &vars);
    end_to_end(&server, &telegram, &hooks);
}

#[test]
fn notification_pays_the_order_and_tells_the_shop_postgres() {
    let (telegram, hooks) = (Recorder::start(), Recorder::start());
    let vars = env(&telegram);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    if let Some(server) = Server::demo_on_postgres("settlement_end_to_end_postgres", &vars) {
        end_to_end(&server, &telegram, &hooks);
    }
}

#[test]
fn a_receiver_that_is_down_gets_the_webhook_later_and_kill_9_loses_nothing() {
    let (telegram, hooks) = (Recorder::start(), Recorder::start());
    *hooks.down.lock().expect("lock") = true;
    let vars = env(&telegram);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server = Server::start(Db::Sqlite, &["--demo"], &vars);
    server.admin(
        "PATCH",
        "/admin/shops/101",
        Some(json!({"callback_url": format!("{}/hook", hooks.url)})),
    );
    let order = server
        .get("/api/create_payment?shop_id=101&shop_key=test_key_123&amount=1000")
        .json();
    let code = order["order_id"].as_str().expect("code").to_owned();
    // Paid, then the server dies at once: the webhook is in the outbox, committed with the payment.
    assert_eq!(server.confirm(&code).status, 200);
    server.kill_9();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(hooks.seen().is_empty());
    server.restart();
    // The receiver is still down: attempts are logged and retried (10 s later).
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let log = server
            .admin("GET", "/admin/shops/101/deliveries", None)
            .json();
        if log["deliveries"].as_array().is_some_and(|d| !d.is_empty()) {
            assert_eq!(log["deliveries"][0]["ok"], false, "{log}");
            assert_eq!(log["deliveries"][0]["status_code"], 500, "{log}");
            break;
        }
        assert!(Instant::now() < deadline, "no attempt logged: {log}");
        std::thread::sleep(Duration::from_millis(200));
    }
    *hooks.down.lock().expect("lock") = false;
    let seen = Instant::now();
    let got = loop {
        let got = hooks.seen();
        if !got.is_empty() || seen.elapsed() > Duration::from_secs(30) {
            break got;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(got.len(), 1, "delivered once after the receiver came back");
    assert!(got[0].body.contains(&code));
}

#[test]
fn the_cli_ingests_reviews_and_exports() {
    let server = Server::demo();
    let order = server
        .get("/api/create_payment?shop_id=101&shop_key=test_key_123&amount=8000")
        .json();
    let code = order["order_id"].as_str().expect("code").to_owned();
    let card = order["card"].as_str().expect("card").to_owned();
    let last4 = &card[card.len() - 4..];
    // UzCard shape from the fixture, re-dated to now and pointed at shop 101's card.
    let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+5));
    let stamp = format!(
        "{:02}.{:02}.{:02} {:02}:{:02}",
        now.day(),
        u8::from(now.month()),
        now.year() % 100,
        now.hour(),
        now.minute()
    );
    let uzcard = fixture("UzCard (CardXabar)")
        .replace("***1393", &format!("***{last4}"))
        .replace("18.06.26 22:26", &stamp);
    let stray = uzcard.replace("8 000.00", "9 999.00");
    let body = format!("{uzcard}\n\n{stray}\n\nOddiy xabar matni\n");
    let (status, out, err) = server.cli_with_stdin(&["ingest"], &body);
    assert_eq!(status, 0, "{err}");
    let report: Value = serde_json::from_str(&out).expect("json");
    let results: Vec<&str> = report["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["result"].as_str())
        .collect();
    assert_eq!(results, ["matched", "unmatched", "not_top_up"], "{out}");
    assert_eq!(report["messages"][0]["order"]["order"], code.as_str());

    // The stray payment: attach it to a new pending order, which pays it.
    let (_, out, _) = server.cli(&["payments", "unmatched"]);
    let review: Value = serde_json::from_str(&out).expect("json");
    let stray_id = review["unmatched"][0]["id"].as_i64().expect("id");
    let second = server
        .get("/api/create_payment?shop_id=101&shop_key=test_key_123&amount=2000")
        .json();
    let second_code = second["order_id"].as_str().expect("code");
    let (status, out, err) =
        server.cli(&["payments", "attach", &stray_id.to_string(), second_code]);
    assert_eq!(status, 0, "{err}");
    assert!(out.contains("\"paid\""), "{out}");
    let (status, _, err) = server.cli(&["payments", "attach", &stray_id.to_string(), second_code]);
    assert_eq!(status, 2, "an attached payment is no longer open: {err}");
    let (status, _, err) = server.cli(&[
        "payments",
        "resolve",
        &stray_id.to_string(),
        "--as",
        "refunded",
    ]);
    assert_eq!(status, 2, "{err}");
    assert_eq!(
        server.admin("GET", "/admin/shops/101", None).json()["balance"],
        "10000"
    );

    // Export: both paid orders, as JSON and as CSV.
    let (status, out, err) = server.cli(&["export", "transactions", "--shop", "101"]);
    assert_eq!(status, 0, "{err}");
    let rows: Value = serde_json::from_str(&out).expect("json");
    let codes: Vec<&str> = rows
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["order"].as_str())
        .collect();
    assert_eq!(codes, [code.as_str(), second_code]);
    assert_eq!(rows[0]["amount"], "8000");
    assert_eq!(rows[0]["amount_tiyin"], 800_000);
    let path = server.dir().join("export.csv");
    let (status, _, err) = server.cli(&[
        "export",
        "transactions",
        "--format",
        "csv",
        "--output",
        path.to_str().expect("path"),
    ]);
    assert_eq!(status, 0, "{err}");
    let csv = std::fs::read_to_string(&path).expect("csv");
    assert!(
        csv.starts_with("order,payment_id,insert_id,shop_id,amount,"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 3, "{csv}");
    let (status, out, _) = server.cli(&["export", "transactions", "--shop", "102"]);
    assert_eq!((status, out.trim()), (0, "[]"));
    let (status, _, _) = server.cli(&["export", "transactions", "--since", "yesterday"]);
    assert_eq!(status, 2);
}
