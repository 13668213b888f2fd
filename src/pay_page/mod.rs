//! The hosted pay page: what a payer of a page shop's `pay_url` sees.
//!
//! - `GET /pay/<token>`: the order's page (shop, order code, exact amount, card, countdown,
//!   live status), or a friendly 404 page for an unknown or malformed token.
//! - `GET /pay/<token>/status`: `{"status": "pending|paid|cancelled|expired", "seconds_left": N}`,
//!   polled by the page's one inline script.
//! - `POST /pay/<token>/sandbox`: demo mode only (404 otherwise): pays the order.
//!
//! The token is not the order code: it opens the page but checks and cancels nothing through
//! the APIs. Every answer carries a strict CSP (the inline style and script run by a
//! per-response nonce), `no-referrer`, `nosniff`, `no-store` and `DENY` framing.

mod i18n;
mod render;
mod view;

use crate::http_util::blocking;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use i18n::{Lang, Texts};
use payments_core::{OrderStatus, OrderView, PayToken, PaymentError, Payments};
use view::{PageOptions, PageView, ReturnUrl};

/// Whether the server runs with `--demo` (the sandbox button and route exist only then).
#[derive(Clone, Copy, Debug, Default)]
pub struct DemoMode(pub bool);

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/pay")
            .route("/{token}", web::get().to(page))
            .route("/{token}/status", web::get().to(status))
            .route("/{token}/sandbox", web::post().to(sandbox))
            .default_service(web::to(not_found)),
    );
}

/// `?lang=` and `?return=` from the query string (unreadable query strings are ignored), and
/// `Accept-Language`.
fn options(req: &HttpRequest) -> PageOptions {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .unwrap_or_default();
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    PageOptions {
        lang: Lang::choose(get("lang"), accept),
        return_url: get("return").and_then(ReturnUrl::parse),
    }
}

fn token(req: &HttpRequest) -> Option<PayToken> {
    req.match_info()
        .get("token")
        .and_then(|t| PayToken::parse(t).ok())
}

fn is_demo(demo: Option<&web::Data<DemoMode>>) -> bool {
    demo.is_some_and(|d| d.0)
}

/// The headers every answer of the pay page carries. `nonce` allows the page's own inline
/// style and script and nothing else.
fn secured(status: StatusCode, nonce: Option<&str>) -> HttpResponseBuilder {
    let csp = match nonce {
        Some(n) => format!(
            "default-src 'none'; script-src 'nonce-{n}'; style-src 'nonce-{n}'; \
             connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; \
             frame-ancestors 'none'"
        ),
        None => "default-src 'none'; frame-ancestors 'none'".to_owned(),
    };
    let mut res = HttpResponse::build(status);
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        res.insert_header((header::CONTENT_SECURITY_POLICY, csp));
    }
    res.insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"));
    res
}

fn html(status: StatusCode, nonce: &str, markup: maud::Markup, lang: Lang) -> HttpResponse {
    secured(status, Some(nonce))
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_LANGUAGE, lang.code()))
        .insert_header((header::VARY, "Accept-Language"))
        .body(markup.into_string())
}

fn new_nonce() -> String {
    nanoid::nanoid!(22)
}

fn message_page(
    status: StatusCode,
    options: &PageOptions,
    title: fn(&Texts) -> &'static str,
    text: fn(&Texts) -> &'static str,
) -> HttpResponse {
    let nonce = new_nonce();
    let markup = render::message(options, &nonce, title, text);
    html(status, &nonce, markup, options.lang)
}

fn not_found_page(options: &PageOptions) -> HttpResponse {
    message_page(
        StatusCode::NOT_FOUND,
        options,
        |t| t.not_found_title,
        |t| t.not_found_text,
    )
}

fn unavailable_page(options: &PageOptions) -> HttpResponse {
    message_page(
        StatusCode::SERVICE_UNAVAILABLE,
        options,
        |t| t.unavailable_title,
        |t| t.unavailable_text,
    )
}

/// Anything under `/pay/` that is not one of the routes: the friendly 404 page.
async fn not_found(req: HttpRequest) -> HttpResponse {
    not_found_page(&options(&req))
}

/// An unknown token and a store that cannot answer are told apart: the first is 404, the
/// second 503 ("try again"), never 500.
fn failure_page(e: &PaymentError, options: &PageOptions) -> HttpResponse {
    match e {
        PaymentError::OrderNotFound => not_found_page(options),
        e => {
            tracing::warn!(error = %e, "pay page: order look-up failed");
            unavailable_page(options)
        }
    }
}

/// The order behind a token: at once on this worker when the store can read without waiting
/// ([`Payments::read_now`]), else on the blocking pool.
async fn lookup(payments: &Payments, token: PayToken) -> Result<OrderView, PaymentError> {
    match payments.read_now(move |p| p.order_by_token(&token)) {
        Ok(found) => found,
        Err(read) => {
            let p = payments.clone();
            blocking(move || read(&p)).await
        }
    }
}

/// `GET /pay/<token>`.
async fn page(
    req: HttpRequest,
    payments: web::Data<Payments>,
    demo: Option<web::Data<DemoMode>>,
) -> HttpResponse {
    let options = options(&req);
    let Some(token) = token(&req) else {
        return not_found_page(&options);
    };
    match lookup(&payments, token).await {
        Ok(order) => {
            let now = payments.now();
            let expires = payments.local(order.order.expires_at);
            let view = PageView::new(&order, now, expires, is_demo(demo.as_ref()));
            let nonce = new_nonce();
            let markup = render::page(&view, &options, &nonce);
            html(StatusCode::OK, &nonce, markup, options.lang)
        }
        Err(e) => failure_page(&e, &options),
    }
}

fn json(status: StatusCode, body: serde_json::Value) -> HttpResponse {
    secured(status, None).json(body)
}

fn json_failure(e: &PaymentError) -> HttpResponse {
    match e {
        PaymentError::OrderNotFound => json(
            StatusCode::NOT_FOUND,
            serde_json::json!({ "error": "no such payment page", "code": "not_found" }),
        ),
        e => {
            tracing::warn!(error = %e, "pay page: status look-up failed");
            json(
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({ "error": "try again shortly", "code": "unavailable" }),
            )
        }
    }
}

/// `GET /pay/<token>/status`: `{"status": …, "seconds_left": N}`.
async fn status(req: HttpRequest, payments: web::Data<Payments>) -> HttpResponse {
    let Some(token) = token(&req) else {
        return json_failure(&PaymentError::OrderNotFound);
    };
    match lookup(&payments, token).await {
        Ok(order) => json(StatusCode::OK, view::status_json(&order, payments.now())),
        Err(e) => json_failure(&e),
    }
}

/// Pays the order behind a pay-page token: the sandbox's whole effect.
///
/// The settlement's sandbox source: a payment of exactly the payable amount to the order's card,
/// matched like any bank notification (one reference per order, so pressing twice records it
/// once). An order that is no longer pending is left as it is, rather than recording a late
/// payment for review.
fn sandbox_pay(payments: &Payments, token: &PayToken) -> Result<(), PaymentError> {
    let view = payments.order_by_token(token)?;
    if view.order.effective_status(payments.now()) != OrderStatus::Pending {
        return Ok(());
    }
    payments.sandbox_pay(token).map(|_| ())
}

/// `POST /pay/<token>/sandbox` (demo mode only). The page's script asks for JSON and gets the
/// new status; the plain form (no JavaScript) is sent back to the page with 303.
async fn sandbox(
    req: HttpRequest,
    payments: web::Data<Payments>,
    demo: Option<web::Data<DemoMode>>,
) -> HttpResponse {
    let options = options(&req);
    let wants_json = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let token = match token(&req) {
        Some(token) if is_demo(demo.as_ref()) => token,
        _ if wants_json => return json_failure(&PaymentError::OrderNotFound),
        _ => return not_found_page(&options),
    };
    let p = payments.get_ref().clone();
    let location = format!("/pay/{}{}", token.as_str(), options.query(options.lang));
    let result = blocking(move || {
        sandbox_pay(&p, &token)?;
        p.order_by_token(&token)
    })
    .await;
    match result {
        Ok(order) if wants_json => json(StatusCode::OK, view::status_json(&order, payments.now())),
        Ok(_) => secured(StatusCode::SEE_OTHER, None)
            .insert_header((header::LOCATION, location))
            .finish(),
        Err(e) if wants_json => json_failure(&e),
        Err(e) => failure_page(&e, &options),
    }
}
