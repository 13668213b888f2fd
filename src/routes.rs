//! Every route the `kassa` server mounts besides the dialects' (`rasmiy_api::ROUTES`,
//! `tophamyon_api::ROUTES`), as (method, path) with OpenAPI's `{name}` placeholders.
//!
//! This is the list the OpenAPI document is checked against: `tests/openapi.rs` includes this
//! file and fails when a route here is missing from `GET /openapi.json`, when the document has a
//! route that is not here, or when a route here does not answer from its own handler; it also
//! looks through the sources for route paths that appear in none of the lists. **Adding a
//! route: add it here and describe it** (`src/openapi.rs`, `src/admin/openapi.rs`).
//!
//! No dependencies, so the black-box tests can include it as it is.

/// The server's own routes (`src/server.rs`, `src/openapi.rs`, `src/metrics.rs`).
pub const SERVER: &[(&str, &str)] = &[
    ("GET", "/health"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/{file}"),
    ("GET", "/metrics"),
];

/// The hosted pay page (`src/pay_page`).
pub const PAY_PAGE: &[(&str, &str)] = &[
    ("GET", "/pay/{token}"),
    ("GET", "/pay/{token}/status"),
    ("POST", "/pay/{token}/sandbox"),
];

/// The admin API (`src/admin`).
pub const ADMIN: &[(&str, &str)] = &[
    ("POST", "/admin/shops"),
    ("GET", "/admin/shops/{id}"),
    ("PATCH", "/admin/shops/{id}"),
    ("POST", "/admin/shops/{id}/rotate-key"),
    ("POST", "/admin/shops/{id}/rotate-webhook-secret"),
    ("GET", "/admin/shops/{id}/deliveries"),
    (
        "POST",
        "/admin/shops/{id}/deliveries/{notification_id}/redeliver",
    ),
    ("GET", "/admin/orders/{code}"),
    ("POST", "/admin/orders/{code}/confirm"),
    ("GET", "/admin/verify"),
    ("POST", "/admin/notifications"),
    ("GET", "/admin/payments/unmatched"),
    ("POST", "/admin/payments/{id}/attach"),
    ("POST", "/admin/payments/{id}/resolve"),
];

/// A route pattern with what is inside its placeholders removed: `/docs/{file:.*}` and
/// `/docs/{file}` are both `/docs/{}`.
pub fn shape(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut depth = 0usize;
    for c in pattern.chars() {
        match c {
            '{' => {
                if depth == 0 {
                    out.push('{');
                }
                depth += 1;
            }
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push('}');
                }
            }
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}
