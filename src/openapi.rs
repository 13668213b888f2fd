//! `GET /openapi.json` and the Swagger UI at `/docs`.
//!
//! The document is OpenAPI 3.1, generated from the code with utoipa: the two dialects'
//! parts ([`rasmiy_api::openapi::RasmiyDoc`], [`tophamyon_api::openapi::TopHamyonDoc`]), the
//! admin API's ([`crate::admin::openapi::AdminDoc`]) and the server's own routes (here). It is
//! built once, at the first request. Swagger UI's files are compiled into the binary
//! (`utoipa-swagger-ui` with its `vendored` feature), so nothing is fetched at build or run
//! time; the UI reads the document from `../openapi.json`, which works behind a path prefix too.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use std::sync::{Arc, OnceLock};
use utoipa::OpenApi;
use utoipa::openapi::PathItem;
use utoipa_swagger_ui::Config;

#[derive(OpenApi, Debug)]
#[openapi(
    info(
        title = "Kassa",
        description = "Merchant payment gateway: the RasmiyPay and TopHamyon dialects on one ledger, the admin API, the pay page and the server's own routes. Money is integer tiyin inside; RasmiyPay shows amounts as strings (`\"50000\"`), TopHamyon as number tokens with exactly two decimals (`50000.00`). Every error body carries a stable `code`.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(health, openapi_json, docs, docs_file, metrics, pay_page, pay_status, pay_sandbox),
    components(schemas(Health, PayStatus, ServerError)),
    tags(
        (name = "operations", description = "Health, this document, its UI, Prometheus metrics. See docs/operations.md."),
        (name = "pay page", description = "The hosted pay page a page shop's `pay_url` opens. See docs/pay-page.md.")
    )
)]
struct ServerDoc;

/// The whole document: the server's routes, both dialects, the admin API.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ServerDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.merge(rasmiy_api::openapi::RasmiyDoc::openapi());
    doc.merge(tophamyon_api::openapi::TopHamyonDoc::openapi());
    doc.merge(crate::admin::openapi::AdminDoc::openapi());
    unique_operation_ids(&mut doc);
    doc
}

/// An operation described for several methods (`method(get, post)`) has one id for all of
/// them; OpenAPI wants each unique, so the later ones get `_<method>` appended.
fn unique_operation_ids(doc: &mut utoipa::openapi::OpenApi) {
    let mut seen = std::collections::HashSet::new();
    for item in doc.paths.paths.values_mut() {
        for (method, op) in operations(item) {
            if let Some(id) = op.operation_id.clone()
                && !seen.insert(id.clone())
            {
                let renamed = format!("{id}_{method}");
                seen.insert(renamed.clone());
                op.operation_id = Some(renamed);
            }
        }
    }
}

/// The operations of a path item, with their methods.
pub fn operations(
    item: &mut PathItem,
) -> impl Iterator<Item = (&'static str, &mut utoipa::openapi::path::Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("options", item.options.as_mut()),
        ("head", item.head.as_mut()),
        ("patch", item.patch.as_mut()),
        ("trace", item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.map(|op| (method, op)))
}

/// The document as served: compact JSON, TopHamyon's amounts written as number tokens.
fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| match document().to_json() {
        Ok(json) => tophamyon_api::openapi::write_number_tokens(&json),
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise the OpenAPI document");
            r#"{"openapi":"3.1.0","info":{"title":"Kassa","version":"0"},"paths":{}}"#.to_owned()
        }
    })
}

/// Mounts `/openapi.json`, `/docs` and `/docs/{file}` (see `crate::routes::SERVER`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(serve_document))
        .route("/docs", web::get().to(redirect_to_docs))
        .route("/docs/{file:.*}", web::get().to(serve_docs_file));
}

async fn serve_document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document_json())
}

async fn redirect_to_docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

async fn serve_docs_file(req: HttpRequest) -> HttpResponse {
    static CONFIG: OnceLock<Arc<Config<'static>>> = OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        // No validator badge: Swagger UI would otherwise ask validator.swagger.io.
        Arc::new(Config::from("../openapi.json").validator_url("none"))
    });
    let file = req.match_info().get("file").unwrap_or_default();
    match utoipa_swagger_ui::serve(file, Arc::clone(config)) {
        Ok(Some(found)) => {
            let mut res = HttpResponse::Ok();
            res.content_type(found.content_type);
            if found.gzpipped {
                res.insert_header((header::CONTENT_ENCODING, "gzip"));
            }
            res.body(found.bytes.into_owned())
        }
        Ok(None) => not_found(),
        Err(e) => {
            tracing::error!(error = %e, file, "swagger ui file failed");
            not_found()
        }
    }
}

fn not_found() -> HttpResponse {
    actix_web::ResponseError::error_response(&crate::http_util::ApiError::new(
        actix_web::http::StatusCode::NOT_FOUND,
        "not_found",
        "no such route",
    ))
}

/// `GET /health`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // a schema only: `health::health` writes it
struct Health {
    /// `ok` or `unavailable`.
    #[schema(example = "ok")]
    status: String,
    /// `ok` or `unreachable`.
    #[schema(example = "ok")]
    database: String,
    /// `sqlite` or `postgres`.
    #[schema(example = "sqlite")]
    backend: String,
    /// When the worker last finished a tick (RFC 3339), `null` before the first.
    #[schema(example = "2026-11-24T13:05:10+05:00")]
    last_tick: Option<String>,
    #[schema(example = 4)]
    last_tick_age_seconds: Option<i64>,
    #[schema(example = "0.1.0")]
    version: String,
}

/// The pay page's live status.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // a schema only: `pay_page::view::status_json` writes it
struct PayStatus {
    /// `pending`, `paid`, `cancelled` or `expired`.
    #[schema(example = "pending")]
    status: String,
    #[schema(example = 287)]
    seconds_left: i64,
}

/// An error of the server's own routes: `{"error": "…", "code": "…"}`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // a schema only: `http_util::ApiError` writes it
struct ServerError {
    #[schema(example = "no such route")]
    error: String,
    /// `not_found`, `unavailable`, …
    #[schema(example = "not_found")]
    code: String,
}

/// Database reachability, the worker's last tick, the version.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses(
        (status = 200, description = "The database answers.", body = Health),
        (status = 503, description = "The database is unreachable.", body = Health)
    ))]
#[allow(dead_code)]
fn health() {}

/// This document (OpenAPI 3.1).
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI document.", content_type = "application/json")))]
#[allow(dead_code)]
fn openapi_json() {}

/// Redirects to `/docs/`.
#[utoipa::path(get, path = "/docs", tag = "operations",
    responses((status = 308, description = "To `/docs/`.", headers(("Location" = String)))))]
#[allow(dead_code)]
fn docs() {}

/// Swagger UI (its files are part of the binary): `/docs/` is the page.
#[utoipa::path(get, path = "/docs/{file}", tag = "operations",
    params(("file" = String, Path, description = "Empty for the page, or one of its files.")),
    responses(
        (status = 200, description = "The page or one of its files.", content_type = "text/html"),
        (status = 404, description = "No such file.", body = ServerError)
    ))]
#[allow(dead_code)]
fn docs_file() {}

/// Prometheus metrics, text format 0.0.4: requests by route and status, latency, orders by
/// status, the worker's tick age, the outbox backlog. See docs/operations.md.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "The metrics.", content_type = "text/plain; version=0.0.4",
        example = json!("# TYPE kassa_orders gauge\nkassa_orders{status=\"paid\"} 3\n"))))]
#[allow(dead_code)]
fn metrics() {}

/// The pay page: amount, card, countdown and live status, in Uzbek, Russian or English.
#[utoipa::path(get, path = "/pay/{token}", tag = "pay page",
    params(
        ("token" = String, Path, description = "The pay-page token of `pay_url` (not the order code)."),
        ("lang" = Option<String>, Query, description = "`uz`, `ru` or `en`; otherwise from `Accept-Language`."),
        ("return" = Option<String>, Query, description = "An `https://` URL to offer once the order is final.")
    ),
    responses(
        (status = 200, description = "The page.", content_type = "text/html"),
        (status = 404, description = "A friendly page: unknown token.", content_type = "text/html"),
        (status = 503, description = "A friendly page: the database is unreachable.", content_type = "text/html")
    ))]
#[allow(dead_code)]
fn pay_page() {}

/// The order's status, polled by the page.
#[utoipa::path(get, path = "/pay/{token}/status", tag = "pay page",
    params(("token" = String, Path, description = "The pay-page token.")),
    responses(
        (status = 200, description = "The status.", body = PayStatus),
        (status = 404, description = "`not_found`.", body = ServerError),
        (status = 503, description = "`unavailable`.", body = ServerError)
    ))]
#[allow(dead_code)]
fn pay_status() {}

/// Demo mode only (`serve --demo`): pays the order with exactly its payable amount, through
/// the same matching as a bank notification. 404 otherwise.
#[utoipa::path(post, path = "/pay/{token}/sandbox", tag = "pay page",
    params(("token" = String, Path, description = "The pay-page token.")),
    responses(
        (status = 200, description = "With `Accept: application/json`: the new status.", body = PayStatus),
        (status = 303, description = "Without: back to the page.", headers(("Location" = String))),
        (status = 404, description = "Not in demo mode, or no such order.", body = ServerError)
    ))]
#[allow(dead_code)]
fn pay_sandbox() {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The document describes exactly the routes listed in `crate::routes` and the dialects'.
    #[test]
    fn documents_exactly_the_listed_routes() {
        let listed: BTreeSet<(String, String)> = rasmiy_api::ROUTES
            .iter()
            .chain(tophamyon_api::ROUTES)
            .chain(crate::routes::SERVER)
            .chain(crate::routes::PAY_PAGE)
            .chain(crate::routes::ADMIN)
            .map(|(m, p)| (m.to_ascii_lowercase(), (*p).to_owned()))
            .collect();
        let mut doc = document();
        let mut documented = BTreeSet::new();
        let mut ids = BTreeSet::new();
        for (path, item) in doc.paths.paths.iter_mut() {
            for (method, op) in operations(item) {
                documented.insert((method.to_owned(), path.clone()));
                let id = op.operation_id.clone().unwrap_or_default();
                assert!(ids.insert(id.clone()), "operationId {id} twice");
            }
        }
        assert_eq!(documented, listed);
    }

    #[test]
    fn served_document_is_json_and_3_1() {
        let value: serde_json::Value =
            serde_json::from_str(document_json()).expect("the document is JSON");
        assert!(value["openapi"].as_str().unwrap_or("").starts_with("3.1"));
        assert!(document_json().contains("\"balance\":1000.00"));
    }
}
