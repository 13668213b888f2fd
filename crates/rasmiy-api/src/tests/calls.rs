//! Every call in every request form, with the exact shapes of the document.

use super::*;
use serde_json::json;

const PAGE: &str = "shop_id=695008&shop_key=Z631XLBO7O";

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    k.sort_unstable();
    k
}

#[actix_web::test]
async fn create_in_every_form_gives_the_document_shape() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let requests = [
        get(&format!("method=create&{PAGE}&amount=50000")),
        post_form("method=create", &format!("{PAGE}&amount=50000")),
        post_form("", &format!("method=create&{PAGE}&amount=50000.00")),
        post_json(
            "method=create",
            r#"{"shop_id":"695008","shop_key":"Z631XLBO7O","amount":50000}"#,
        ),
        post_json(
            "",
            r#"{"method":"create","shop_id":695008,"shop_key":"Z631XLBO7O","amount":50000.00}"#,
        ),
        post_json(
            "method=create",
            r#"{"shop_id":"695008","shop_key":"Z631XLBO7O","amount":"50000"}"#,
        ),
        post_multipart(
            "method=create",
            &[
                ("shop_id", "695008"),
                ("shop_key", "Z631XLBO7O"),
                ("amount", "50000"),
            ],
        ),
    ];
    let mut codes = Vec::new();
    for (i, req) in requests.into_iter().enumerate() {
        let a = send(&app, req).await;
        assert_eq!(a.status, 200, "request {i}: {}", a.json);
        let j = &a.json;
        assert_eq!(j["status"], "success", "request {i}: {j}");
        assert_eq!(
            j["data"],
            json!({"amount": "50000", "shop_id": "695008", "shop_key": "Z631XLBO7O"}),
            "request {i}"
        );
        let code = j["order"].as_str().unwrap();
        assert!(code.len() >= 16 && code.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(j["insert_id"], json!(i + 1));
        let token = j["pay_url"]
            .as_str()
            .unwrap()
            .strip_prefix("https://kassa.test/pay/")
            .unwrap();
        assert!(!token.is_empty() && !token.contains(code));
        // Each pending order of the same amount on one card pays one tiyin more.
        let payable = payments_core::Money::from_tiyin(5_000_000 + i as i64).to_string();
        assert_eq!(j["payable_amount"], payable.as_str());
        assert_eq!(j["card"], "8600123456786224");
        assert_eq!(j["expires_at"], "2026-06-18 22:31:00");
        assert_eq!(j["expires_in"], 300);
        assert_eq!(
            keys(j),
            [
                "card",
                "data",
                "expires_at",
                "expires_in",
                "insert_id",
                "order",
                "pay_url",
                "payable_amount",
                "status"
            ]
        );
        codes.push(code.to_owned());
    }
    codes.dedup();
    assert_eq!(codes.len(), 7, "every order has its own code");
}

#[actix_web::test]
async fn create_keeps_the_documents_field_order() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let resp = test::call_service(
        &app,
        get(&format!("method=create&{PAGE}&amount=50000")).to_request(),
    )
    .await;
    let body = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    let at = |s: &str| body.find(s).unwrap();
    assert!(at("\"status\"") < at("\"order\""));
    assert!(at("\"order\"") < at("\"insert_id\""));
    assert!(at("\"insert_id\"") < at("\"data\""));
    assert!(at("\"data\"") < at("\"pay_url\""));
    assert!(
        body.starts_with(r#"{"status":"success","order":""#),
        "{body}"
    );
}

#[actix_web::test]
async fn api_shops_get_no_pay_url_and_amounts_keep_tiyin() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let a = send(
        &app,
        get("method=create&shop_id=101&shop_key=test_key_123&amount=1000.5"),
    )
    .await;
    assert_eq!(a.json["status"], "success", "{}", a.json);
    assert!(a.json.get("pay_url").is_none());
    assert_eq!(a.json["data"]["amount"], "1000.50");
    assert_eq!(a.json["data"]["shop_id"], "101");
    assert_eq!(a.json["payable_amount"], "1000.50");
}

#[actix_web::test]
async fn check_shows_pending_paid_and_cancel() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let code = create(&app, "695008", "Z631XLBO7O", "50000").await;
    for req in [
        get(&format!("method=check&order={code}")),
        post_form("method=check", &format!("order={code}")),
        post_json("", &format!(r#"{{"method":"check","order":"{code}"}}"#)),
        post_multipart("", &[("method", "check"), ("order", &code)]),
    ] {
        let a = send(&app, req).await;
        assert_eq!(a.status, 200);
        assert_eq!(
            a.json,
            json!({
                "status": "success",
                "order": code,
                "data": {"amount": "50000", "status": "pending", "date": "2026-06-18 22:26:00"},
                "payable_amount": "50000",
                "expires_at": "2026-06-18 22:31:00",
                "expires_in": 300,
            })
        );
    }
    fx.confirm(&code);
    let a = send(&app, get(&format!("method=check&order={code}"))).await;
    assert_eq!(a.json["data"]["status"], "paid");
    assert_eq!(a.json["expires_in"], 0);

    let cancelled = create(&app, "695008", "Z631XLBO7O", "7000").await;
    send(&app, get(&format!("method=cancel&order={cancelled}"))).await;
    let a = send(&app, get(&format!("method=check&order={cancelled}"))).await;
    assert_eq!(a.json["data"]["status"], "cancel");
}

#[actix_web::test]
async fn an_overdue_order_shows_cancel_and_cannot_be_cancelled() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let code = create(&app, "101", "test_key_123", "50000").await;
    fx.clock.advance(time::Duration::seconds(299));
    let a = send(&app, get(&format!("method=check&order={code}"))).await;
    assert_eq!(a.json["data"]["status"], "pending");
    assert_eq!(a.json["expires_in"], 1);
    fx.clock.advance(time::Duration::seconds(1));
    let a = send(&app, get(&format!("method=check&order={code}"))).await;
    assert_eq!(a.json["data"]["status"], "cancel");
    assert_eq!(a.json["expires_in"], 0);
    send(&app, get(&format!("method=cancel&order={code}")))
        .await
        .assert_error(
            200,
            "order_already_cancelled",
            "Bu order allaqachon bekor qilingan!",
        );
}

#[actix_web::test]
async fn cancel_once_then_refused() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    for (i, form) in ["get", "form", "json", "multipart"].into_iter().enumerate() {
        let code = create(&app, "695008", "Z631XLBO7O", &format!("{}", 1000 + i)).await;
        let req = match form {
            "get" => with_method(Method::POST, &format!("method=cancel&order={code}")),
            "form" => post_form("", &format!("method=cancel&order={code}")),
            "json" => post_json("method=cancel", &format!(r#"{{"order":"{code}"}}"#)),
            _ => post_multipart("method=cancel", &[("order", &code)]),
        };
        let a = send(&app, req).await;
        assert_eq!(
            a.json,
            json!({"status": "success", "message": "Buyurtma muvaffaqiyatli bekor qilindi.", "order": code}),
            "{form}"
        );
        send(&app, get(&format!("method=cancel&order={code}")))
            .await
            .assert_error(
                200,
                "order_already_cancelled",
                "Bu order allaqachon bekor qilingan!",
            );
    }
}

#[actix_web::test]
async fn cancel_after_paid_is_refused() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let code = create(&app, "695008", "Z631XLBO7O", "50000").await;
    fx.confirm(&code);
    send(&app, get(&format!("method=cancel&order={code}")))
        .await
        .assert_error(200, "order_already_paid", "Bu order allaqachon to'langan!");
}

#[actix_web::test]
async fn shop_info_in_every_form() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let want = |balance: &str| {
        json!({"status": "success", "data": {
            "user_id": 123456789, "shop_id": "695008", "shop_name": "Do'kon nomi",
            "balance": balance, "status": "confirm", "month_status": "Toʻlandi"}})
    };
    for req in [
        get(PAGE),
        get(&format!("method=&{PAGE}")),
        post_form("", PAGE),
        post_json("", r#"{"shop_id":695008,"shop_key":"Z631XLBO7O"}"#),
        post_multipart("", &[("shop_id", "695008"), ("shop_key", "Z631XLBO7O")]),
    ] {
        let a = send(&app, req).await;
        assert_eq!(a.status, 200);
        assert_eq!(a.json, want("0"));
    }
    let code = create(&app, "695008", "Z631XLBO7O", "100000").await;
    fx.confirm(&code);
    let code = create(&app, "695008", "Z631XLBO7O", "0.5").await;
    fx.confirm(&code);
    assert_eq!(send(&app, get(PAGE)).await.json, want("100000.50"));
}

#[actix_web::test]
async fn shop_info_shows_shops_that_cannot_take_payments() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let a = send(&app, get("shop_id=202&shop_key=blocked_key_1")).await;
    assert_eq!(a.json["data"]["status"], "blocked");
    let a = send(&app, get("shop_id=203&shop_key=unpaid_key_1")).await;
    assert_eq!(a.json["data"]["month_status"], "Toʻlanmagan");
}

#[actix_web::test]
async fn method_names_ignore_case_and_spaces() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let a = send(
        &app,
        get(&format!("method=%20Create%20&{PAGE}&amount=50000")),
    )
    .await;
    assert_eq!(a.json["status"], "success");
}

#[actix_web::test]
async fn orders_made_elsewhere_are_found_by_payment_id_too() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let code = create(&app, "101", "test_key_123", "5000").await;
    let payment_id = fx
        .payments
        .order(&OrderCode::parse(&code).unwrap())
        .unwrap()
        .order
        .codes
        .payment_id;
    let a = send(&app, get(&format!("method=check&order={payment_id}"))).await;
    assert_eq!(a.json["order"], code.as_str());
}
