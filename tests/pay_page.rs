//! The hosted pay page over real HTTP against the real binary: what it shows, its headers,
//! its size, the status endpoint, the sandbox, languages, escaping and every final state.

mod common;

use common::{Db, Server};
use serde_json::json;
use std::time::Duration;

const SHOP: &[(&str, &str)] = &[("shop_id", "695008"), ("shop_key", "Z631XLBO7O")];

struct Created {
    code: String,
    token: String,
    path: String,
    pay_url: String,
}

/// `create` on the demo page shop; the pay page's token is the last segment of `pay_url`.
fn create(server: &Server, amount: &str) -> Created {
    let mut form = SHOP.to_vec();
    form.push(("amount", amount));
    let r = server.post_form("/api?method=create", &form);
    let v = r.json();
    assert_eq!(v["status"], "success", "{}", r.body);
    let pay_url = v["pay_url"].as_str().expect("pay_url").to_owned();
    let token = pay_url.rsplit('/').next().expect("token").to_owned();
    Created {
        code: v["order"].as_str().expect("order").to_owned(),
        path: format!("/pay/{token}"),
        token,
        pay_url,
    }
}

/// Whether the element with this id is shown, i.e. its opening tag has no `hidden`.
fn shown(html: &str, id: &str) -> bool {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let start = html[..at].rfind('<').expect("tag start");
    let end = at + html[at..].find('>').expect("tag end");
    !html[start..end].contains(" hidden")
}

/// The text of the element with this id, up to its first child tag.
fn text_of<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let open = at + html[at..].find('>').expect("tag end") + 1;
    let close = open + html[open..].find('<').expect("next tag");
    &html[open..close]
}

fn assert_secure_headers(r: &common::Resp) {
    let csp = r.header("content-security-policy").expect("CSP");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
}

#[test]
fn page_shows_shop_order_exact_amount_and_card() {
    let server = Server::demo();
    let order = create(&server, "50000");
    assert!(
        order.pay_url.starts_with(&server.base) && order.pay_url.contains("/pay/"),
        "{}",
        order.pay_url
    );
    let r = server.get(&order.path);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "{:?}",
        r.headers
    );
    assert!(r.body.len() < 30 * 1024, "page is {} bytes", r.body.len());
    let html = &r.body;
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains(r#"<html lang="uz">"#));
    assert_eq!(text_of(html, "shop-name"), "Do'kon nomi");
    assert_eq!(text_of(html, "order-code"), order.code);

    // The amount the payer must send, grouped for people.
    let amount = text_of(html, "amount-value");
    assert!(amount.starts_with("50 000"), "{amount}");
    assert!(html.contains("so'm"), "currency");
    assert!(html.contains("Aynan shu summani o'tkazing"));
    assert!(shown(html, "exact"));
    assert_eq!(text_of(html, "card"), "8600 3104 9512 6224");
    assert!(html.contains(r#"data-copy="8600310495126224""#));
    assert!(shown(html, "state-pending"));
    for hidden in ["state-paid", "state-expired", "state-cancelled"] {
        assert!(!shown(html, hidden), "#{hidden} should be hidden");
    }
    let clock = text_of(html, "countdown");
    assert!(clock == "05:00" || clock.starts_with("04:"), "{clock}");

    // One inline script and one inline style, both carrying this response's CSP nonce.
    let csp = r.header("content-security-policy").expect("CSP");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("nonce in CSP");
    assert!(nonce.len() >= 16, "{nonce}");
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains(&format!(r#"<script nonce="{nonce}">"#)));
    assert!(html.contains(&format!(r#"<style nonce="{nonce}">"#)));
    assert!(!html.contains("src=\"http"), "no external resources");
    assert!(
        !html.contains("@import") && !html.contains("url("),
        "no external fonts"
    );
    // The sandbox button is there in demo mode, clearly marked.
    assert!(html.contains(r#"id="sandbox-pay""#));
    assert!(html.contains("SINOV REJIMI"));

    // A fresh nonce per response.
    let again = server.get(&order.path);
    assert_ne!(
        again.header("content-security-policy"),
        r.header("content-security-policy")
    );
}

#[test]
fn headers_on_every_answer() {
    let server = Server::demo();
    let order = create(&server, "1000");
    for path in [
        order.path.clone(),
        format!("{}/status", order.path),
        "/pay/unknown-token".to_owned(),
        format!("/pay/{}", "a".repeat(20)),
        "/pay/".to_owned(),
    ] {
        let r = server.get(&path);
        assert_secure_headers(&r);
    }
    let r = server.post_form(&format!("{}/sandbox", order.path), &[]);
    assert_secure_headers(&r);
}

#[test]
fn status_endpoint_follows_the_order() {
    let server = Server::demo();
    let order = create(&server, "25000.50");
    let r = server.get(&format!("{}/status", order.path));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("application/json"))
    );
    let v = r.json();
    assert_eq!(v["status"], "pending");
    let left = v["seconds_left"].as_i64().expect("seconds_left");
    assert!((290..=300).contains(&left), "{left}");

    assert_eq!(server.confirm(&order.code).status, 200);
    let v = server.get(&format!("{}/status", order.path)).json();
    assert_eq!(v, json!({"status": "paid", "seconds_left": 0}));

    let missing = server.get(&format!("/pay/{}/status", "z".repeat(24)));
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["code"], "not_found");
    let malformed = server.get("/pay/NOT_A_TOKEN/status");
    assert_eq!(malformed.status, 404);
}

#[test]
fn final_states_are_pages_not_errors() {
    let server = Server::demo();

    let paid = create(&server, "1000");
    assert_eq!(server.confirm(&paid.code).status, 200);
    let r = server.get(&paid.path);
    assert_eq!(r.status, 200);
    assert!(shown(&r.body, "state-paid"));
    assert!(r.body.contains("To'lov qabul qilindi! Rahmat!"));
    assert!(!shown(&r.body, "state-pending"));
    assert!(!shown(&r.body, "exact"), "no 'transfer this' once paid");
    assert!(
        !r.body.contains(r#"id="return""#),
        "no return link unless given"
    );

    let cancelled = create(&server, "1000");
    let c = server.post_form("/api?method=cancel", &[("order", cancelled.code.as_str())]);
    assert_eq!(c.json()["status"], "success", "{}", c.body);
    let r = server.get(&cancelled.path);
    assert_eq!(r.status, 200);
    assert!(shown(&r.body, "state-cancelled"));
    assert!(r.body.contains("To'lov bekor qilindi."));
    assert!(!shown(&r.body, "state-pending"));
    assert_eq!(
        server.get(&format!("{}/status", cancelled.path)).json()["status"],
        "cancelled"
    );
}

#[test]
fn an_overdue_order_shows_expired() {
    let server = Server::demo_with(&[("KASSA_ORDER_TTL", "2s"), ("KASSA_TICK", "1h")]);
    let order = create(&server, "1000");
    std::thread::sleep(Duration::from_millis(2500));
    // The worker has not swept yet (tick 1h): the page still tells the truth.
    let r = server.get(&order.path);
    assert_eq!(r.status, 200);
    assert!(shown(&r.body, "state-expired"));
    assert!(r.body.contains("Vaqt tugadi!"));
    assert!(!shown(&r.body, "state-pending"));
    let v = server.get(&format!("{}/status", order.path)).json();
    assert_eq!(v, json!({"status": "expired", "seconds_left": 0}));
    // The sandbox cannot pay it any more.
    let s = server.request(
        "POST",
        &format!("{}/sandbox", order.path),
        &[("Accept", "application/json")],
        Some(b""),
    );
    assert_eq!(s.json()["status"], "expired", "{}", s.body);
}

#[test]
fn unknown_and_malformed_tokens_get_a_friendly_404() {
    let server = Server::demo();
    let order = create(&server, "1000");
    let long = format!("/pay/{}", "a".repeat(10_000));
    let paths = [
        "/pay/abcdefghijklmnopqrstuvwx",
        "/pay/short",
        "/pay/UPPERCASEUPPERCASEUPPER",
        "/pay/",
        "/pay",
        "/pay/%00%00",
        "/pay/%ff%fe%fd",
        "/pay/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/pay/..%2F..%2Fetc%2Fpasswd",
        "/pay/a/b/c",
        "/pay/%E2%80%AEabc",
        "/pay/%20",
        long.as_str(),
    ];
    for path in paths {
        let r = server.get(path);
        assert_eq!(r.status, 404, "{path}: {}", r.body);
        assert!(
            r.header("content-type")
                .is_some_and(|c| c.starts_with("text/html")),
            "{path}"
        );
        assert!(r.body.contains("To'lov sahifasi topilmadi"), "{path}");
        assert!(!r.body.contains("<script>alert"), "{path}");
    }
    // Not a 500 for odd methods either.
    for method in ["PUT", "DELETE", "PATCH"] {
        let r = server.request(method, &order.path, &[], None);
        assert!(r.status < 500, "{method}: {}", r.status);
    }
    // The 404 page speaks the payer's language.
    let r = server.request(
        "GET",
        "/pay/nope",
        &[("Accept-Language", "ru-RU,ru;q=0.9")],
        None,
    );
    assert_eq!(r.status, 404);
    assert!(r.body.contains("Страница оплаты не найдена"));
}

#[test]
fn the_token_is_not_the_order_code() {
    let server = Server::demo();
    let order = create(&server, "1000");
    assert_ne!(order.token, order.code);

    // The page's token cancels and checks nothing through the API.
    let cancel = server.post_form("/api?method=cancel", &[("order", order.token.as_str())]);
    assert_eq!(
        cancel.json()["message"],
        "Bunday order topilmadi!",
        "{}",
        cancel.body
    );
    let check = server.post_form("/api?method=check", &[("order", order.token.as_str())]);
    assert_eq!(check.json()["status"], "error", "{}", check.body);

    // The order code does not open the page.
    assert_eq!(server.get(&format!("/pay/{}", order.code)).status, 404);
    assert_eq!(
        server.get(&format!("/pay/{}/status", order.code)).status,
        404
    );

    // The order is untouched.
    let v = server.get(&format!("{}/status", order.path)).json();
    assert_eq!(v["status"], "pending");
    // And the page does not print its own token's order code anywhere but #order-code.
    let html = server.get(&order.path).body;
    assert_eq!(html.matches(&order.code).count(), 1);
}

#[test]
fn languages_by_query_and_accept_language() {
    let server = Server::demo();
    let order = create(&server, "1000");
    let uz = server.get(&order.path);
    assert!(uz.body.contains("Aynan shu summani o'tkazing"));
    assert_eq!(uz.header("content-language"), Some("uz"));

    let ru = server.request(
        "GET",
        &order.path,
        &[("Accept-Language", "ru-RU,ru;q=0.9,en;q=0.8")],
        None,
    );
    assert!(ru.body.contains(r#"<html lang="ru">"#));
    assert!(ru.body.contains("Переведите ровно эту сумму"));
    assert!(ru.body.contains("Платёж получен! Спасибо!"));

    let en = server.get(&format!("{}?lang=en", order.path));
    assert!(en.body.contains(r#"<html lang="en">"#));
    assert!(en.body.contains("Transfer exactly this amount"));
    assert!(en.body.contains("Payment received! Thank you!"));
    assert!(en.body.contains("Time is up!"));

    // ?lang= wins over the header; an unknown one falls back to the header, then Uzbek.
    let q = server.request(
        "GET",
        &format!("{}?lang=en", order.path),
        &[("Accept-Language", "ru")],
        None,
    );
    assert!(q.body.contains(r#"<html lang="en">"#));
    let unknown = server.request(
        "GET",
        &format!("{}?lang=xx", order.path),
        &[("Accept-Language", "fr, de;q=0.5")],
        None,
    );
    assert!(unknown.body.contains(r#"<html lang="uz">"#));
    // A query string that is not even valid form encoding still gets the page.
    let odd = server.get(&format!("{}?lang=%zz&&&=", order.path));
    assert_eq!(odd.status, 200);
}

#[test]
fn shop_names_and_query_values_are_escaped() {
    let server = Server::demo();
    let hostile = r#"<script>alert("x")</script> & 'Co' <img src=x onerror=alert(1)>"#;
    let r = server.admin(
        "PATCH",
        "/admin/shops/695008",
        Some(json!({ "name": hostile })),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let order = create(&server, "1000");
    let page = server.get(&format!(
        "{}?lang=%22%3E%3Cscript%3E&return=https://shop.uz/%22%3E%3Cscript%3E",
        order.path
    ));
    assert_eq!(page.status, 200);
    let html = &page.body;
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 'Co'"));
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img"));
    assert_eq!(html.matches("<script").count(), 1);
    assert!(
        !html.contains(r#"id="return""#),
        "a return URL with quotes is refused"
    );
}

#[test]
fn return_link_only_for_https() {
    let server = Server::demo();
    let order = create(&server, "1000");
    assert_eq!(server.confirm(&order.code).status, 200);
    let ok = server.get(&format!(
        "{}?return=https%3A%2F%2Fshop.example%2Fthanks%3Fo%3D1",
        order.path
    ));
    assert!(
        ok.body
            .contains(r#"href="https://shop.example/thanks?o=1""#),
        "{}",
        ok.body
    );
    assert!(ok.body.contains("(shop.example)"));
    assert!(shown(&ok.body, "return"));
    for bad in [
        "http%3A%2F%2Fshop.example%2F",
        "javascript%3Aalert(1)",
        "%2F%2Fevil.example",
        "https%3A%2F%2Fshop.example%40evil.example%2F",
    ] {
        let r = server.get(&format!("{}?return={bad}", order.path));
        assert_eq!(r.status, 200);
        assert!(!r.body.contains(r#"id="return""#), "{bad}");
    }
    // The language links and the sandbox form keep the return link.
    let pending = create(&server, "1000");
    let r = server.get(&format!(
        "{}?return=https%3A%2F%2Fshop.example%2F",
        pending.path
    ));
    assert!(
        r.body
            .contains("?lang=ru&amp;return=https%3A%2F%2Fshop.example%2F")
    );
}

#[test]
fn sandbox_pays_in_demo_mode() {
    let server = Server::demo();
    let order = create(&server, "1000");

    // The page's script asks for JSON.
    let r = server.request(
        "POST",
        &format!("{}/sandbox", order.path),
        &[("Accept", "application/json")],
        Some(b""),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), json!({"status": "paid", "seconds_left": 0}));
    let check = server.post_form("/api?method=check", &[("order", order.code.as_str())]);
    assert_eq!(check.json()["data"]["status"], "paid", "{}", check.body);

    // A plain form post (no JavaScript) goes back to the page; pressing twice pays once.
    let second = create(&server, "1000");
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let resp = agent
        .post(&server.url(&format!("{}/sandbox?lang=ru", second.path)))
        .send_string("");
    let resp = match resp {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(resp.status(), 303);
    assert_eq!(
        resp.header("location"),
        Some(format!("{}?lang=ru", second.path).as_str())
    );
    let again = server.request(
        "POST",
        &format!("{}/sandbox", second.path),
        &[("Accept", "application/json")],
        Some(b""),
    );
    assert_eq!(again.json()["status"], "paid");
    // Two orders of 1000, each credited once however often the button was pressed.
    let shop = server.post_form("/api", SHOP).json();
    assert_eq!(shop["data"]["balance"], "2000", "{shop}");
    let verify = server.admin("GET", "/admin/verify", None);
    assert_eq!(verify.json()["ok"], true, "{}", verify.body);

    // Unknown token: 404, in both shapes.
    let missing = server.post_form(&format!("/pay/{}/sandbox", "q".repeat(24)), &[]);
    assert_eq!(missing.status, 404);
    // GET is not the sandbox.
    assert_ne!(server.get(&format!("{}/sandbox", order.path)).status, 200);
}

#[test]
fn no_sandbox_without_demo() {
    let server = Server::start(Db::Sqlite, &[], &[]);
    let shop = json!({
        "shop_id": "4242", "shop_key": "page-shop-key-0001", "name": "Real Shop", "user_id": 1,
        "kind": "page", "status": "confirm", "month_status": "Toʻlandi", "card": "8600123412341234",
    });
    let r = server.admin("POST", "/admin/shops", Some(shop));
    assert!(r.status == 200 || r.status == 201, "{}", r.body);
    let created = server.post_form(
        "/api?method=create",
        &[
            ("shop_id", "4242"),
            ("shop_key", "page-shop-key-0001"),
            ("amount", "1000"),
        ],
    );
    let pay_url = created.json()["pay_url"]
        .as_str()
        .expect("pay_url")
        .to_owned();
    let path = &pay_url[pay_url.find("/pay/").expect("path")..];
    let page = server.get(path);
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains(r#"id="sandbox-pay""#),
        "no sandbox button"
    );
    assert!(!page.body.contains("SINOV"));

    let s = server.post_form(&format!("{path}/sandbox"), &[]);
    assert_eq!(s.status, 404);
    let s = server.request(
        "POST",
        &format!("{path}/sandbox"),
        &[("Accept", "application/json")],
        Some(b""),
    );
    assert_eq!(s.status, 404);
    let v = server.get(&format!("{path}/status")).json();
    assert_eq!(v["status"], "pending", "the order is untouched");
}
