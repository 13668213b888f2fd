//! The client examples (`examples/rasmiy_client.rs`, `examples/tophamyon_client.rs`) run their
//! whole cycle against the real `kassa serve --demo`.
//!
//! Each example is compiled into this test as a module (its `run` is what its `main` calls), so
//! the test needs no example binary and no knowledge of the target directory; `cargo build
//! --examples` and clippy compile the same files as programs.

mod common;

#[allow(dead_code)]
#[path = "../examples/rasmiy_client.rs"]
mod rasmiy_client;
#[allow(dead_code)]
#[path = "../examples/tophamyon_client.rs"]
mod tophamyon_client;

use common::Server;

#[test]
fn rasmiy_client_pays_a_page_shop_order_through_the_sandbox() {
    let server = Server::demo();
    let out = rasmiy_client::run(&rasmiy_client::Options {
        base: server.base.clone(),
        shop_id: "695008".into(),
        shop_key: "Z631XLBO7O".into(),
        amount: "50000".into(),
        admin_token: None,
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", server.logs()));
    assert!(
        out.contains("shop:    695008 \"Do'kon nomi\", balance 0 so'm"),
        "{out}"
    );
    assert!(
        out.contains("pay exactly 50000 so'm to card 8600310495126224"),
        "{out}"
    );
    assert!(out.contains("check:   pending (50000 so'm)"), "{out}");
    assert!(
        out.contains(&format!("pay:     {}/pay/", server.base)),
        "{out}"
    );
    assert!(out.contains("sandbox transfer sent: paid"), "{out}");
    assert!(out.contains("check:   paid (50000 so'm)"), "{out}");
    assert!(out.contains("balance: 0 -> 50000 so'm"), "{out}");
    assert_verified(&server);
}

#[test]
fn rasmiy_client_confirms_an_api_shop_order_with_the_admin_token_or_stops() {
    let server = Server::demo();
    let mut options = rasmiy_client::Options {
        base: server.base.clone(),
        shop_id: "101".into(),
        shop_key: "test_key_123".into(),
        amount: "1000.50".into(),
        admin_token: None,
    };
    let out = rasmiy_client::run(&options).unwrap_or_else(|e| panic!("{e}"));
    assert!(out.contains("the order stays pending"), "{out}");
    assert!(!out.contains("balance:"), "{out}");

    options.admin_token = Some(server.admin_token.clone());
    let out = rasmiy_client::run(&options).unwrap_or_else(|e| panic!("{e}"));
    assert!(out.contains("confirmed by the operator"), "{out}");
    assert!(out.contains("check:   paid (1000.50 so'm)"), "{out}");
    assert!(out.contains("balance: 0 -> 1000.50 so'm"), "{out}");

    // A wrong key is the dialect's error, with its code.
    options.shop_key = "WRONGKEY00".into();
    let err = rasmiy_client::run(&options).expect_err("wrong key");
    assert_eq!(
        err.to_string(),
        "invalid_credentials: Bunday shop_id yoki shop_key topilmadi!"
    );
    assert_verified(&server);
}

#[test]
fn tophamyon_client_pays_the_page_shop_through_the_sandbox() {
    let server = Server::demo();
    let out = tophamyon_client::run(&tophamyon_client::Options {
        base: server.base.clone(),
        shop_id: "695008".into(),
        shop_key: "Z631XLBO7O".into(),
        amount: "50000".into(),
        admin_token: None,
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", server.logs()));
    assert!(out.contains("balance 0.00 UZS"), "{out}");
    assert!(out.contains("create:  order ORD_"), "{out}");
    assert!(
        out.contains("pay exactly 50000.00 UZS to card 8600310495126224"),
        "{out}"
    );
    assert!(
        out.contains("check:   pending (To'lov kutilmoqda), 50000.00 UZS"),
        "{out}"
    );
    assert!(out.contains("sandbox transfer sent: paid"), "{out}");
    assert!(
        out.contains("check:   paid (To'lov muvaffaqiyatli), finished at 20"),
        "{out}"
    );
    assert!(out.contains("balance: 0.00 UZS -> 50000.00 UZS"), "{out}");
    assert_verified(&server);
}

#[test]
fn tophamyon_client_confirms_shop_101_with_the_admin_token() {
    let server = Server::demo();
    let mut options = tophamyon_client::Options {
        base: server.base.clone(),
        shop_id: "101".into(),
        shop_key: "test_key_123".into(),
        amount: "1000".into(),
        admin_token: None,
    };
    let out = tophamyon_client::run(&options).unwrap_or_else(|e| panic!("{e}"));
    assert!(out.contains("the order stays pending"), "{out}");

    options.admin_token = Some(server.admin_token.clone());
    let out = tophamyon_client::run(&options).unwrap_or_else(|e| panic!("{e}"));
    assert!(out.contains("confirmed by the operator"), "{out}");
    assert!(out.contains("balance: 0.00 UZS -> 1000.00 UZS"), "{out}");
    // Shop 101 stays an api shop: the client never changes it.
    let shop = server.admin("GET", "/admin/shops/101", None).json();
    assert_eq!(shop["kind"], "api");

    options.amount = "999.99".into();
    let err = tophamyon_client::run(&options).expect_err("below the minimum");
    assert_eq!(
        err.to_string(),
        "amount_too_small: Minimum payment amount is 1000 UZS"
    );
    assert_verified(&server);
}

#[test]
fn the_clients_explain_a_server_without_the_sandbox() {
    let server = Server::start(common::Db::Sqlite, &[], &[]);
    // No --demo: no demo shops either, so make the page shop by hand.
    let created = server.admin(
        "POST",
        "/admin/shops",
        Some(serde_json::json!({
            "shop_id": "695008", "shop_key": "Z631XLBO7O", "name": "Do'kon nomi", "kind": "page",
            "status": "confirm", "month_status": "paid", "card": "8600310495126224"
        })),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let err = rasmiy_client::run(&rasmiy_client::Options {
        base: server.base.clone(),
        shop_id: "695008".into(),
        shop_key: "Z631XLBO7O".into(),
        amount: "5000".into(),
        admin_token: None,
    })
    .expect_err("no sandbox");
    assert!(err.to_string().contains("only on a demo server"), "{err}");
}

/// `balance == sum(ledger)` after each run: every credit went through the ledger, once.
fn assert_verified(server: &Server) {
    let v = server.admin("GET", "/admin/verify", None).json();
    assert_eq!(v["ok"], true, "{v}");
}
