//! `GET /openapi.json` and `/docs` on the real binary: the served document is OpenAPI 3.1 JSON
//! and describes exactly the routes the server mounts — the lists in `src/routes.rs` and the
//! dialect crates' `ROUTES` — each of which answers from its own handler; and no route path in
//! the sources is missing from those lists. Adding a route without describing it fails here.

mod common;

#[path = "../src/routes.rs"]
#[allow(dead_code)]
mod routes;

use common::Server;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// Every mounted route, (lowercase method, path).
fn listed() -> BTreeSet<(String, String)> {
    rasmiy_api::ROUTES
        .iter()
        .chain(tophamyon_api::ROUTES)
        .chain(routes::SERVER)
        .chain(routes::PAY_PAGE)
        .chain(routes::ADMIN)
        .map(|(m, p)| (m.to_ascii_lowercase(), (*p).to_owned()))
        .collect()
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                out.insert((method.to_owned(), path.clone()));
            }
        }
    }
    out
}

/// The number tokens of a JSON text (outside strings).
fn number_tokens(json: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = json.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == '-' || c.is_ascii_digit() {
            let mut token = c.to_string();
            while let Some(&d) = chars.peek() {
                if d.is_ascii_digit() || matches!(d, '.' | 'e' | 'E' | '+' | '-') {
                    token.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(token);
        }
    }
    tokens
}

#[test]
fn served_document_is_openapi_3_1_and_describes_every_mounted_route() {
    let server = Server::demo();
    let r = server.get("/openapi.json");
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .is_some_and(|v| v.starts_with("application/json")),
        "{:?}",
        r.headers
    );
    let doc: Value = serde_json::from_str(&r.body).expect("the document parses as JSON");
    let version = doc["openapi"].as_str().expect("openapi");
    assert!(version.starts_with("3.1"), "openapi: {version}");
    assert_eq!(doc["info"]["title"], "Kassa");

    let listed = listed();
    let documented = documented(&doc);
    let missing: Vec<_> = listed.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "mounted but not documented: {missing:?}"
    );
    let extra: Vec<_> = documented.difference(&listed).collect();
    assert!(extra.is_empty(), "documented but not mounted: {extra:?}");

    // operationIds are unique.
    let mut ids = BTreeSet::new();
    for (method, path) in &documented {
        let id = doc["paths"][path][method]["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        assert!(ids.insert(id.to_owned()), "operationId {id} twice");
    }

    // Every error body carries `code`.
    for schema in ["RasmiyError", "TopHamyonError", "AdminError", "ServerError"] {
        let props = &doc["components"]["schemas"][schema]["properties"];
        assert!(props["code"].is_object(), "{schema} has no code");
        let required = doc["components"]["schemas"][schema]["required"]
            .as_array()
            .expect("required");
        assert!(
            required.contains(&Value::from("code")),
            "{schema}: code not required"
        );
    }
    let codes = &doc["components"]["schemas"]["RasmiyError"]["properties"]["code"]["enum"];
    assert!(
        codes
            .as_array()
            .is_some_and(|c| c.contains(&Value::from("order_not_found")))
    );

    // RasmiyPay's amounts are strings; TopHamyon's numbers with exactly two decimals.
    let rasmiy = &doc["components"]["schemas"]["RasmiyCreatedData"]["properties"]["amount"];
    assert_eq!(rasmiy["type"], "string", "{rasmiy}");
    let balance = &doc["components"]["schemas"]["TopHamyonBalance"]["properties"]["balance"];
    assert_eq!(balance["type"], "number", "{balance}");
    assert!(
        balance["description"]
            .as_str()
            .is_some_and(|d| d.contains("two decimals"))
    );
    assert!(
        r.body.contains("\"balance\":1000.00"),
        "the example's exact token"
    );
    assert!(
        !r.body.contains("kassa:number:"),
        "an unwritten amount marker"
    );
    for token in number_tokens(&r.body) {
        if let Some((_, decimals)) = token.split_once('.') {
            assert_eq!(decimals.len(), 2, "a number token {token} in the document");
        }
        assert!(!token.contains(['e', 'E']), "an exponent {token}");
    }

    // The dialects read the query string or the body: a body is optional there.
    for path in ["/api", "/api/create_payment"] {
        assert_eq!(
            doc["paths"][path]["post"]["requestBody"]["required"], false,
            "{path}"
        );
    }
    assert_eq!(
        doc["paths"]["/admin/shops"]["post"]["requestBody"]["required"],
        true
    );

    // The bearer token of the admin API.
    assert_eq!(
        doc["components"]["securitySchemes"]["admin_token"]["scheme"],
        "bearer"
    );
}

#[test]
fn swagger_ui_is_served_from_the_binary() {
    let server = Server::demo();
    // `/docs` redirects to `/docs/` (ureq follows it).
    let page = server.get("/docs");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("swagger-ui"), "{}", page.body);
    assert!(
        page.header("content-type")
            .is_some_and(|v| v.starts_with("text/html"))
    );
    let init = server.get("/docs/swagger-initializer.js");
    assert_eq!(init.status, 200);
    assert!(init.body.contains("../openapi.json"), "{}", init.body);
    assert!(
        init.body.contains("\"validatorUrl\": \"none\""),
        "{}",
        init.body
    );
    for file in ["swagger-ui-bundle.js", "swagger-ui.css", "index.css"] {
        let r = server.get(&format!("/docs/{file}"));
        assert_eq!(r.status, 200, "{file}");
        assert!(r.body.len() > 100, "{file}");
    }
    // Nothing in the page points off the machine.
    for needle in ["https://", "http://"] {
        assert!(!page.body.contains(needle), "index.html links {needle}");
    }
    let missing = server.get("/docs/no-such-file.js");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["code"], "not_found");
}

/// A concrete path for a listed route, with values that reach its handler.
fn concrete(path: &str, order: &str, token: &str) -> String {
    path.replace("/admin/shops/{id}", "/admin/shops/101")
        .replace("/admin/payments/{id}", "/admin/payments/999999")
        .replace("{notification_id}", "999999")
        .replace("{code}", order)
        .replace("{token}", token)
        .replace("{file}", "index.html")
        .replace("{name}", "no_such_endpoint")
}

#[test]
fn every_listed_route_answers_from_its_own_handler() {
    let server = Server::demo();
    let created = server.post_form(
        "/api?method=create",
        &[
            ("shop_id", "695008"),
            ("shop_key", "Z631XLBO7O"),
            ("amount", "5000"),
        ],
    );
    let created = created.json();
    let order = created["order"].as_str().expect("order").to_owned();
    let pay_url = created["pay_url"].as_str().expect("pay_url");
    let token = pay_url.rsplit('/').next().expect("token").to_owned();

    for (method, path) in listed() {
        let method = method.to_ascii_uppercase();
        let url = concrete(&path, &order, &token);
        let r = if path.starts_with("/admin/") {
            let body = match path.as_str() {
                "/admin/shops" => Some(serde_json::json!({"name": "Route check"})),
                "/admin/payments/{id}/attach" => Some(serde_json::json!({"order": order})),
                "/admin/payments/{id}/resolve" => Some(serde_json::json!({"status": "ignored"})),
                "/admin/shops/{id}" if method == "PATCH" => Some(serde_json::json!({})),
                _ => None,
            };
            server.admin(&method, &url, body)
        } else if path.starts_with("/pay/") && method == "POST" {
            server.request(&method, &url, &[("Accept", "application/json")], Some(b""))
        } else if method == "POST" {
            server.post_raw(&url, None, b"")
        } else {
            server.get(&url)
        };
        let what = format!(
            "{method} {url} -> {} {}",
            r.status,
            r.body.chars().take(200).collect::<String>()
        );
        if path.starts_with("/admin/") {
            // The admin scope's fallback answers 404 `not_found`; every handler answers
            // otherwise here (its result, or a 404 of its own kind for the made-up ids).
            assert!(r.status != 405, "{what}");
            assert_ne!(r.json()["code"], "not_found", "{what}");
        } else if path == "/api" {
            assert_eq!(r.status, 200, "{what}");
            assert!(r.json()["status"].is_string(), "{what}");
        } else if path == "/api/{name}" {
            assert_eq!(r.status, 404, "{what}");
            assert_eq!(r.json()["code"], "unknown_endpoint", "{what}");
        } else if path.starts_with("/api/") {
            assert_eq!(r.status, 200, "{what}");
            assert!(r.json()["success"].is_boolean(), "{what}");
        } else {
            // The server's own routes and the pay page: all succeed with these values.
            assert_eq!(r.status, 200, "{what}");
        }
    }
}

/// Every string literal given to `route(`, `resource(` or `scope(` in the sources.
fn route_literals(dir: &Path, out: &mut Vec<(String, String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            route_literals(&path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for call in ["route(", "resource(", "scope(", "Resource::new("] {
            for (at, _) in text.match_indices(call) {
                let rest = text[at + call.len()..].trim_start();
                let rest = rest.strip_prefix('[').unwrap_or(rest).trim_start();
                let Some(rest) = rest.strip_prefix('"') else {
                    continue;
                };
                let Some(end) = rest.find('"') else { continue };
                let literal = &rest[..end];
                if literal.starts_with('/') {
                    out.push((
                        path.display().to_string(),
                        call.to_owned(),
                        literal.to_owned(),
                    ));
                }
            }
        }
    }
}

#[test]
fn no_route_in_the_sources_is_missing_from_the_lists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    route_literals(&root.join("src"), &mut found);
    for krate in ["rasmiy-api", "tophamyon-api"] {
        route_literals(&root.join("crates").join(krate).join("src"), &mut found);
    }
    assert!(found.len() > 20, "the scan found too little: {found:?}");
    let listed: Vec<String> = listed()
        .into_iter()
        .map(|(_, p)| routes::shape(&p))
        .collect();
    for (file, call, literal) in found {
        let literal = routes::shape(&literal);
        let ok = if call == "scope(" {
            listed.iter().any(|p| p.starts_with(&format!("{literal}/")))
        } else {
            listed
                .iter()
                .any(|p| p == &literal || p.ends_with(&literal) && literal.starts_with('/'))
        };
        assert!(
            ok,
            "{file}: {call}\"{literal}\" is in no route list (src/routes.rs, the dialects' ROUTES): \
             list it and describe it in the OpenAPI document"
        );
    }
}
