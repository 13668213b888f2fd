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

#[test]
fn admin_api_requires_the_bearer_token() {
    let server = Server::demo();
    let paths = [
        ("GET", "/admin/shops/101"),
        ("PATCH", "/admin/shops/101"),
        ("POST", "/admin/shops"),
        ("POST", "/admin/shops/101/rotate-key"),
        ("GET", "/admin/orders/ORD_1_x"),
        ("POST", "/admin/orders/ORD_1_x/confirm"),
        ("GET", "/admin/verify"),
    ];
    for (method, path) in paths {
        let none = server.request(method, path, &[], None);
        assert_eq!(none.status, 401, "{method} {path}: {}", none.body);
        assert_eq!(none.header("www-authenticate"), Some("Bearer"));
        let wrong = server.request(
            method,
            path,
            &[("Authorization", "Bearer not-the-token")],
            None,
        );
        assert_eq!(wrong.status, 403, "{method} {path}");
        assert_eq!(wrong.json()["code"], "forbidden");
    }
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
    let server = Server::demo();
    create_tophamyon(&server, "101", "test_key_123", "1000");
    server.get("/api?shop_id=695008&shop_key=Z631XLBO7O");
    server.post_form(
        "/api?method=create",
        &[
            ("shop_id", "695008"),
            ("shop_key", "Z631XLBO7O"),
            ("amount", "5000"),
        ],
    );
    server.get("/api/check_shop?shop_id=101&shop_key=wrong_key_999");
    server.admin("GET", "/admin/verify", None);
    let logs = server.logs();
    assert!(logs.contains("served"), "requests are logged: {logs}");
    for secret in [
        "test_key_123",
        "Z631XLBO7O",
        "wrong_key_999",
        common::ADMIN_TOKEN,
        common::SECRET,
    ] {
        assert!(!logs.contains(secret), "{secret} appears in the logs");
    }
}
