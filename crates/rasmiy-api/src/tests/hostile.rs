//! Bodies no honest client sends: each gets a clear dialect error (never a 5xx) and creates
//! nothing. And the PHP merge rules, where honest clients rely on them.

use super::*;

const CREATE: &str = "method=create&shop_id=101&shop_key=test_key_123";

#[actix_web::test]
async fn hostile_bodies_get_clear_errors_and_create_nothing() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let big = format!("{CREATE}&amount=5&note={}", "x".repeat(100_000));
    let cases: Vec<(Option<&str>, Vec<u8>, u16, &str)> = vec![
        (
            Some("application/json"),
            br#"{"method":"create","amount":5"#.to_vec(),
            400,
            "bad_request",
        ),
        (
            Some("application/json"),
            b"[\"create\"]".to_vec(),
            400,
            "bad_request",
        ),
        (
            Some("application/json"),
            b"method=create".to_vec(),
            400,
            "bad_request",
        ),
        (None, b"{\"method\": create}".to_vec(), 400, "bad_request"),
        (
            Some("application/json"),
            b"{\"method\":\"create\",\"amount\":\"\xff\"}".to_vec(),
            400,
            "bad_request",
        ),
        (
            Some("application/x-www-form-urlencoded"),
            b"method=create&shop_id=101&shop_key=test_key_123&amount=5\xff".to_vec(),
            400,
            "bad_request",
        ),
        (
            Some("application/x-www-form-urlencoded"),
            format!("{CREATE}&amount=5%00").into_bytes(),
            400,
            "bad_request",
        ),
        (
            Some("application/x-www-form-urlencoded"),
            format!("{CREATE}&amount=5\0").into_bytes(),
            400,
            "bad_request",
        ),
        (
            Some("application/json"),
            br#"{"method":"create","shop_id":101,"shop_key":"test_key_123\u0000","amount":5}"#
                .to_vec(),
            400,
            "bad_request",
        ),
        (
            Some("application/x-www-form-urlencoded"),
            big.clone().into_bytes(),
            413,
            "payload_too_large",
        ),
        (None, big.into_bytes(), 413, "payload_too_large"),
        (
            Some("multipart/form-data; boundary=zzz"),
            b"--zzz\r\nContent-Disposition: form-data; name=\"method\"\r\n\r\ncreate".to_vec(),
            400,
            "bad_request",
        ),
        (
            Some("multipart/form-data"),
            b"--zzz\r\n\r\n".to_vec(),
            400,
            "bad_request",
        ),
        (
            Some("multipart/form-data; boundary=zzz"),
            b"garbage".to_vec(),
            400,
            "bad_request",
        ),
    ];
    for (i, (ct, body, status, code)) in cases.into_iter().enumerate() {
        let a = send(
            &app,
            post_raw(ct, body).uri("/api?method=create&shop_id=101&shop_key=test_key_123&amount=5"),
        )
        .await;
        assert_eq!(a.status, status, "case {i}: {}", a.json);
        assert_eq!(a.json["status"], "error", "case {i}");
        assert_eq!(a.json["code"], code, "case {i}");
        assert!(a.json["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(fx.order_count(), 0);
}

#[actix_web::test]
async fn huge_declared_length_is_refused_before_reading() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let a = send(
        &app,
        post_raw(Some("application/json"), b"{}".to_vec())
            .insert_header(("content-length", "999999999")),
    )
    .await;
    assert_eq!(a.status, 413);
    assert_eq!(a.json["code"], "payload_too_large");
}

#[actix_web::test]
async fn bodies_without_a_content_type_are_sniffed() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    for body in [
        format!("{CREATE}&amount=5000"),
        r#"{"method":"create","shop_id":"101","shop_key":"test_key_123","amount":5000}"#.to_owned(),
    ] {
        for ct in [None, Some("text/plain")] {
            let a = send(&app, post_raw(ct, body.clone().into_bytes())).await;
            assert_eq!(a.json["status"], "success", "{ct:?} {body}: {}", a.json);
            assert_eq!(a.json["data"]["amount"], "5000");
        }
    }
}

#[actix_web::test]
async fn json_labelled_as_a_form_is_read_as_json() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let a = send(
        &app,
        post_form(
            "method=create",
            r#"{"shop_id":"101","shop_key":"test_key_123","amount":5000}"#,
        ),
    )
    .await;
    assert_eq!(a.json["status"], "success", "{}", a.json);
}

#[actix_web::test]
async fn body_wins_over_query_and_the_last_repeat_wins() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let a = send(
        &app,
        post_form(
            "method=check&shop_id=1&shop_key=nope&amount=1",
            "method=create&shop_id=101&shop_key=test_key_123&amount=2&amount=3",
        ),
    )
    .await;
    assert_eq!(a.json["status"], "success", "{}", a.json);
    assert_eq!(a.json["data"]["amount"], "3");
    let a = send(
        &app,
        post_json(
            "method=create&amount=999",
            r#"{"shop_id":101,"shop_key":"test_key_123","amount":1,"amount":"4.50"}"#,
        ),
    )
    .await;
    assert_eq!(a.json["data"]["amount"], "4.50");
    let a = send(&app, get(&format!("{CREATE}&amount=1&amount=6"))).await;
    assert_eq!(a.json["data"]["amount"], "6");
}

#[actix_web::test]
async fn get_with_a_body_reads_it_too() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let req = test::TestRequest::get()
        .uri("/api?method=create")
        .insert_header(("content-type", "application/json"))
        .set_payload(r#"{"shop_id":"101","shop_key":"test_key_123","amount":"5000"}"#);
    assert_eq!(send(&app, req).await.json["status"], "success");
    // An empty body with a JSON content type is no body at all.
    let req = test::TestRequest::get()
        .uri(&format!("/api?{CREATE}&amount=5000"))
        .insert_header(("content-type", "application/json"));
    assert_eq!(send(&app, req).await.json["status"], "success");
}

#[actix_web::test]
async fn multipart_file_parts_are_not_parameters() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    let body = "--b\r\nContent-Disposition: form-data; name=\"amount\"; filename=\"a.txt\"\r\n\r\n999\r\n\
                --b\r\nContent-Disposition: form-data; name=\"amount\"\r\n\r\n5000\r\n--b--\r\n";
    let a = send(
        &app,
        post_raw(
            Some("multipart/form-data; boundary=b"),
            body.as_bytes().to_vec(),
        )
        .uri(&format!("/api?{CREATE}")),
    )
    .await;
    assert_eq!(a.json["data"]["amount"], "5000", "{}", a.json);
}

#[actix_web::test]
async fn query_strings_are_checked_like_bodies() {
    let fx = Fixture::new();
    let app = app(&fx).await;
    // (A 100 kB query is refused by the HTTP layer itself: URIs stop at 64 KiB.)
    let long = format!("{CREATE}&amount=5&note={}", "x".repeat(10_000));
    for q in ["method=check&order=%FF", "method=check&order=a%00", &long] {
        let a = send(&app, get(q)).await;
        assert_eq!(a.status, 400);
        assert_eq!(a.json["code"], "bad_request");
    }
    assert_eq!(fx.order_count(), 0);
}
