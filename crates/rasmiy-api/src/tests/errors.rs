//! Every error of the dialect: message, code, HTTP status.

use super::*;
use crate::errors::ApiError;
use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use payments_core::StoreError;
use payments_store::PoolOptions;
use std::time::{Duration, Instant};

#[actix_web::test]
async fn create_errors_in_the_originals_words() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let cases: &[(&str, &str, &str)] = &[
        (
            "method=create&amount=5",
            "credentials_missing",
            "shop_id yoki shop_key yuborilmadi!",
        ),
        (
            "method=create&shop_id=695008&amount=5",
            "credentials_missing",
            "shop_id yoki shop_key yuborilmadi!",
        ),
        (
            "method=create&shop_key=Z631XLBO7O&amount=5",
            "credentials_missing",
            "shop_id yoki shop_key yuborilmadi!",
        ),
        (
            "method=create&shop_id=&shop_key=Z631XLBO7O&amount=5",
            "credentials_missing",
            "shop_id yoki shop_key yuborilmadi!",
        ),
        (
            "method=create&shop_id=999999&shop_key=Z631XLBO7O&amount=5",
            "invalid_credentials",
            "Do'kon topilmadi!",
        ),
        (
            "method=create&shop_id=695008&shop_key=WRONGKEY00&amount=5",
            "invalid_credentials",
            "Do'kon topilmadi!",
        ),
        (
            "method=create&shop_id=abc&shop_key=Z631XLBO7O&amount=5",
            "invalid_credentials",
            "Do'kon topilmadi!",
        ),
        (
            "method=create&shop_id=695008&shop_key=has%20space&amount=5",
            "invalid_credentials",
            "Do'kon topilmadi!",
        ),
        (
            "method=create&shop_id=201&shop_key=pending_key_1&amount=5",
            "shop_not_active",
            "Do'kon faol emas!",
        ),
        (
            "method=create&shop_id=202&shop_key=blocked_key_1&amount=5",
            "shop_not_active",
            "Do'kon faol emas!",
        ),
        (
            "method=create&shop_id=203&shop_key=unpaid_key_1&amount=5",
            "fee_unpaid",
            "Oylik to'lov qilinmagan!",
        ),
        (
            "method=create&shop_id=204&shop_key=nocard_key_1&amount=5",
            "no_receiving_card",
            "Hisob ulanmagan!",
        ),
        (
            "method=create&shop_id=695008&shop_key=Z631XLBO7O",
            "invalid_amount",
            "Miqdor noto'g'ri!",
        ),
        (
            "method=create&shop_id=695008&shop_key=Z631XLBO7O&amount=",
            "invalid_amount",
            "Miqdor noto'g'ri!",
        ),
    ];
    for (query, code, message) in cases {
        let a = send(&app, get(query)).await;
        assert_eq!(a.status, 200, "{query}");
        assert_eq!(
            a.json,
            serde_json::json!({"status": "error", "message": message, "code": code}),
            "{query}"
        );
    }
    for amount in [
        "0", "0.00", "-5", "%2B5", "1e3", "NaN", "1,000", "1%20000", "1.001", "abc", ".5", "5.",
    ] {
        send(
            &app,
            get(&format!(
                "method=create&shop_id=695008&shop_key=Z631XLBO7O&amount={amount}"
            )),
        )
        .await
        .assert_error(200, "invalid_amount", "Miqdor noto'g'ri!");
    }
    assert_eq!(fx.order_count(), 0);
}

#[actix_web::test]
async fn amount_above_the_maximum_says_so() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let a = send(
        &app,
        get("method=create&shop_id=695008&shop_key=Z631XLBO7O&amount=100000000.01"),
    )
    .await;
    assert_eq!(
        a.json,
        serde_json::json!({"status": "error", "message": "Miqdor noto'g'ri!",
            "code": "amount_too_large", "max_amount": "100000000"})
    );
    let a = send(
        &app,
        get("method=create&shop_id=695008&shop_key=Z631XLBO7O&amount=100000000"),
    )
    .await;
    assert_eq!(a.json["status"], "success");
}

#[actix_web::test]
async fn shop_info_errors() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let missing = "shop_id yoki shop_key yuborilmadi!";
    let unknown = "Bunday shop_id yoki shop_key topilmadi!";
    for (query, code, message) in [
        ("", "credentials_missing", missing),
        ("shop_id=695008", "credentials_missing", missing),
        ("shop_key=Z631XLBO7O", "credentials_missing", missing),
        (
            "shop_id=999999&shop_key=Z631XLBO7O",
            "invalid_credentials",
            unknown,
        ),
        (
            "shop_id=695008&shop_key=WRONGKEY00",
            "invalid_credentials",
            unknown,
        ),
        (
            "shop_id=-1&shop_key=Z631XLBO7O",
            "invalid_credentials",
            unknown,
        ),
    ] {
        send(&app, get(query))
            .await
            .assert_error(200, code, message);
    }
}

#[actix_web::test]
async fn a_wrong_key_reads_exactly_as_an_unknown_shop() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    for call in ["method=create&amount=5&", ""] {
        let wrong = send(
            &app,
            get(&format!("{call}shop_id=695008&shop_key=WRONGKEY00")),
        )
        .await;
        let unknown = send(
            &app,
            get(&format!("{call}shop_id=695009&shop_key=WRONGKEY00")),
        )
        .await;
        assert_eq!(wrong.status, unknown.status);
        assert_eq!(wrong.json, unknown.json);
    }
}

#[actix_web::test]
async fn order_errors() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    for method in ["check", "cancel"] {
        for order in ["", "&order=", "&order=%20"] {
            send(&app, get(&format!("method={method}{order}")))
                .await
                .assert_error(200, "order_missing", "order kodi yuborilmadi!");
        }
        for order in [
            "nosuchorder",
            "ORD_1_x",
            "a'%3B%20DROP%20TABLE%20orders",
            "%C3%A9",
        ] {
            send(&app, get(&format!("method={method}&order={order}")))
                .await
                .assert_error(200, "order_not_found", "Bunday order topilmadi!");
        }
    }
}

#[actix_web::test]
async fn unknown_method() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    for m in ["refund", "creat", "list", "%5B%5D"] {
        send(
            &app,
            get(&format!("method={m}&shop_id=695008&shop_key=Z631XLBO7O")),
        )
        .await
        .assert_error(
            200,
            "unknown_method",
            "Noma'lum method! Mavjudlari: create, check, cancel.",
        );
    }
}

#[actix_web::test]
async fn other_http_methods_get_the_dialect_body() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    for m in [Method::PUT, Method::DELETE, Method::PATCH, Method::OPTIONS] {
        let a = send(&app, with_method(m.clone(), "method=cancel&order=x")).await;
        a.assert_error(
            405,
            "method_not_allowed",
            "Faqat GET va POST so'rovlari qabul qilinadi!",
        );
        assert_eq!(a.header("allow"), Some("GET, POST"), "{m}");
    }
}

#[actix_web::test]
async fn wrong_keys_are_throttled_per_client_and_shop() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let attacker = "10.0.0.1:5000".parse().unwrap();
    let other = "10.0.0.2:5000".parse().unwrap();
    for _ in 0..3 {
        send(
            &app,
            get("shop_id=101&shop_key=WRONGKEY00").peer_addr(attacker),
        )
        .await
        .assert_error(
            200,
            "invalid_credentials",
            "Bunday shop_id yoki shop_key topilmadi!",
        );
    }
    for query in [
        "shop_id=101&shop_key=WRONGKEY00",
        "shop_id=101&shop_key=test_key_123",
        "method=create&shop_id=101&shop_key=test_key_123&amount=5",
    ] {
        let a = send(&app, get(query).peer_addr(attacker)).await;
        assert_eq!(a.status, 429, "{}", a.json);
        assert_eq!(a.json["status"], "error");
        assert_eq!(a.json["code"], "too_many_requests");
        assert_eq!(a.json["retry_after"], 300);
        assert_eq!(a.header("retry-after"), Some("300"));
        assert!(a.json["message"].as_str().unwrap().contains("300"));
    }
    // The same client's other shop, and another client of the same shop, are unhindered.
    let a = send(
        &app,
        get("shop_id=102&shop_key=test_key_456").peer_addr(attacker),
    )
    .await;
    assert_eq!(a.json["status"], "success");
    let a = send(
        &app,
        get("shop_id=101&shop_key=test_key_123").peer_addr(other),
    )
    .await;
    assert_eq!(a.json["status"], "success");
    // The lock-out ends.
    fx.clock.advance(time::Duration::minutes(5));
    let a = send(
        &app,
        get("shop_id=101&shop_key=test_key_123").peer_addr(attacker),
    )
    .await;
    assert_eq!(a.json["status"], "success");
}

/// The store's only pooled connection, parked: it waits for the database's write lock, which a
/// connection of the test's own holds. Until [`PoolHeld::release`], every call of the store
/// times out waiting for a connection, a real [`StoreError::Unavailable`].
struct PoolHeld {
    lock: SqliteConnection,
    waiter: std::thread::JoinHandle<Result<(), StoreError>>,
}

impl PoolHeld {
    fn hold(fx: &Fixture) -> PoolHeld {
        let mut lock = SqliteConnection::establish(fx.db_path.to_str().unwrap()).unwrap();
        lock.batch_execute("BEGIN IMMEDIATE").unwrap();
        let store = fx.store.clone();
        // The pooled connection waits for the lock far longer than the test needs it held,
        // then gets its usual busy timeout back.
        let waiter = std::thread::spawn(move || {
            store.execute_batch(
                "PRAGMA busy_timeout = 60000; BEGIN IMMEDIATE; ROLLBACK; \
                 PRAGMA busy_timeout = 5000;",
            )
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match fx.store.ping() {
                Err(StoreError::Unavailable(_)) => break,
                Ok(()) => {
                    assert!(
                        Instant::now() < deadline,
                        "the waiter never took the connection"
                    );
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => panic!("{e:?}"),
            }
        }
        PoolHeld { lock, waiter }
    }

    fn release(mut self) {
        self.lock.batch_execute("ROLLBACK").unwrap();
        self.waiter.join().unwrap().unwrap();
    }
}

#[actix_web::test]
async fn storage_faults_are_5xx_with_the_dialect_body_and_no_detail() {
    let fx = Fixture::with_pool(PoolOptions {
        max_size: Some(1),
        acquire_timeout: Duration::from_millis(200),
    });
    let app = app(&fx).await;
    let code = create(&app, "101", "test_key_123", "5000").await;
    let unavailable = "Xizmat vaqtincha ishlamayapti, birozdan keyin qayta urinib ko'ring!";
    let held = PoolHeld::hold(&fx);
    for query in [
        "method=create&shop_id=101&shop_key=test_key_123&amount=5".to_owned(),
        format!("method=check&order={code}"),
        format!("method=cancel&order={code}"),
        "shop_id=101&shop_key=test_key_123".to_owned(),
    ] {
        let a = send(&app, get(&query)).await;
        a.assert_error(503, "unavailable", unavailable);
        assert_eq!(a.header("retry-after"), Some("5"));
    }
    held.release();
    // A broken schema is no passing fault: "no such table: orders" must not reach the client.
    fx.store
        .execute_batch("ALTER TABLE orders RENAME TO orders_away")
        .unwrap();
    send(&app, get(&format!("method=check&order={code}")))
        .await
        .assert_error(500, "internal_error", "Ichki xatolik yuz berdi!");
    fx.store
        .execute_batch("ALTER TABLE orders_away RENAME TO orders")
        .unwrap();
    let a = send(&app, get(&format!("method=check&order={code}"))).await;
    assert_eq!(a.json["data"]["status"], "pending");
    assert_eq!(
        fx.order_count(),
        1,
        "nothing was created while the store was down"
    );
}

#[actix_web::test]
async fn missing_app_data_is_a_dialect_500() {
    let app = test::init_service(App::new().configure(routes(RasmiyConfig {
        public_url: String::new(),
    })))
    .await;
    send(&app, get("shop_id=101&shop_key=test_key_123"))
        .await
        .assert_error(500, "internal_error", "Ichki xatolik yuz berdi!");
}

#[::core::prelude::v1::test]
fn every_code_is_listed_and_documented() {
    use crate::errors::CallKind;
    use crate::params::ParamError;
    let all = [
        ApiError::CredentialsMissing,
        ApiError::InvalidCredentials(CallKind::Create),
        ApiError::ShopNotActive,
        ApiError::FeeUnpaid,
        ApiError::NoReceivingCard,
        ApiError::InvalidAmount,
        ApiError::AmountTooLarge {
            max: payments_core::Money::from_tiyin(100),
        },
        ApiError::AmountBusy {
            amount: payments_core::Money::from_tiyin(5_000_000),
            wait_minutes: 15,
        },
        ApiError::OrderMissing,
        ApiError::OrderNotFound,
        ApiError::AlreadyCancelled,
        ApiError::AlreadyPaid,
        ApiError::UnknownMethod,
        ApiError::MethodNotAllowed,
        ApiError::BadRequest(ParamError::MalformedJson),
        ApiError::BadRequest(ParamError::TooLarge),
        ApiError::Throttled { retry_after: 1 },
        ApiError::Unavailable,
        ApiError::Internal,
    ];
    let codes: Vec<&str> = all.iter().map(ApiError::code).collect();
    assert_eq!(codes, ApiError::CODES);
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/rasmiypay.md"
    ))
    .unwrap_or_default();
    for e in &all {
        let row = format!("`{}`", e.code());
        assert!(doc.contains(&row), "docs/rasmiypay.md does not list {row}");
        if !matches!(e, ApiError::Throttled { .. } | ApiError::BadRequest(_)) {
            assert!(
                doc.contains(e.message().as_ref()),
                "docs/rasmiypay.md lacks {:?}",
                e.message()
            );
        }
    }
}
