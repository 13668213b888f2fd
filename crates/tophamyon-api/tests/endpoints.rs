//! The five endpoints through actix's test service, over the core and the real store (SQLite).
#![allow(clippy::unwrap_used)]

mod support;

use actix_web::{App, test, web};
use payments_core::{MonthStatus, OrderCode, ShopKind, ShopPatch, ShopStatus};
use payments_store::{DieselStore, PoolOptions};
use serde_json::Value;
use support::{CARD, World};
use time::Duration;
use tophamyon_api::{TopHamyonConfig, routes};

struct Resp {
    status: u16,
    body: String,
    content_type: Option<String>,
    retry_after: Option<String>,
    allow: Option<String>,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

macro_rules! app {
    ($world:expr) => {
        test::init_service(
            App::new()
                .app_data(web::Data::new($world.payments.clone()))
                .configure(routes(TopHamyonConfig {
                    public_url: "https://kassa.example.uz/".into(),
                })),
        )
        .await
    };
}

macro_rules! call {
    ($app:expr, $req:expr) => {{
        let res = test::call_service(&$app, $req.to_request()).await;
        let header = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (content_type, retry_after, allow) = (
            header("content-type"),
            header("retry-after"),
            header("allow"),
        );
        let status = res.status().as_u16();
        let body = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        Resp {
            status,
            body,
            content_type,
            retry_after,
            allow,
        }
    }};
}

macro_rules! get {
    ($app:expr, $uri:expr) => {
        call!($app, test::TestRequest::get().uri(&$uri))
    };
}

const S101: &str = "shop_id=101&shop_key=test_key_123";
const S102: &str = "shop_id=102&shop_key=test_key_456";

fn assert_error(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    let v = r.json();
    assert_eq!(v["success"], false, "{}", r.body);
    assert_eq!(v["code"], code, "{}", r.body);
    assert!(
        v["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{}",
        r.body
    );
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
}

#[actix_web::test]
async fn check_shop_answers_as_the_document() {
    let world = World::new();
    let app = app!(world);
    let r = get!(app, format!("/api/check_shop?{S101}"));
    assert_eq!(r.status, 200);
    assert!(
        r.body
            .starts_with(r#"{"success":true,"valid":true,"shop_id":"101""#),
        "{}",
        r.body
    );
    assert_eq!(r.json()["can_accept_payments"], true);

    let wrong = get!(app, "/api/check_shop?shop_id=101&shop_key=wrong_key_000");
    let unknown = get!(app, "/api/check_shop?shop_id=999&shop_key=test_key_123");
    let expected =
        r#"{"success":false,"valid":false,"error":"Invalid shop key","code":"invalid_shop_key"}"#;
    assert_eq!((wrong.status, wrong.body.as_str()), (200, expected));
    assert_eq!((unknown.status, unknown.body.as_str()), (200, expected));

    let missing = get!(app, "/api/check_shop?shop_id=101");
    assert_error(&missing, 200, "missing_shop_key");
    assert_eq!(missing.json()["valid"], false);
    assert_error(&get!(app, "/api/check_shop"), 200, "missing_shop_id");
    assert_error(
        &get!(app, "/api/check_shop?shop_id=abc&shop_key=x"),
        200,
        "invalid_shop_id",
    );
}

#[actix_web::test]
async fn check_shop_tells_why_a_shop_cannot_take_payments() {
    let world = World::new();
    world.shop(
        201,
        "blocked_key_1",
        "Blocked",
        ShopKind::Api,
        ShopStatus::Blocked,
    );
    world.shop(
        202,
        "pending_key_1",
        "Pending",
        ShopKind::Api,
        ShopStatus::Pending,
    );
    world.shop(
        203,
        "unpaid_key_1",
        "Unpaid",
        ShopKind::Api,
        ShopStatus::Confirm,
    );
    world.patch(
        203,
        ShopPatch {
            month_status: Some(MonthStatus::Unpaid),
            ..ShopPatch::default()
        },
    );
    world.shop(
        204,
        "nocard_key_1",
        "No card",
        ShopKind::Api,
        ShopStatus::Confirm,
    );
    world.patch(
        204,
        ShopPatch {
            card: Some(None),
            ..ShopPatch::default()
        },
    );
    let app = app!(world);
    for (creds, reason) in [
        ("shop_id=201&shop_key=blocked_key_1", "shop_not_active"),
        ("shop_id=202&shop_key=pending_key_1", "shop_not_active"),
        ("shop_id=203&shop_key=unpaid_key_1", "monthly_fee_unpaid"),
        ("shop_id=204&shop_key=nocard_key_1", "no_receiving_card"),
    ] {
        let v = get!(app, format!("/api/check_shop?{creds}")).json();
        assert_eq!(v["success"], true);
        assert_eq!(v["valid"], true);
        assert_eq!(v["can_accept_payments"], false);
        assert_eq!(v["reason"], reason);
        let created = get!(app, format!("/api/create_payment?{creds}&amount=1000"));
        assert_error(&created, 200, reason);
    }
}

#[actix_web::test]
async fn balance_and_payment_flow() {
    let world = World::new();
    let app = app!(world);
    let r = get!(app, format!("/api/get_balance?{S101}"));
    assert_eq!(
        r.body,
        r#"{"success":true,"shop_id":"101","balance":0.00,"balance_formatted":"0.00 UZS"}"#
    );

    let r = get!(app, format!("/api/create_payment?{S101}&amount=1000.00"));
    assert_eq!(r.status, 200);
    assert!(r.body.contains(r#","amount":1000.00,"amount_formatted":"1000.00 UZS","created_at":"2024-01-01 12:00:00","status":"pending","payable_amount":1000.00,"#), "{}", r.body);
    assert!(
        r.body.contains(&format!(
            r#""card":"{CARD}","expires_at":"2024-01-01 12:05:00","expires_in":300}}"#
        )),
        "{}",
        r.body
    );
    let v = r.json();
    let order_id = v["order_id"].as_str().unwrap().to_owned();
    let payment_id = v["payment_id"].as_str().unwrap().to_owned();
    assert!(order_id.starts_with("ORD_1704092400_"), "{order_id}");
    assert!(payment_id.starts_with("PAY_1704092400_"), "{payment_id}");
    assert!(v.get("pay_url").is_none(), "api shops get no pay_url");

    for uri in [
        format!("/api/check_payment?order_id={order_id}"),
        format!("/api/check_payment?order_id={payment_id}"),
        format!("/api/check_payment?payment_id={payment_id}"),
    ] {
        let r = get!(app, uri);
        assert!(
            r.body.starts_with(&format!(
                r#"{{"success":true,"order_id":"{order_id}","shop_id":"101","shop_name":"Test Do'kon 1","amount":1000.00,"status":"pending","status_description":"To'lov kutilmoqda","created_at":"2024-01-01 12:00:00","#
            )),
            "{}",
            r.body
        );
    }

    world
        .payments
        .confirm(&OrderCode::parse(&order_id).unwrap())
        .unwrap();
    let v = get!(app, format!("/api/check_payment?order_id={order_id}")).json();
    assert_eq!(v["status"], "paid");
    assert_eq!(v["status_description"], "To'lov muvaffaqiyatli");
    let r = get!(app, format!("/api/get_balance?{S101}"));
    assert!(
        r.body
            .contains(r#""balance":1000.00,"balance_formatted":"1000.00 UZS""#)
    );

    let r = get!(app, format!("/api/create_payment?{S101}&amount=2500.5"));
    let code = r.json()["order_id"].as_str().unwrap().to_owned();
    assert!(r.body.contains(r#""amount":2500.50,"#), "{}", r.body);
    world
        .payments
        .cancel(&OrderCode::parse(&code).unwrap())
        .unwrap();
    let v = get!(app, format!("/api/check_payment?order_id={code}")).json();
    assert_eq!(v["status"], "cancelled");
    assert_eq!(v["status_description"], "To'lov bekor qilingan");
}

#[actix_web::test]
async fn overdue_orders_read_as_expired() {
    let world = World::new();
    let app = app!(world);
    let v = get!(app, format!("/api/create_payment?{S101}&amount=5000")).json();
    let id = v["order_id"].as_str().unwrap().to_owned();
    world.clock.advance(Duration::minutes(5));
    let v = get!(app, format!("/api/check_payment?order_id={id}")).json();
    assert_eq!(v["status"], "expired");
    assert_eq!(v["status_description"], "To'lov muddati tugagan");
    assert_eq!(v["expires_in"], 0);
}

#[actix_web::test]
async fn page_shops_get_a_pay_url() {
    let world = World::new();
    let app = app!(world);
    let v = get!(
        app,
        "/api/create_payment?shop_id=695008&shop_key=Z631XLBO7O&amount=1000"
    )
    .json();
    let url = v["pay_url"].as_str().unwrap();
    assert!(url.starts_with("https://kassa.example.uz/pay/"), "{url}");
    assert!(!url.contains("//pay"), "trailing slash trimmed: {url}");
}

#[actix_web::test]
async fn amounts_are_checked() {
    let world = World::new();
    let app = app!(world);
    for (amount, code) in [
        ("", "missing_amount"),
        ("999.99", "amount_too_small"),
        ("0", "amount_too_small"),
        ("-1000", "invalid_amount"),
        ("1e5", "invalid_amount"),
        ("NaN", "invalid_amount"),
        ("1%2C000", "invalid_amount"),
        ("1000.001", "invalid_amount"),
        ("100000000.01", "amount_too_large"),
        ("99999999999999999999", "amount_too_large"),
    ] {
        let r = get!(app, format!("/api/create_payment?{S101}&amount={amount}"));
        assert_error(&r, 200, code);
    }
    assert_error(
        &get!(
            app,
            "/api/create_payment?shop_id=101&shop_key=nope_nope_1&amount=1000"
        ),
        200,
        "invalid_shop_key",
    );
    let v = get!(app, format!("/api/get_payments?{S101}")).json();
    assert_eq!(v["total"], 0, "no order was made by a refused request");
}

#[actix_web::test]
async fn check_payment_errors() {
    let world = World::new();
    let app = app!(world);
    assert_error(&get!(app, "/api/check_payment"), 200, "missing_order_id");
    assert_error(
        &get!(app, "/api/check_payment?order_id=ORD_1_nothing"),
        200,
        "order_not_found",
    );
    assert_error(
        &get!(app, "/api/check_payment?order_id=%27%3B--"),
        200,
        "invalid_order_id",
    );
}

#[actix_web::test]
async fn payments_page_newest_first_per_shop() {
    let world = World::new();
    let app = app!(world);
    let mut made = Vec::new();
    for i in 1..=12 {
        world.clock.advance(Duration::seconds(1));
        let v = get!(
            app,
            format!("/api/create_payment?{S101}&amount={}", 1000 + i)
        )
        .json();
        made.push(v["order_id"].as_str().unwrap().to_owned());
    }
    get!(app, format!("/api/create_payment?{S102}&amount=7777"));

    let r = get!(app, format!("/api/get_payments?{S101}"));
    let v = r.json();
    assert!(
        r.body
            .starts_with(r#"{"success":true,"shop_id":"101","total":12,"limit":10,"offset":0,"payments":[{"order_id":""#),
        "{}",
        r.body
    );
    let ids: Vec<&str> = v["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["order_id"].as_str().unwrap())
        .collect();
    let newest: Vec<&str> = made.iter().rev().take(10).map(String::as_str).collect();
    assert_eq!(ids, newest);
    assert!(r.body.contains(r#""amount":1012.00,"#));
    assert!(
        !r.body.contains("7777"),
        "shop 102's order is not shop 101's"
    );

    let v = get!(app, format!("/api/get_payments?{S101}&limit=5&offset=10")).json();
    assert_eq!(v["payments"].as_array().unwrap().len(), 2);
    let v = get!(
        app,
        format!("/api/get_payments?{S101}&limit=100&offset=500")
    )
    .json();
    assert_eq!(
        (v["total"].as_u64(), v["payments"].as_array().map(Vec::len)),
        (Some(12), Some(0))
    );
    let v = get!(app, format!("/api/get_payments?{S102}&limit=1")).json();
    assert_eq!(v["total"], 1);
    assert_eq!(v["payments"][0]["amount"].as_f64(), Some(7777.0));
    assert_eq!(v["payments"][0]["shop_name"], "Test Do'kon 2");

    for (q, code) in [
        ("limit=0", "invalid_limit"),
        ("limit=101", "invalid_limit"),
        ("limit=-1", "invalid_limit"),
        ("limit=abc", "invalid_limit"),
        ("limit=1.5", "invalid_limit"),
        ("offset=-1", "invalid_offset"),
        ("offset=x", "invalid_offset"),
    ] {
        assert_error(
            &get!(app, format!("/api/get_payments?{S101}&{q}")),
            200,
            code,
        );
    }
}

#[actix_web::test]
async fn post_reads_query_form_and_json() {
    let world = World::new();
    let app = app!(world);
    let r = call!(
        app,
        test::TestRequest::post()
            .uri("/api/get_balance")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(S101)
    );
    assert_eq!(r.json()["balance"].as_f64(), Some(0.0));
    let r = call!(
        app,
        test::TestRequest::post().uri(format!("/api/get_balance?{S101}").as_str())
    );
    assert_eq!(r.json()["success"], true, "{}", r.body);
    let r = call!(
        app,
        test::TestRequest::post()
            .uri("/api/create_payment")
            .set_json(
                serde_json::json!({"shop_id": 101, "shop_key": "test_key_123", "amount": 1500.25})
            )
    );
    assert!(r.body.contains(r#""amount":1500.25,"#), "{}", r.body);
    let r = call!(
        app,
        test::TestRequest::post()
            .uri("/api/get_balance?shop_id=102")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(S101)
    );
    assert_error(&r, 200, "duplicate_parameter");
    let r = call!(
        app,
        test::TestRequest::post()
            .uri("/api/get_balance")
            .insert_header(("content-type", "text/xml"))
            .set_payload("<a/>")
    );
    assert_error(&r, 415, "unsupported_content_type");
    let r = call!(
        app,
        test::TestRequest::post()
            .uri("/api/get_balance")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(vec![b'a'; 20_000])
    );
    assert_error(&r, 413, "body_too_large");
    let r = call!(
        app,
        test::TestRequest::post()
            .uri("/api/get_balance")
            .insert_header(("content-type", "application/json"))
            .set_payload("{not json")
    );
    assert_error(&r, 200, "invalid_body");
}

#[actix_web::test]
async fn other_methods_and_paths_get_dialect_bodies() {
    let world = World::new();
    let app = app!(world);
    let r = call!(
        app,
        test::TestRequest::put().uri(&format!("/api/check_shop?{S101}"))
    );
    assert_error(&r, 405, "method_not_allowed");
    assert_eq!(r.allow.as_deref(), Some("GET, POST"));
    let r = call!(app, test::TestRequest::delete().uri("/api/create_payment"));
    assert_error(&r, 405, "method_not_allowed");
    let r = get!(app, "/api/refund?x=1");
    assert_error(&r, 404, "unknown_endpoint");
    let r = call!(app, test::TestRequest::post().uri("/api/nothing"));
    assert_error(&r, 404, "unknown_endpoint");
    let r = get!(app, format!("/api/check_shop/?{S101}"));
    assert_eq!(
        r.json()["valid"],
        true,
        "a trailing slash is the same endpoint"
    );
}

#[actix_web::test]
async fn hostile_queries_get_clear_errors() {
    let world = World::new();
    let app = app!(world);
    let long = "k".repeat(5000);
    for (q, code) in [
        ("shop_id=101&shop_key=%zz", "invalid_encoding"),
        ("shop_id=101&shop_key=%FF%FE", "invalid_encoding"),
        ("shop_id=101%00&shop_key=x", "invalid_characters"),
        ("shop_id=101&shop_id=102&shop_key=x", "duplicate_parameter"),
        (
            &format!("shop_id=101&shop_key={long}"),
            "parameter_too_long",
        ),
    ] {
        for endpoint in [
            "check_shop",
            "get_balance",
            "create_payment",
            "get_payments",
        ] {
            assert_error(&get!(app, format!("/api/{endpoint}?{q}")), 200, code);
        }
    }
    let r = get!(app, "/api/check_payment?order_id=ORD%00");
    assert_error(&r, 200, "invalid_characters");
    // A key with a space or a control character is simply a wrong key.
    let r = get!(app, "/api/get_balance?shop_id=101&shop_key=test+key");
    assert_error(&r, 200, "invalid_shop_key");
}

#[actix_web::test]
async fn wrong_keys_are_throttled_per_shop() {
    let world = World::new();
    let app = app!(world);
    let mut last = None;
    for _ in 0..11 {
        last = Some(get!(
            app,
            "/api/get_balance?shop_id=101&shop_key=guess_guess"
        ));
    }
    let r = last.unwrap();
    assert_error(&r, 429, "too_many_attempts");
    let retry: u64 = r.retry_after.as_deref().unwrap().parse().unwrap();
    assert!((1..=300).contains(&retry));
    assert_eq!(r.json()["retry_after"].as_u64(), Some(retry));
    let r = get!(app, "/api/check_shop?shop_id=101&shop_key=test_key_123");
    assert_error(&r, 429, "too_many_attempts");
    assert_eq!(r.json()["valid"], false);
    let r = get!(app, format!("/api/get_balance?{S102}"));
    assert_eq!(r.json()["success"], true, "another shop is unaffected");
}

#[actix_web::test]
async fn faults_are_dialect_bodies_without_internals() {
    // One pooled connection, and a request waits at most 200 ms for it.
    let world = World::with_pool(PoolOptions {
        max_size: Some(1),
        acquire_timeout: std::time::Duration::from_millis(200),
    });
    let app = app!(world);
    assert_eq!(get!(app, format!("/api/check_shop?{S101}")).status, 200);

    // Another connection to the file (an operator's shell, a backup) holds the write lock, and
    // a write through our store waits behind it on the store's only connection: every request
    // finds the database unavailable.
    let holder = DieselStore::open_with(
        &world.db,
        PoolOptions {
            max_size: Some(1),
            ..PoolOptions::default()
        },
    )
    .unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let store = world.store.clone();
    let waiting = std::thread::spawn(move || store.execute_batch("UPDATE shops SET name = name"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while get!(app, format!("/api/check_shop?{S101}")).status != 503 {
        assert!(std::time::Instant::now() < deadline, "the store stays up");
    }
    for uri in [
        format!("/api/check_shop?{S101}"),
        format!("/api/create_payment?{S101}&amount=1000"),
        "/api/check_payment?order_id=ORD_1_x".to_owned(),
        format!("/api/get_payments?{S101}"),
    ] {
        let r = get!(app, uri);
        assert_error(&r, 503, "service_unavailable");
        assert!(!r.body.contains("connection"), "{}", r.body);
        assert!(!r.body.contains(&world.db), "{}", r.body);
    }
    drop(holder);
    waiting.join().unwrap().unwrap();
    assert_eq!(
        get!(app, format!("/api/check_shop?{S101}")).json()["valid"],
        true,
        "the lock released, the same store serves again"
    );

    // Mounted without the core: a dialect 500, not actix's text.
    let bare = test::init_service(App::new().configure(routes(TopHamyonConfig {
        public_url: String::new(),
    })))
    .await;
    let r = get!(bare, format!("/api/get_balance?{S101}"));
    assert_error(&r, 500, "internal_error");
}
