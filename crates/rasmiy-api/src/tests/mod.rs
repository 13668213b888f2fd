//! The handlers end to end over actix's test server, on the real store (a fresh SQLite file per
//! test) and a hand-moved clock. The black-box tests at the workspace root repeat the important
//! ones against the real binary; these also reach what those cannot (exact times, a store that
//! times out or breaks under a running handler).
#![allow(clippy::unwrap_used)]

mod calls;
mod errors;
mod hostile;

use crate::{RasmiyConfig, routes};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::{App, test, web};
use payments_core::{
    CardNumber, Clock, KeyHasher, MonthStatus, OrderCode, Page, Payments, PaymentsConfig,
    RandomIds, ShopDraft, ShopId, ShopKey, ShopKind, ShopStatus, Store, ThrottleConfig,
};
use payments_store::{DieselStore, PoolOptions};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use time::macros::datetime;

pub const PUBLIC_URL: &str = "https://kassa.test/";

/// A clock the test moves by hand.
pub struct TestClock(Mutex<OffsetDateTime>);

impl TestClock {
    pub fn advance(&self, by: time::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A payments domain over the real store on a fresh SQLite file, with the document's shops and
/// a few that may not take payments.
pub struct Fixture {
    pub payments: Payments,
    pub store: Arc<DieselStore>,
    pub clock: Arc<TestClock>,
    /// The database file, for a second connection of the test's own.
    pub db_path: PathBuf,
    shop_ids: Vec<ShopId>,
    _dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture::with_pool(PoolOptions::default())
    }

    pub fn with_pool(options: PoolOptions) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let db_path = dir.path().join("kassa.db");
        let store = Arc::new(DieselStore::open_with(db_path.to_str().unwrap(), options).unwrap());
        // 2026-06-18 17:26:00 UTC is 22:26:00 in Tashkent.
        let clock = Arc::new(TestClock(Mutex::new(datetime!(2026-06-18 17:26:00 UTC))));
        let config = PaymentsConfig {
            throttle: ThrottleConfig {
                max_failures: 3,
                ..ThrottleConfig::default()
            },
            ..PaymentsConfig::default()
        };
        let payments = Payments::with_ports(
            store.clone(),
            clock.clone(),
            Arc::new(RandomIds),
            KeyHasher::new(b"rasmiy-api tests secret").unwrap(),
            config,
        );
        let card = Some(CardNumber::parse("8600123456786224").unwrap());
        let shops = [
            (
                695008,
                "Z631XLBO7O",
                "Do'kon nomi",
                ShopKind::Page,
                ShopStatus::Confirm,
                MonthStatus::Paid,
                card.clone(),
            ),
            (
                101,
                "test_key_123",
                "Test Shop",
                ShopKind::Api,
                ShopStatus::Confirm,
                MonthStatus::Paid,
                card.clone(),
            ),
            (
                102,
                "test_key_456",
                "Demo Store",
                ShopKind::Api,
                ShopStatus::Confirm,
                MonthStatus::Paid,
                card.clone(),
            ),
            (
                201,
                "pending_key_1",
                "Pending",
                ShopKind::Api,
                ShopStatus::Pending,
                MonthStatus::Paid,
                card.clone(),
            ),
            (
                202,
                "blocked_key_1",
                "Blocked",
                ShopKind::Api,
                ShopStatus::Blocked,
                MonthStatus::Paid,
                card.clone(),
            ),
            (
                203,
                "unpaid_key_1",
                "Unpaid",
                ShopKind::Api,
                ShopStatus::Confirm,
                MonthStatus::Unpaid,
                card.clone(),
            ),
            (
                204,
                "nocard_key_1",
                "No card",
                ShopKind::Api,
                ShopStatus::Confirm,
                MonthStatus::Paid,
                None,
            ),
        ];
        let mut shop_ids = Vec::new();
        for (id, key, name, kind, status, month_status, card) in shops {
            let (shop, _) = payments
                .add_shop(ShopDraft {
                    id: ShopId::parse(&id.to_string()).ok(),
                    key: ShopKey::new_secret(key).ok(),
                    name: name.to_owned(),
                    user_id: 123456789,
                    kind,
                    status,
                    month_status,
                    card,
                    callback_url: None,
                })
                .unwrap();
            shop_ids.push(shop.id);
        }
        Fixture {
            payments,
            store,
            clock,
            db_path,
            shop_ids,
            _dir: dir,
        }
    }

    /// Orders of every shop, as the database holds them.
    pub fn order_count(&self) -> u64 {
        let page = Page {
            limit: 1,
            offset: 0,
        };
        self.shop_ids
            .iter()
            .map(|&shop| self.store.orders(shop, page).unwrap().total)
            .sum()
    }

    pub fn confirm(&self, code: &str) {
        self.payments
            .confirm(&OrderCode::parse(code).unwrap())
            .unwrap();
    }
}

/// One answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: actix_web::http::header::HeaderMap,
    pub json: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    #[track_caller]
    pub fn assert_error(&self, http: u16, code: &str, message: &str) {
        assert_eq!(self.status, http, "{}", self.json);
        assert_eq!(
            self.json,
            serde_json::json!({"status": "error", "message": message, "code": code}),
        );
    }
}

pub async fn app(
    fx: &Fixture,
) -> impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error> {
    test::init_service(
        App::new()
            .app_data(web::Data::new(fx.payments.clone()))
            .configure(routes(RasmiyConfig {
                public_url: PUBLIC_URL.to_owned(),
            })),
    )
    .await
}

pub async fn send<S>(app: &S, req: test::TestRequest) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let resp = test::call_service(app, req.to_request()).await;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = test::read_body(resp).await;
    let json = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&body)));
    Answer {
        status,
        headers,
        json,
    }
}

pub fn get(query: &str) -> test::TestRequest {
    test::TestRequest::get().uri(&format!("/api?{query}"))
}

pub fn post_form(query: &str, form: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri(&format!("/api?{query}"))
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(form.to_owned())
}

pub fn post_json(query: &str, json: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri(&format!("/api?{query}"))
        .insert_header(("content-type", "application/json"))
        .set_payload(json.to_owned())
}

pub fn post_raw(content_type: Option<&str>, body: Vec<u8>) -> test::TestRequest {
    let mut req = test::TestRequest::post().uri("/api");
    if let Some(ct) = content_type {
        req = req.insert_header(("content-type", ct));
    }
    req.set_payload(body)
}

pub fn post_multipart(query: &str, fields: &[(&str, &str)]) -> test::TestRequest {
    let boundary = "----kassa-test-boundary";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    post_raw(
        Some(&format!("multipart/form-data; boundary={boundary}")),
        body.into_bytes(),
    )
    .uri(&format!("/api?{query}"))
}

pub fn with_method(method: Method, query: &str) -> test::TestRequest {
    test::TestRequest::default()
        .method(method)
        .uri(&format!("/api?{query}"))
}

/// Creates an order for the page shop and returns its code.
pub async fn create<S>(app: &S, shop: &str, key: &str, amount: &str) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let a = send(
        app,
        get(&format!(
            "method=create&shop_id={shop}&shop_key={key}&amount={amount}"
        )),
    )
    .await;
    assert_eq!(a.json["status"], "success", "{}", a.json);
    a.json["order"].as_str().unwrap().to_owned()
}
