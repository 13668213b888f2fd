//! The foundation, black-box: the real binary over real HTTP on a real database.

mod common;

use common::{Db, Server};
use serde_json::{Value, json};
use std::time::Duration;

fn create_tophamyon(server: &Server, shop: &str, key: &str, amount: &str) -> Value {
    let r = server.get(&format!(
        "/api/create_payment?shop_id={shop}&shop_key={key}&amount={amount}"
    ));
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["success"], true, "{}", r.body);
    v
}

fn balance(server: &Server, shop: &str) -> String {
    let r = server.admin("GET", &format!("/admin/shops/{shop}"), None);
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["balance"].as_str().expect("balance").to_owned()
}

#[test]
fn health_reports_database_worker_and_version() {
    let server = Server::demo_with(&[("KASSA_TICK", "1s")]);
    std::thread::sleep(Duration::from_millis(1500));
    let r = server.get("/health");
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["database"], "ok");
    assert_eq!(v["backend"], "sqlite");
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert!(v["last_tick"].is_string(), "worker ticked: {v}");
    assert!(r.header("x-request-id").is_some_and(|id| !id.is_empty()));
}

/// Every `(METHOD, path)` the admin API mounts, read from the source of `src/admin/`, so a
/// route added there is walked here without anyone remembering to list it.
fn admin_routes_in_the_source() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/admin");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("src/admin")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    let mut routes = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source");
        for (at, _) in text.match_indices(".route(") {
            let rest = text[at + ".route(".len()..].trim_start();
            let Some(rest) = rest.strip_prefix('"') else {
                continue;
            };
            let path = &rest[..rest.find('"').expect("end of the path literal")];
            let after = &rest[path.len()..];
            let method = after[after.find("web::").expect("web::<method>()") + 5..]
                .split('(')
                .next()
                .expect("method")
                .to_uppercase();
            let path = if path.starts_with("/admin") {
                path.to_owned()
            } else {
                format!("/admin{path}")
            };
            routes.push((method, path));
        }
    }
    routes
}

#[test]
fn admin_api_requires_the_bearer_token() {
    let server = Server::demo();
    let routes = admin_routes_in_the_source();
    for expected in [
        ("POST", "/admin/shops"),
        ("GET", "/admin/shops/{id}"),
        ("PATCH", "/admin/shops/{id}"),
        ("POST", "/admin/shops/{id}/rotate-key"),
        ("GET", "/admin/orders/{code}"),
        ("POST", "/admin/orders/{code}/confirm"),
        ("GET", "/admin/verify"),
        ("POST", "/admin/notifications"),
        ("GET", "/admin/payments/unmatched"),
        ("POST", "/admin/payments/{id}/attach"),
        ("POST", "/admin/payments/{id}/resolve"),
        ("GET", "/admin/shops/{id}/deliveries"),
        ("POST", "/admin/shops/{id}/deliveries/{outbox_id}/redeliver"),
        ("POST", "/admin/shops/{id}/rotate-webhook-secret"),
    ] {
        assert!(
            routes
                .iter()
                .any(|(m, p)| m == expected.0 && p == expected.1),
            "{expected:?} not found in src/admin: {routes:?}"
        );
    }
    // And what no route matches: the admin scope's fallback asks for the token as well.
    let mut walked: Vec<(String, String)> = routes
        .iter()
        .map(|(method, template)| {
            let path = template
                .replace("{id}", "101")
                .replace("{code}", "ORD_1_x")
                .replace("{outbox_id}", "1");
            assert!(!path.contains('{'), "a placeholder to fill in: {template}");
            (method.clone(), path)
        })
        .collect();
    walked.push(("GET".into(), "/admin/no-such-route".into()));
    walked.push(("DELETE".into(), "/admin/shops/101".into()));
    for (method, path) in &walked {
        let (method, path) = (method.as_str(), path.as_str());
        let none = server.request(method, path, &[], None);
        assert_eq!(none.status, 401, "{method} {path}: {}", none.body);
        assert_eq!(none.header("www-authenticate"), Some("Bearer"));
        for wrong in [
            "Bearer not-the-token",
            "Bearer ",
            "bearer test-admin-token-0123456789",
            "Basic dGVzdC1hZG1pbi10b2tlbi0wMTIzNDU2Nzg5",
            "Bearer test-admin-token-012345678",
            "Bearer test-admin-token-0123456789x",
        ] {
            let r = server.request(method, path, &[("Authorization", wrong)], None);
            assert!(
                r.status == 401 || r.status == 403,
                "{method} {path} with {wrong:?}: {} {}",
                r.status,
                r.body
            );
        }
        let wrong = server.request(
            method,
            path,
            &[("Authorization", "Bearer not-the-token")],
            None,
        );
        assert_eq!(wrong.status, 403, "{method} {path}");
        assert_eq!(wrong.json()["code"], "forbidden");
        // With the token the route is reached (whatever it then says of the empty request).
        let ok = server.admin(method, path, None);
        assert!(
            ok.status != 401 && ok.status != 403,
            "{method} {path} with the token: {} {}",
            ok.status,
            ok.body
        );
    }
    assert!(walked.len() >= 16, "{walked:?}");
    let ok = server.admin("GET", "/admin/verify", None);
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["ok"], true);
}

#[test]
fn admin_api_is_off_without_a_token() {
    let server = Server::start(Db::Sqlite, &["--demo"], &[("KASSA_ADMIN_TOKEN", "")]);
    let r = server.request(
        "GET",
        "/admin/verify",
        &[("Authorization", "Bearer ")],
        None,
    );
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(r.json()["code"], "admin_disabled");
}

#[test]
fn demo_shops_are_the_documents_shops() {
    let server = Server::demo();
    let s = server.admin("GET", "/admin/shops/695008", None).json();
    assert_eq!(s["name"], "Do'kon nomi");
    assert_eq!(s["user_id"], 123_456_789);
    assert_eq!(s["kind"], "page");
    assert_eq!(s["status"], "confirm");
    assert_eq!(s["month_status"], "To\u{2bb}landi");
    assert!(s["card"].as_str().is_some_and(|c| c.len() == 16));
    assert!(
        s.get("shop_key").is_none(),
        "keys are shown only at creation"
    );
    for (id, name) in [("101", "Test Do'kon 1"), ("102", "Test Do'kon 2")] {
        let s = server
            .admin("GET", &format!("/admin/shops/{id}"), None)
            .json();
        assert_eq!(s["name"], name);
        assert_eq!(s["kind"], "api");
    }
    // The documents' keys work.
    create_tophamyon(&server, "102", "test_key_456", "1000");
    let r = server.get("/api?shop_id=695008&shop_key=Z631XLBO7O");
    assert_eq!(r.json()["status"], "success", "{}", r.body);
}

#[test]
fn admin_creates_updates_and_rotates_shops() {
    let server = Server::demo();
    let r = server.admin(
        "POST",
        "/admin/shops",
        Some(json!({"name": "Yangi do'kon", "user_id": 555, "kind": "page", "card": "8600 1234 5678 9012"})),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let shop = r.json();
    let (id, key) = (
        shop["shop_id"].as_str().expect("id").to_owned(),
        shop["shop_key"].as_str().expect("key").to_owned(),
    );
    assert_eq!(shop["status"], "pending");
    assert_eq!(shop["card"], "8600123456789012");
    assert!(key.len() >= 10);

    // Pending and unpaid: no payments yet.
    let refused = server.get(&format!(
        "/api/create_payment?shop_id={id}&shop_key={key}&amount=1000"
    ));
    assert_eq!(refused.json()["success"], false);

    let r = server.admin(
        "PATCH",
        &format!("/admin/shops/{id}"),
        Some(json!({"status": "confirm", "month_status": "Toʻlandi", "callback_url": "https://shop.example/hook"})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["callback_url"], "https://shop.example/hook");
    create_tophamyon(&server, &id, &key, "1000");

    let cleared = server.admin(
        "PATCH",
        &format!("/admin/shops/{id}"),
        Some(json!({"callback_url": null})),
    );
    assert_eq!(cleared.json()["callback_url"], Value::Null);

    let bad = server.admin(
        "PATCH",
        &format!("/admin/shops/{id}"),
        Some(json!({"status": "maybe"})),
    );
    assert_eq!(bad.status, 400);
    let unknown_field = server.admin(
        "PATCH",
        &format!("/admin/shops/{id}"),
        Some(json!({"balance": "1000000"})),
    );
    assert_eq!(unknown_field.status, 400, "balance cannot be set by hand");
    let junk = server.request(
        "POST",
        "/admin/shops",
        &[("Authorization", &format!("Bearer {}", server.admin_token))],
        Some(b"{nope"),
    );
    assert_eq!(junk.status, 400);
    let taken = server.admin(
        "POST",
        "/admin/shops",
        Some(json!({"name": "dup", "shop_id": "101"})),
    );
    assert_eq!(taken.status, 409);

    let rotated = server
        .admin("POST", &format!("/admin/shops/{id}/rotate-key"), None)
        .json();
    let new_key = rotated["shop_key"].as_str().expect("new key");
    assert_ne!(new_key, key);
    let old = server.get(&format!("/api/check_shop?shop_id={id}&shop_key={key}"));
    assert_eq!(old.json()["valid"], false);
    let new = server.get(&format!("/api/check_shop?shop_id={id}&shop_key={new_key}"));
    assert_eq!(new.json()["valid"], true, "{}", new.body);
    assert_eq!(server.admin("GET", "/admin/shops/999999", None).status, 404);
}

fn confirm_twice_credits_once(server: &Server) {
    let order = create_tophamyon(server, "101", "test_key_123", "25000.50");
    let code = order["order_id"].as_str().expect("code");
    assert_eq!(balance(server, "101"), "0");
    let first = server.confirm(code);
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["status"], "paid");
    let second = server.confirm(code);
    assert_eq!(second.status, 409, "{}", second.body);
    assert_eq!(second.json()["status"], "paid");
    assert_eq!(second.json()["order"]["order"], code);
    assert_eq!(balance(server, "101"), "25000.50");
    // By payment id too: still paid, still no second credit.
    let by_pay = server.confirm(order["payment_id"].as_str().expect("pay id"));
    assert_eq!(by_pay.status, 409);
    assert_eq!(balance(server, "101"), "25000.50");
    let cancelled = create_tophamyon(server, "101", "test_key_123", "1000");
    let code = cancelled["order_id"].as_str().expect("code");
    assert_eq!(
        server
            .get(&format!("/api?method=cancel&order={code}"))
            .json()["status"],
        "success"
    );
    let late = server.confirm(code);
    assert_eq!(late.status, 409);
    assert_eq!(late.json()["status"], "cancelled");
    assert_eq!(server.confirm("ORD_1_unknown").status, 404);
    assert_eq!(server.confirm("not-a-code!").status, 400);
    assert_eq!(
        server.admin("GET", "/admin/verify", None).json()["ok"],
        true
    );
}

#[test]
fn confirm_twice_credits_once_sqlite() {
    confirm_twice_credits_once(&Server::demo());
}

#[test]
fn confirm_twice_credits_once_postgres() {
    if let Some(server) = Server::demo_on_postgres("confirm_twice_credits_once_postgres", &[]) {
        let h = server.get("/health").json();
        assert_eq!(h["backend"], "postgres");
        confirm_twice_credits_once(&server);
    }
}

fn kill_9_keeps_the_balance(mut server: Server) {
    let order = create_tophamyon(&server, "102", "test_key_456", "7000");
    let code = order["order_id"].as_str().expect("code").to_owned();
    assert_eq!(server.confirm(&code).status, 200);
    let pending = create_tophamyon(&server, "102", "test_key_456", "3000");
    server.kill_9();
    server.restart();
    assert_eq!(balance(&server, "102"), "7000");
    assert_eq!(
        server.confirm(&code).status,
        409,
        "no second credit after restart"
    );
    // Keys hash with the same secret after the restart; the pending order survived.
    let check = server.get(&format!(
        "/api/check_payment?order_id={}",
        pending["order_id"].as_str().expect("id")
    ));
    assert_eq!(check.json()["status"], "pending", "{}", check.body);
    create_tophamyon(&server, "102", "test_key_456", "1000");
    let (code, out, _) = server.cli(&["verify"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn restart_after_kill_9_keeps_the_balance_sqlite() {
    kill_9_keeps_the_balance(Server::demo());
}

#[test]
fn restart_after_kill_9_keeps_the_balance_postgres() {
    if let Some(server) = Server::demo_on_postgres("restart_after_kill_9_postgres", &[]) {
        kill_9_keeps_the_balance(server);
    }
}

#[test]
fn the_worker_expires_overdue_orders() {
    let server = Server::demo_with(&[("KASSA_ORDER_TTL", "1s"), ("KASSA_TICK", "1s")]);
    let order = create_tophamyon(&server, "101", "test_key_123", "1000");
    let code = order["order_id"].as_str().expect("code");
    assert_eq!(order["expires_in"], 1);
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let stored = server
            .admin("GET", &format!("/admin/orders/{code}"), None)
            .json();
        if stored["status"] == "expired" {
            assert!(stored["finished_at"].is_string());
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not expired by the worker: {stored}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(server.confirm(code).status, 409);
}

#[test]
fn the_cli_manages_shops_orders_and_verifies() {
    let server = Server::demo();
    let (code, out, err) = server.cli(&[
        "shop",
        "add",
        "--name",
        "CLI do'kon",
        "--kind",
        "page",
        "--status",
        "confirm",
        "--month-status",
        "paid",
        "--card",
        "8600000011112222",
    ]);
    assert_eq!(code, 0, "{err}");
    let shop: Value = serde_json::from_str(&out).expect("json");
    let id = shop["shop_id"].as_str().expect("id");
    let key = shop["shop_key"].as_str().expect("key");
    assert_eq!(shop["month_status"], "To\u{2bb}landi");

    let order = create_tophamyon(&server, id, key, "1500");
    let (code, out, err) = server.cli(&[
        "order",
        "confirm",
        order["order_id"].as_str().expect("code"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"paid\""));
    let (code, _, err) = server.cli(&[
        "order",
        "confirm",
        order["order_id"].as_str().expect("code"),
    ]);
    assert_eq!(code, 2, "already paid is refused: {err}");
    assert!(err.contains("paid"), "{err}");

    let (code, out, _) = server.cli(&["shop", "show", id]);
    assert_eq!(code, 0);
    assert!(out.contains("\"balance\": \"1500\""), "{out}");
    assert!(!out.contains("shop_key"));
    let (code, out, _) = server.cli(&["shop", "update", id, "--status", "blocked", "--card", ""]);
    assert_eq!(code, 0);
    assert!(
        out.contains("\"blocked\"") && out.contains("\"card\": null"),
        "{out}"
    );
    let (code, out, _) = server.cli(&["shop", "rotate-key", id]);
    assert_eq!(code, 0);
    assert!(!out.contains(key));
    let (code, out, _) = server.cli(&["verify"]);
    assert_eq!(code, 0);
    assert!(out.contains("\"ok\": true"));
    let (code, _, err) = server.cli(&["shop", "show", "0123"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn verify_fails_when_a_balance_is_tampered_with() {
    let server = Server::demo();
    let order = create_tophamyon(&server, "101", "test_key_123", "1000");
    assert_eq!(
        server
            .confirm(order["order_id"].as_str().expect("code"))
            .status,
        200
    );
    let store = payments_store::DieselStore::open(&server.db_url).expect("open");
    store
        .execute_batch("UPDATE shops SET balance = balance + 1 WHERE id = 101")
        .expect("tamper");
    let (code, out, _) = server.cli(&["verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("\"ledger_sum\": \"1000\""), "{out}");
    assert_eq!(
        server.admin("GET", "/admin/verify", None).json()["ok"],
        false
    );
}

#[test]
fn bad_configuration_is_one_line_and_exit_2() {
    let server = Server::demo();
    for (args, env, needle) in [
        (vec!["serve", "--tick", "soon"], vec![], "tick"),
        (vec!["serve"], vec![("KASSA_ORDER_TTL", "0s")], "ttl"),
        (vec!["serve"], vec![("KASSA_MAX_AMOUNT", "-5")], "max"),
        (
            vec!["serve"],
            vec![("KASSA_LISTEN", "not-an-address")],
            "listen",
        ),
        (
            vec!["serve"],
            vec![("KASSA_SECRET", "short")],
            "KASSA_SECRET",
        ),
        (vec!["bogus"], vec![], "bogus"),
    ] {
        let mut cmd = std::process::Command::new(common::kassa_bin());
        cmd.args(&args)
            .env("DATABASE_URL", server.dir().join("other.db"))
            .env("KASSA_SECRET", common::SECRET);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}: {err}");
        let lines: Vec<_> = err.lines().filter(|l| l.starts_with("kassa:")).collect();
        assert_eq!(lines.len(), 1, "{err}");
        assert!(
            lines[0].to_lowercase().contains(&needle.to_lowercase()),
            "{err}"
        );
    }
    // PostgreSQL needs a shared secret.
    let out = std::process::Command::new(common::kassa_bin())
        .args(["serve"])
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env_remove("KASSA_SECRET")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("KASSA_SECRET is required with PostgreSQL")
    );
}

#[test]
fn sqlite_secret_is_generated_once_with_mode_0600() {
    let server = Server::start(Db::Sqlite, &["--demo"], &[]);
    // The harness passes KASSA_SECRET; a server without one makes its own file.
    let db = server.dir().join("own.db");
    let run = || {
        std::process::Command::new(common::kassa_bin())
            .args(["shop", "show", "101"])
            .env("DATABASE_URL", &db)
            .env_remove("KASSA_SECRET")
            .output()
            .expect("run")
    };
    let _ = run();
    let secret_path = server.dir().join("own.db.secret");
    let first = std::fs::read_to_string(&secret_path).expect("secret file");
    assert!(first.len() >= 32);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&secret_path)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    let _ = run();
    assert_eq!(
        std::fs::read_to_string(&secret_path).expect("secret"),
        first,
        "kept, not regenerated"
    );
}

#[test]
fn health_is_503_when_the_database_goes_away() {
    let Some(pg) = payments_store::testing::PgTestDb::create("health_503") else {
        return;
    };
    let admin_url = std::env::var(payments_store::testing::PG_URL_VAR).expect("url");
    let name = pg.url().rsplit('/').next().expect("name").to_owned();
    let server = Server::start(Db::Postgres(pg), &["--demo"], &[]);
    assert_eq!(server.get("/health").status, 200);
    // Take the database away under the running server.
    let admin = payments_store::DieselStore::open(&admin_url).expect("admin connection");
    admin
        .execute_batch(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .expect("drop");
    let r = server.get("/health");
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.json()["database"], "unreachable");
    let api = server.get("/api/check_payment?order_id=ORD_1_x");
    assert!(
        api.status == 503,
        "dialect answers 503: {} {}",
        api.status,
        api.body
    );
    assert_eq!(api.json()["success"], false);
}

#[test]
fn no_secret_is_logged() {
    // Telegram on, at a Bot API that is not there, and a webhook receiver that is not there
    // either: failed sends are logged (with the URLs they were sent to).
    let nobody = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}", l.local_addr().expect("addr"))
    };
    let bot_token = "123456789:AAE-telegram-bot-token-never-logged";
    let server = Server::demo_with(&[
        ("KASSA_TICK", "1s"),
        ("KASSA_TELEGRAM_BOT_TOKEN", bot_token),
        ("KASSA_TELEGRAM_API_URL", &nobody),
    ]);
    let mut secrets: Vec<String> = [
        "test_key_123",
        "test_key_456",
        "Z631XLBO7O",
        "wrong_key_999",
        common::ADMIN_TOKEN,
        common::SECRET,
        bot_token,
    ]
    .map(str::to_owned)
    .to_vec();

    // Both dialects, right and wrong keys; orders made, checked, confirmed, cancelled. Order
    // codes and PAY_ ids are bearer secrets too (a RasmiyPay code alone checks and cancels).
    let top = create_tophamyon(&server, "101", "test_key_123", "1000");
    let (top_code, top_pay) = (
        top["order_id"].as_str().expect("order_id").to_owned(),
        top["payment_id"].as_str().expect("payment_id").to_owned(),
    );
    server.get(&format!("/api/check_payment?payment_id={top_pay}"));
    assert_eq!(server.confirm(&top_code).status, 200);
    server.get("/api?shop_id=695008&shop_key=Z631XLBO7O");
    let rasmiy = server
        .post_form(
            "/api?method=create",
            &[
                ("shop_id", "695008"),
                ("shop_key", "Z631XLBO7O"),
                ("amount", "5000"),
            ],
        )
        .json();
    let rasmiy_code = rasmiy["order"].as_str().expect("order").to_owned();
    server.get(&format!("/api?method=check&order={rasmiy_code}"));
    server.admin("GET", &format!("/admin/orders/{rasmiy_code}"), None);
    let cancelled = server.post_form("/api?method=cancel", &[("order", &rasmiy_code)]);
    assert_eq!(cancelled.json()["status"], "success", "{}", cancelled.body);
    secrets.extend([top_code, top_pay, rasmiy_code]);
    server.post_json(
        "/api/get_balance",
        &json!({"shop_id": "102", "shop_key": "test_key_456"}),
    );
    server.get("/api/check_shop?shop_id=101&shop_key=wrong_key_999");
    server.get("/api?shop_id=695008&shop_key=wrong_key_999");
    server.admin("GET", "/admin/verify", None);
    server.request(
        "GET",
        "/admin/verify",
        &[("Authorization", "Bearer wrong_key_999")],
        None,
    );

    // A new key, used.
    let rotated = server
        .admin("POST", "/admin/shops/102/rotate-key", None)
        .json();
    let new_key = rotated["shop_key"].as_str().expect("new key").to_owned();
    create_tophamyon(&server, "102", &new_key, "1500");
    secrets.push(new_key);

    // Settlement: a webhook secret, a notification that pays an order, one kept for review and
    // resolved, the delivery log, a redelivery, a new webhook secret.
    let r = server.admin(
        "PATCH",
        "/admin/shops/695008",
        Some(json!({"callback_url": format!("{nobody}/hook")})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    secrets.push(
        r.json()["webhook_secret"]
            .as_str()
            .expect("secret")
            .to_owned(),
    );
    let created = server
        .post_form(
            "/api?method=create",
            &[
                ("shop_id", "695008"),
                ("shop_key", "Z631XLBO7O"),
                ("amount", "4000"),
            ],
        )
        .json();
    assert_eq!(created["status"], "success", "{created}");
    let card = created["card"].as_str().expect("card").to_owned();
    let last4 = &card[card.len() - 4..];
    let pay_token = |v: &Value| {
        v["pay_url"]
            .as_str()
            .and_then(|u| u.rsplit('/').next())
            .expect("pay_url")
            .to_owned()
    };
    secrets.push(pay_token(&created));
    secrets.push(created["order"].as_str().expect("order").to_owned());
    let ingest = |text: String| {
        let r = server.request(
            "POST",
            "/admin/notifications",
            &[("Authorization", &format!("Bearer {}", server.admin_token))],
            Some(text.as_bytes()),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    };
    let payable = created["payable_amount"].as_str().expect("payable");
    let written = match payable.split_once('.') {
        Some((whole, tiyin)) => format!("{whole},{tiyin}"),
        None => format!("{payable},00"),
    };
    let paid = ingest(common::notifications::humo_now(&written, last4));
    assert_eq!(paid["messages"][0]["result"], "matched", "{paid}");
    let stray = ingest(common::notifications::humo_now("777,00", last4));
    assert_eq!(stray["messages"][0]["result"], "unmatched", "{stray}");
    let payment = stray["messages"][0]["payment_id"]
        .as_i64()
        .expect("payment id");
    let r = server.admin(
        "POST",
        &format!("/admin/payments/{payment}/resolve"),
        Some(json!({"status": "ignored", "note": "test"})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    server.admin("GET", "/admin/payments/unmatched", None);
    // The worker tries the webhook and the Telegram message (and fails: nobody listens).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let outbox = loop {
        let log = server
            .admin("GET", "/admin/shops/695008/deliveries", None)
            .json();
        let attempts = log["deliveries"].as_array().cloned().unwrap_or_default();
        let channels: Vec<_> = attempts.iter().map(|d| d["channel"].clone()).collect();
        if channels.contains(&json!("webhook")) && channels.contains(&json!("telegram")) {
            break attempts[0]["notification_id"].as_i64().expect("id");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no delivery attempts: {log}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let r = server.admin(
        "POST",
        &format!("/admin/shops/695008/deliveries/{outbox}/redeliver"),
        None,
    );
    assert_eq!(r.status, 202, "{}", r.body);
    let r = server.admin("POST", "/admin/shops/695008/rotate-webhook-secret", None);
    assert_eq!(r.status, 200, "{}", r.body);
    secrets.push(
        r.json()["webhook_secret"]
            .as_str()
            .expect("secret")
            .to_owned(),
    );

    // The pay page: an order's page, its status, the sandbox that pays it.
    let page_order = server
        .post_form(
            "/api?method=create",
            &[
                ("shop_id", "695008"),
                ("shop_key", "Z631XLBO7O"),
                ("amount", "6000"),
            ],
        )
        .json();
    let token = pay_token(&page_order);
    assert_eq!(server.get(&format!("/pay/{token}")).status, 200);
    assert_eq!(server.get(&format!("/pay/{token}/status")).status, 200);
    let sandbox = server.post_raw(&format!("/pay/{token}/sandbox"), None, b"");
    assert!(sandbox.status < 400, "{} {}", sandbox.status, sandbox.body);
    secrets.push(token);
    secrets.push(page_order["order"].as_str().expect("order").to_owned());

    let logs = server.logs();
    assert!(logs.contains("served"), "requests are logged: {logs}");
    assert!(
        logs.contains("notification not delivered"),
        "failed sends are logged: {logs}"
    );
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "{secret} appears in the logs:\n{logs}"
        );
    }
}
