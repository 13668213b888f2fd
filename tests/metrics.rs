//! `GET /metrics` on the real binary: after some requests the series exist with sane values —
//! requests by route pattern (never a raw path with its codes and tokens) and status, the
//! latency histogram, orders by status (cached for a few seconds), the worker's tick age and
//! the outbox backlog.

mod common;

use common::Server;
use std::collections::HashMap;
use std::time::Duration;

/// `name{labels}` → value, from the text format.
fn parse(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            Some((series.to_owned(), value.parse::<f64>().ok()?))
        })
        .collect()
}

fn value(series: &HashMap<String, f64>, key: &str) -> f64 {
    *series.get(key).unwrap_or_else(|| {
        panic!(
            "no series {key} in {:#?}",
            series.keys().collect::<Vec<_>>()
        )
    })
}

fn create(server: &Server, shop: &str, key: &str, amount: &str) -> String {
    let r = server.post_form(
        "/api?method=create",
        &[("shop_id", shop), ("shop_key", key), ("amount", amount)],
    );
    r.json()["order"].as_str().expect("order").to_owned()
}

#[test]
fn series_exist_with_sane_values() {
    // One worker tick at the start, then none: the outbox keeps what is queued.
    let server = Server::demo_with(&[("KASSA_TICK", "1h")]);
    let hook = server.admin(
        "PATCH",
        "/admin/shops/101",
        Some(serde_json::json!({"callback_url": "http://127.0.0.1:9/kassa-hook"})),
    );
    assert_eq!(hook.status, 200, "{}", hook.body);

    let paid = create(&server, "101", "test_key_123", "1000");
    let pending = create(&server, "695008", "Z631XLBO7O", "50000");
    let page = server.post_form(
        "/api?method=create",
        &[
            ("shop_id", "695008"),
            ("shop_key", "Z631XLBO7O"),
            ("amount", "7000"),
        ],
    );
    let pay_url = page.json()["pay_url"].as_str().expect("pay_url").to_owned();
    let token = pay_url.rsplit('/').next().expect("token").to_owned();
    assert_eq!(server.confirm(&paid).status, 200);
    assert_eq!(
        server
            .get(&format!("/api?method=check&order={pending}"))
            .status,
        200
    );
    assert_eq!(server.get(&format!("/pay/{token}")).status, 200);
    assert_eq!(
        server
            .get("/api/get_balance?shop_id=101&shop_key=test_key_123")
            .status,
        200
    );
    assert_eq!(server.get("/no/such/route").status, 404);
    assert_eq!(server.request("DELETE", "/api", &[], None).status, 405);

    let first_scrape = std::time::Instant::now();
    let r = server.get("/metrics");
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .is_some_and(|v| v.starts_with("text/plain; version=0.0.4")),
        "{:?}",
        r.headers
    );
    let text = r.body;
    // Patterns, never the codes or tokens of the paths requested.
    for secret in [&paid, &pending, &token] {
        assert!(!text.contains(secret.as_str()), "{secret} in the metrics");
    }
    let series = parse(&text);

    // Requests by method, route and status: POST /api 200 three times (the creates).
    let creates = value(
        &series,
        r#"kassa_http_requests_total{method="POST",route="/api",status="200"}"#,
    );
    assert_eq!(creates, 3.0);
    assert_eq!(
        value(
            &series,
            r#"kassa_http_requests_total{method="POST",route="/admin/orders/{code}/confirm",status="200"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &series,
            r#"kassa_http_requests_total{method="GET",route="/pay/{token}",status="200"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &series,
            r#"kassa_http_requests_total{method="GET",route="/api/get_balance",status="200"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &series,
            r#"kassa_http_requests_total{method="GET",route="unmatched",status="404"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &series,
            r#"kassa_http_requests_total{method="DELETE",route="/api",status="405"}"#
        ),
        1.0
    );

    // The latency histogram of those creates: count, +Inf bucket, a positive sum below the
    // test's own time, buckets that never decrease.
    let count = value(
        &series,
        r#"kassa_http_request_duration_seconds_count{method="POST",route="/api"}"#,
    );
    assert_eq!(count, 3.0);
    assert_eq!(
        value(
            &series,
            r#"kassa_http_request_duration_seconds_bucket{method="POST",route="/api",le="+Inf"}"#
        ),
        count
    );
    let sum = value(
        &series,
        r#"kassa_http_request_duration_seconds_sum{method="POST",route="/api"}"#,
    );
    assert!(sum > 0.0 && sum < 60.0, "sum {sum}");
    let mut buckets: Vec<(f64, f64)> = series
        .iter()
        .filter(|(k, _)| {
            k.starts_with(
                r#"kassa_http_request_duration_seconds_bucket{method="POST",route="/api",le=""#,
            )
        })
        .map(|(k, v)| {
            let le = k
                .rsplit_once("le=\"")
                .map(|(_, r)| r.trim_end_matches("\"}"))
                .unwrap_or("");
            (le.parse::<f64>().unwrap_or(f64::INFINITY), *v)
        })
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(buckets.len() > 5, "{buckets:?}");
    assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "{buckets:?}");

    // Orders by status: one paid, two pending.
    assert_eq!(value(&series, r#"kassa_orders{status="paid"}"#), 1.0);
    assert_eq!(value(&series, r#"kassa_orders{status="pending"}"#), 2.0);
    assert_eq!(value(&series, r#"kassa_orders{status="cancelled"}"#), 0.0);
    assert_eq!(value(&series, r#"kassa_orders{status="expired"}"#), 0.0);
    // The paid order's webhook waits in the outbox (the worker ticks once an hour here).
    assert_eq!(value(&series, "kassa_outbox_backlog"), 1.0);
    assert_eq!(value(&series, "kassa_database_up"), 1.0);
    // The worker ticked at the start.
    let age = value(&series, "kassa_worker_last_tick_age_seconds");
    assert!((0.0..120.0).contains(&age), "tick age {age}");
    assert!(value(&series, "kassa_worker_last_tick_timestamp_seconds") > 1.0e9);
    assert_eq!(
        value(
            &series,
            &format!(
                "kassa_build_info{{version=\"{}\"}}",
                env!("CARGO_PKG_VERSION")
            )
        ),
        1.0
    );

    // The counts are cached for a few seconds, then read again.
    create(&server, "102", "test_key_456", "3000");
    let again = parse(&server.get("/metrics").body);
    if first_scrape.elapsed() < Duration::from_secs(4) {
        assert_eq!(value(&again, r#"kassa_orders{status="pending"}"#), 2.0);
    }
    std::thread::sleep(Duration::from_millis(5_500));
    let later = parse(&server.get("/metrics").body);
    assert_eq!(value(&later, r#"kassa_orders{status="pending"}"#), 3.0);
    // The scrapes count themselves too.
    assert!(
        value(
            &later,
            r#"kassa_http_requests_total{method="GET",route="/metrics",status="200"}"#
        ) >= 2.0
    );
}
