//! The RasmiyPay dialect against the real `kassa` binary over HTTP, on a real (temporary SQLite)
//! database: every call in GET, form, JSON and multipart form, every error of the document,
//! the order life cycle, throttling, and hostile bodies.

mod common;

use common::{Resp, Server};
use serde_json::{Value, json};

const PAGE_ID: &str = "695008";
const PAGE_KEY: &str = "Z631XLBO7O";

/// How a request's parameters travel.
#[derive(Clone, Copy, Debug)]
enum Form {
    Get,
    Urlencoded,
    Json,
    Multipart,
}

const FORMS: [Form; 4] = [Form::Get, Form::Urlencoded, Form::Json, Form::Multipart];

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn query(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn multipart(params: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "----KassaBoundary7MA4YWxkTrZu0gW";
    let mut body = String::new();
    for (k, v) in params {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

/// Sends the RasmiyPay call with its parameters in the given form. JSON sends every value as a
/// string except `amount`, which goes as the number it is (keeping its text).
fn call(s: &Server, form: Form, params: &[(&str, &str)]) -> Resp {
    match form {
        Form::Get => s.get(&format!("/api?{}", query(params))),
        Form::Urlencoded => s.post_form("/api", params),
        Form::Json => {
            let mut raw = String::from("{");
            for (i, (k, v)) in params.iter().enumerate() {
                if i > 0 {
                    raw.push(',');
                }
                let value = if *k == "amount"
                    && !v.is_empty()
                    && v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                {
                    (*v).to_owned()
                } else {
                    Value::String((*v).to_owned()).to_string()
                };
                raw.push_str(&format!("{}:{}", Value::String((*k).to_owned()), value));
            }
            raw.push('}');
            s.post_raw("/api", Some("application/json"), raw.as_bytes())
        }
        Form::Multipart => {
            let (ct, body) = multipart(params);
            s.post_raw("/api", Some(&ct), &body)
        }
    }
}

#[track_caller]
fn assert_error(r: &Resp, http: u16, code: &str, message: &str) {
    assert_eq!(r.status, http, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"status": "error", "message": message, "code": code}),
        "{}",
        r.body
    );
}

fn create(s: &Server, shop: &str, key: &str, amount: &str) -> Value {
    let r = call(
        s,
        Form::Get,
        &[
            ("method", "create"),
            ("shop_id", shop),
            ("shop_key", key),
            ("amount", amount),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert_eq!(j["status"], "success", "{j}");
    j
}

fn code_of(created: &Value) -> String {
    created["order"].as_str().expect("order code").to_owned()
}

fn is_datetime(v: &Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    let b = s.as_bytes();
    b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn every_call_in_every_form() {
    let s = Server::demo();
    for form in FORMS {
        // create: the document's shape, amount canonical whatever its spelling.
        for amount in ["50000", "50000.00"] {
            let r = call(
                &s,
                form,
                &[
                    ("method", "create"),
                    ("shop_id", PAGE_ID),
                    ("shop_key", PAGE_KEY),
                    ("amount", amount),
                ],
            );
            assert_eq!(r.status, 200, "{form:?}: {}", r.body);
            let j = r.json();
            assert_eq!(j["status"], "success", "{form:?}: {j}");
            assert_eq!(
                j["data"],
                json!({"amount": "50000", "shop_id": PAGE_ID, "shop_key": PAGE_KEY}),
                "{form:?}"
            );
            assert!(j["insert_id"].is_i64(), "{j}");
            assert!(j["pay_url"].is_string(), "{j}");
            assert_eq!(
                j["payable_amount"].as_str().map(|a| a.starts_with("50000")),
                Some(true),
                "{j}"
            );
            assert!(
                j["card"]
                    .as_str()
                    .is_some_and(|c| c.len() == 16 && c.bytes().all(|b| b.is_ascii_digit()))
            );
            assert!(is_datetime(&j["expires_at"]), "{j}");
            assert!(
                j["expires_in"].as_i64().is_some_and(|n| n > 0 && n <= 300),
                "{j}"
            );
        }
        let order = code_of(&create(&s, PAGE_ID, PAGE_KEY, "12000"));

        // check
        let r = call(&s, form, &[("method", "check"), ("order", &order)]);
        assert_eq!(r.status, 200);
        let j = r.json();
        assert_eq!(j["status"], "success", "{form:?}: {j}");
        assert_eq!(j["order"], order.as_str());
        assert_eq!(j["data"]["amount"], "12000");
        assert_eq!(j["data"]["status"], "pending");
        assert!(is_datetime(&j["data"]["date"]), "{j}");
        assert_eq!(
            j["data"].as_object().map(|o| o.len()),
            Some(3),
            "data holds amount, status, date only: {j}"
        );

        // cancel, twice
        let r = call(&s, form, &[("method", "cancel"), ("order", &order)]);
        assert_eq!(
            r.json(),
            json!({"status": "success", "message": "Buyurtma muvaffaqiyatli bekor qilindi.", "order": order}),
            "{form:?}"
        );
        let r = call(&s, form, &[("method", "cancel"), ("order", &order)]);
        assert_error(
            &r,
            200,
            "order_already_cancelled",
            "Bu order allaqachon bekor qilingan!",
        );
        let r = call(&s, form, &[("method", "check"), ("order", &order)]);
        assert_eq!(r.json()["data"]["status"], "cancel");

        // shop info
        let r = call(&s, form, &[("shop_id", PAGE_ID), ("shop_key", PAGE_KEY)]);
        assert_eq!(r.status, 200);
        let j = r.json();
        assert_eq!(j["status"], "success", "{form:?}: {j}");
        let data = &j["data"];
        assert_eq!(data["user_id"], 123456789);
        assert_eq!(data["shop_id"], PAGE_ID);
        assert_eq!(data["shop_name"], "Do'kon nomi");
        assert!(data["balance"].is_string(), "{j}");
        assert_eq!(data["status"], "confirm");
        assert_eq!(data["month_status"], "Toʻlandi");
    }
}

#[test]
fn paid_orders_credit_the_balance_and_cannot_be_cancelled() {
    let s = Server::demo();
    let info = |s: &Server| {
        call(
            s,
            Form::Get,
            &[("shop_id", "101"), ("shop_key", "test_key_123")],
        )
        .json()
    };
    let before = info(&s)["data"]["balance"]
        .as_str()
        .expect("balance")
        .to_owned();
    let created = create(&s, "101", "test_key_123", "1000.5");
    assert_eq!(created["data"]["amount"], "1000.50");
    assert!(
        created.get("pay_url").is_none(),
        "api shops get no pay_url: {created}"
    );
    let order = code_of(&created);
    let r = s.confirm(&order);
    assert!(r.status < 300, "confirm: {} {}", r.status, r.body);

    let j = call(&s, Form::Get, &[("method", "check"), ("order", &order)]).json();
    assert_eq!(j["data"]["status"], "paid");
    let r = call(&s, Form::Get, &[("method", "cancel"), ("order", &order)]);
    assert_error(
        &r,
        200,
        "order_already_paid",
        "Bu order allaqachon to'langan!",
    );
    let r = call(
        &s,
        Form::Urlencoded,
        &[("method", "cancel"), ("order", &order)],
    );
    assert_error(
        &r,
        200,
        "order_already_paid",
        "Bu order allaqachon to'langan!",
    );

    let after = info(&s)["data"]["balance"]
        .as_str()
        .expect("balance")
        .to_owned();
    let tiyin = |t: &str| -> i64 {
        let (w, f) = t.split_once('.').unwrap_or((t, "00"));
        w.parse::<i64>().expect("whole") * 100 + format!("{f:0<2}").parse::<i64>().expect("frac")
    };
    assert_eq!(
        tiyin(&after) - tiyin(&before),
        100_050,
        "{before} → {after}"
    );
}

#[test]
fn an_expired_order_shows_cancel() {
    let s = Server::demo_with(&[("KASSA_ORDER_TTL", "2s")]);
    let created = create(&s, PAGE_ID, PAGE_KEY, "5000");
    assert!(
        created["expires_in"].as_i64().is_some_and(|n| n <= 2),
        "{created}"
    );
    let order = code_of(&created);
    assert_eq!(
        call(&s, Form::Get, &[("method", "check"), ("order", &order)]).json()["data"]["status"],
        "pending"
    );
    std::thread::sleep(std::time::Duration::from_millis(3200));
    let j = call(&s, Form::Get, &[("method", "check"), ("order", &order)]).json();
    assert_eq!(j["data"]["status"], "cancel", "{j}");
    let r = call(&s, Form::Json, &[("method", "cancel"), ("order", &order)]);
    assert_error(
        &r,
        200,
        "order_already_cancelled",
        "Bu order allaqachon bekor qilingan!",
    );
}

#[test]
fn page_shops_get_a_pay_url() {
    let s = Server::demo();
    let created = create(&s, PAGE_ID, PAGE_KEY, "50000");
    let url = created["pay_url"].as_str().expect("pay_url");
    let (base, token) = url.rsplit_once("/pay/").expect("…/pay/<token>");
    assert!(base.starts_with("http"), "{url}");
    assert!(
        !token.is_empty() && token.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{url}"
    );
    assert!(
        !url.contains(&code_of(&created)),
        "the pay page token is not the order code"
    );
    let api = create(&s, "102", "test_key_456", "50000");
    assert!(api.get("pay_url").is_none(), "{api}");
}

fn admin_shop(
    s: &Server,
    status: &str,
    month_status: &str,
    card: Option<&str>,
) -> (String, String) {
    let r = s.admin(
        "POST",
        "/admin/shops",
        Some(
            json!({"name": format!("Shop {status} {month_status}"), "user_id": 42,
                    "kind": "api", "status": status, "month_status": month_status, "card": card}),
        ),
    );
    assert!(r.status < 300, "admin create shop: {} {}", r.status, r.body);
    let j = r.json();
    let id = match &j["shop_id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    (id, j["shop_key"].as_str().expect("shop_key").to_owned())
}

#[test]
fn every_error_in_the_originals_words() {
    let s = Server::demo();
    let card = Some("8600123456786224");
    let (pending, pending_key) = admin_shop(&s, "pending", "Toʻlandi", card);
    let (blocked, blocked_key) = admin_shop(&s, "blocked", "Toʻlandi", card);
    let (unpaid, unpaid_key) = admin_shop(&s, "confirm", "Toʻlanmagan", card);
    let (nocard, nocard_key) = admin_shop(&s, "confirm", "Toʻlandi", None);
    let missing = "shop_id yoki shop_key yuborilmadi!";
    for form in FORMS {
        let create = |shop: &str, key: &str, amount: Option<&str>| {
            let mut p = vec![("method", "create")];
            if !shop.is_empty() {
                p.push(("shop_id", shop));
            }
            if !key.is_empty() {
                p.push(("shop_key", key));
            }
            if let Some(a) = amount {
                p.push(("amount", a));
            }
            call(&s, form, &p)
        };
        assert_error(
            &create("", PAGE_KEY, Some("5")),
            200,
            "credentials_missing",
            missing,
        );
        assert_error(
            &create(PAGE_ID, "", Some("5")),
            200,
            "credentials_missing",
            missing,
        );
        assert_error(
            &create("999999", PAGE_KEY, Some("5")),
            200,
            "invalid_credentials",
            "Do'kon topilmadi!",
        );
        assert_error(
            &create(PAGE_ID, "WRONGKEY00", Some("5")),
            200,
            "invalid_credentials",
            "Do'kon topilmadi!",
        );
        assert_error(
            &create(&pending, &pending_key, Some("5")),
            200,
            "shop_not_active",
            "Do'kon faol emas!",
        );
        assert_error(
            &create(&blocked, &blocked_key, Some("5")),
            200,
            "shop_not_active",
            "Do'kon faol emas!",
        );
        assert_error(
            &create(&unpaid, &unpaid_key, Some("5")),
            200,
            "fee_unpaid",
            "Oylik to'lov qilinmagan!",
        );
        assert_error(
            &create(&nocard, &nocard_key, Some("5")),
            200,
            "no_receiving_card",
            "Hisob ulanmagan!",
        );
        assert_error(
            &create(PAGE_ID, PAGE_KEY, None),
            200,
            "invalid_amount",
            "Miqdor noto'g'ri!",
        );
        for bad in ["", "0", "-5", "1e3", "NaN", "1,000", "1.001", "abc"] {
            assert_error(
                &create(PAGE_ID, PAGE_KEY, Some(bad)),
                200,
                "invalid_amount",
                "Miqdor noto'g'ri!",
            );
        }
        let r = create(PAGE_ID, PAGE_KEY, Some("1000000000000"));
        assert_eq!(r.json()["code"], "amount_too_large", "{}", r.body);
        assert_eq!(r.json()["message"], "Miqdor noto'g'ri!");

        for method in ["check", "cancel"] {
            assert_error(
                &call(&s, form, &[("method", method)]),
                200,
                "order_missing",
                "order kodi yuborilmadi!",
            );
            assert_error(
                &call(&s, form, &[("method", method), ("order", "nosuchorder123")]),
                200,
                "order_not_found",
                "Bunday order topilmadi!",
            );
        }

        let unknown = "Bunday shop_id yoki shop_key topilmadi!";
        assert_error(
            &call(&s, form, &[("shop_id", PAGE_ID)]),
            200,
            "credentials_missing",
            missing,
        );
        assert_error(
            &call(&s, form, &[("shop_key", PAGE_KEY)]),
            200,
            "credentials_missing",
            missing,
        );
        assert_error(
            &call(&s, form, &[("shop_id", "999999"), ("shop_key", PAGE_KEY)]),
            200,
            "invalid_credentials",
            unknown,
        );
        assert_error(
            &call(
                &s,
                form,
                &[("shop_id", PAGE_ID), ("shop_key", "WRONGKEY00")],
            ),
            200,
            "invalid_credentials",
            unknown,
        );

        assert_error(
            &call(&s, form, &[("method", "refund"), ("order", "x")]),
            200,
            "unknown_method",
            "Noma'lum method! Mavjudlari: create, check, cancel.",
        );
    }
    let r = s.request("PUT", "/api?method=check&order=x", &[], None);
    assert_error(
        &r,
        405,
        "method_not_allowed",
        "Faqat GET va POST so'rovlari qabul qilinadi!",
    );
}

#[test]
fn a_wrong_key_reads_exactly_as_an_unknown_shop() {
    let s = Server::demo();
    for form in FORMS {
        // A right key clears this client's wrong-key count, keeping the throttle out of this test.
        let ok = call(&s, form, &[("shop_id", PAGE_ID), ("shop_key", PAGE_KEY)]);
        assert_eq!(ok.json()["status"], "success");
        for method in [Some("create"), None] {
            let ask = |shop: &str| {
                let mut p = vec![
                    ("shop_id", shop),
                    ("shop_key", "WRONGKEY00"),
                    ("amount", "5000"),
                ];
                if let Some(m) = method {
                    p.push(("method", m));
                }
                call(&s, form, &p)
            };
            let (wrong, unknown) = (ask(PAGE_ID), ask("695009"));
            assert_eq!(
                (wrong.status, wrong.body),
                (unknown.status, unknown.body),
                "{form:?} {method:?}"
            );
        }
    }
}

#[test]
fn repeated_wrong_keys_are_throttled_for_that_shop_only() {
    let s = Server::demo();
    let wrong = [("shop_id", "101"), ("shop_key", "WRONGKEY00")];
    let mut throttled = None;
    for i in 0..60 {
        let r = call(&s, Form::Get, &wrong);
        if r.status == 429 {
            throttled = Some(r);
            break;
        }
        assert_error(
            &r,
            200,
            "invalid_credentials",
            "Bunday shop_id yoki shop_key topilmadi!",
        );
        assert!(i < 59, "never throttled");
    }
    let r = throttled.expect("429");
    let j = r.json();
    assert_eq!(j["status"], "error");
    assert_eq!(j["code"], "too_many_requests");
    assert!(j["message"].as_str().is_some_and(|m| !m.is_empty()));
    let retry: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!(retry > 0);
    // This client is locked out of shop 101 even with the right key, in every call…
    let r = call(
        &s,
        Form::Get,
        &[("shop_id", "101"), ("shop_key", "test_key_123")],
    );
    assert_eq!(r.status, 429, "{}", r.body);
    let r = call(
        &s,
        Form::Json,
        &[
            ("method", "create"),
            ("shop_id", "101"),
            ("shop_key", "test_key_123"),
            ("amount", "5"),
        ],
    );
    assert_eq!(r.status, 429, "{}", r.body);
    // …while other shops, checks and cancels go on unhindered.
    let r = call(
        &s,
        Form::Get,
        &[("shop_id", "102"), ("shop_key", "test_key_456")],
    );
    assert_eq!(r.json()["status"], "success", "{}", r.body);
    let order = code_of(&create(&s, "102", "test_key_456", "5000"));
    let r = call(&s, Form::Get, &[("method", "check"), ("order", &order)]);
    assert_eq!(r.json()["status"], "success");
}

#[test]
fn hostile_requests_get_clear_errors_and_create_nothing() {
    let s = Server::demo();
    let first = create(&s, "101", "test_key_123", "1000")["insert_id"]
        .as_i64()
        .expect("insert_id");
    let creds = "method=create&shop_id=101&shop_key=test_key_123";
    let huge = format!("{creds}&amount=5000&note={}", "x".repeat(100_000));
    let huge_json = format!(
        r#"{{"method":"create","shop_id":"101","shop_key":"test_key_123","amount":5000,"note":"{}"}}"#,
        "x".repeat(100_000)
    );
    let cases: Vec<(&str, Option<&str>, Vec<u8>)> = vec![
        ("malformed JSON", Some("application/json"), br#"{"method":"create","shop_id":"101","shop_key":"test_key_123","amount":5000"#.to_vec()),
        ("JSON array", Some("application/json"), br#"["create", 101, "test_key_123", 5000]"#.to_vec()),
        ("invalid UTF-8 JSON", Some("application/json"), b"{\"method\":\"create\",\"shop_id\":\"101\",\"shop_key\":\"test_key_123\",\"amount\":5000,\"n\":\"\xff\xfe\"}".to_vec()),
        ("invalid UTF-8 form", Some("application/x-www-form-urlencoded"), [creds.as_bytes(), b"&amount=5000&n=\xc3\x28"].concat()),
        ("percent-encoded invalid UTF-8", Some("application/x-www-form-urlencoded"), format!("{creds}&amount=5000&n=%C3%28").into_bytes()),
        ("NUL in form", Some("application/x-www-form-urlencoded"), format!("{creds}&amount=5000%00").into_bytes()),
        ("raw NUL in form", Some("application/x-www-form-urlencoded"), format!("{creds}&amount=5000\0").into_bytes()),
        ("NUL in JSON", Some("application/json"), br#"{"method":"create","shop_id":"101","shop_key":"test_key_123\u0000","amount":5000}"#.to_vec()),
        ("100 kB form value", Some("application/x-www-form-urlencoded"), huge.clone().into_bytes()),
        ("100 kB JSON value", Some("application/json"), huge_json.into_bytes()),
        ("100 kB without content type", None, huge.into_bytes()),
        ("broken multipart", Some("multipart/form-data; boundary=zzz"), b"--zzz\r\nContent-Disposition: form-data; name=\"method\"\r\n\r\ncreate".to_vec()),
        ("multipart without boundary", Some("multipart/form-data"), b"--zzz\r\n\r\n".to_vec()),
        ("binary garbage", None, (0u8..=255).cycle().take(4096).collect()),
    ];
    for (name, ct, body) in &cases {
        let r = s.post_raw("/api", *ct, body);
        assert!(r.status < 500, "{name}: {} {}", r.status, r.body);
        assert_ne!(r.status, 200, "{name}: {}", r.body);
        let j = r.json();
        assert_eq!(j["status"], "error", "{name}: {j}");
        assert!(
            j["code"].as_str().is_some_and(|c| !c.is_empty()),
            "{name}: {j}"
        );
        assert!(
            j["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{name}: {j}"
        );
    }
    let next = create(&s, "101", "test_key_123", "1000")["insert_id"]
        .as_i64()
        .expect("insert_id");
    assert_eq!(next, first + 1, "a hostile request created an order");
}

#[test]
fn php_request_semantics() {
    let s = Server::demo();
    // No content type: sniffed as a form, or as JSON when it is an object.
    let r = s.post_raw(
        "/api",
        None,
        b"method=create&shop_id=101&shop_key=test_key_123&amount=5000",
    );
    assert_eq!(r.json()["data"]["amount"], "5000", "{}", r.body);
    let r = s.post_raw(
        "/api",
        None,
        br#"{"method":"create","shop_id":101,"shop_key":"test_key_123","amount":5000.00}"#,
    );
    assert_eq!(r.json()["data"]["amount"], "5000", "{}", r.body);
    // The body wins over the query string; the last of a repeated name wins.
    let r = s.post_form(
        "/api?method=check&shop_id=1&amount=1",
        &[
            ("method", "create"),
            ("shop_id", "101"),
            ("shop_key", "test_key_123"),
            ("amount", "2"),
            ("amount", "3"),
        ],
    );
    assert_eq!(r.json()["data"]["amount"], "3", "{}", r.body);
    let r = s.post_json(
        "/api?method=create&amount=999",
        &json!({"shop_id": "101", "shop_key": "test_key_123", "amount": "4.50"}),
    );
    assert_eq!(r.json()["data"]["amount"], "4.50", "{}", r.body);
    let r = s.get("/api?method=create&shop_id=101&shop_key=test_key_123&amount=1&amount=6");
    assert_eq!(r.json()["data"]["amount"], "6", "{}", r.body);
    // The document's own spelling: method in the query, the rest in the body.
    let r = s.post_form(
        "/api?method=create",
        &[
            ("shop_id", PAGE_ID),
            ("shop_key", PAGE_KEY),
            ("amount", "50000"),
        ],
    );
    assert_eq!(r.json()["status"], "success", "{}", r.body);
    let order = r.json()["order"].as_str().expect("order").to_owned();
    let r = s.post_form(&format!("/api?method=cancel&order={order}"), &[]);
    assert_eq!(
        r.json()["message"],
        "Buyurtma muvaffaqiyatli bekor qilindi.",
        "{}",
        r.body
    );
}
