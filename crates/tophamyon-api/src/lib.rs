//! # tophamyon-api
//!
//! The TopHamyon dialect of Kassa: five actix-web resources under `/api/…`
//! (`check_shop`, `get_balance`, `create_payment`, `check_payment`, `get_payments`) that answer
//! exactly as the TopHamyon document shows, so clients written against it (its Python `requests`
//! sample included) work unchanged against Kassa.
//!
//! The crate is an adapter and nothing more: each request is **parsed** at the edge into
//! `payments-core`'s typed values ([`query`], [`input`], [`fields`]), handed to
//! [`payments_core::Payments`] on the blocking pool (`handlers`), and the outcome is
//! **rendered** in the dialect's JSON ([`render`], over the small writer in [`json`]).
//! Every [`payments_core::PaymentError`] is mapped to a dialect error once, in [`errors`].
//! The crate never touches storage and never formats another dialect's answers; the `kassa`
//! binary mounts it beside `rasmiy-api` (which owns the bare `/api` path):
//!
//! ```no_run
//! # use actix_web::{App, web};
//! # fn app(payments: payments_core::Payments) {
//! let config = tophamyon_api::TopHamyonConfig { public_url: "https://pay.example.uz".into() };
//! let app = App::new()
//!     .app_data(web::Data::new(payments))
//!     .configure(tophamyon_api::routes(config));
//! # }
//! ```
//!
//! Rules the dialect keeps (see `docs/tophamyon.md`): amounts are JSON numbers written with
//! exactly two decimals (`50000.00`, from tiyin, never through a float); business errors answer
//! HTTP 200 with `{"success":false,"error":"…","code":"…"}`; throttled clients get 429 and
//! faults 5xx with the same body; no request input can make a handler panic.

use actix_web::{HttpRequest, web};

pub mod errors;
pub mod fields;
mod handlers;
pub mod input;
pub mod json;
pub mod openapi;
pub mod query;
pub mod render;

pub use openapi::ROUTES;

/// The pure body reader the fuzz targets in `fuzz/` drive; not part of the API.
#[doc(hidden)]
pub mod fuzzing {
    use crate::query::Params;

    /// Adds a JSON object body's members to `params` as a POST's body is read; `false` when
    /// the body is refused.
    pub fn add_json_body(params: &mut Params, body: &[u8]) -> bool {
        crate::input::add_json(params, body).is_ok()
    }
}

/// Settings of the dialect.
#[derive(Clone, Debug)]
pub struct TopHamyonConfig {
    /// The server's public base URL; page shops' `pay_url` is `{public_url}/pay/{pay_token}`.
    pub public_url: String,
}

/// The five endpoints, in the document's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    CheckShop,
    GetBalance,
    CreatePayment,
    CheckPayment,
    GetPayments,
}

impl Endpoint {
    pub const ALL: [Endpoint; 5] = [
        Endpoint::CheckShop,
        Endpoint::GetBalance,
        Endpoint::CreatePayment,
        Endpoint::CheckPayment,
        Endpoint::GetPayments,
    ];

    /// The name after `/api/`.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::CheckShop => "check_shop",
            Endpoint::GetBalance => "get_balance",
            Endpoint::CreatePayment => "create_payment",
            Endpoint::CheckPayment => "check_payment",
            Endpoint::GetPayments => "get_payments",
        }
    }
}

/// Registers the five endpoints (GET and POST alike; other methods get a dialect 405) and,
/// after them, `/api/{name}` answering `unknown_endpoint`. Expects
/// `web::Data<payments_core::Payments>` in the app data.
pub fn routes(config: TopHamyonConfig) -> impl FnOnce(&mut web::ServiceConfig) + Clone {
    move |cfg: &mut web::ServiceConfig| {
        let settings = web::Data::new(handlers::Settings::new(&config));
        for endpoint in Endpoint::ALL {
            let path = format!("/api/{}", endpoint.name());
            let with_slash = format!("{path}/");
            let handle = move |req: HttpRequest, payload: web::Payload| {
                handlers::handle(endpoint, req, payload)
            };
            // A resource of its own per path: a resource of several paths is matched through a
            // regex set on every request that reaches it; one static path is a string compare.
            for path in [path, with_slash] {
                cfg.service(
                    web::resource(path)
                        .app_data(settings.clone())
                        .route(web::get().to(handle))
                        .route(web::post().to(handle))
                        .default_service(web::to(handlers::method_not_allowed)),
                );
            }
        }
        cfg.service(web::resource("/api/{name}").to(handlers::unknown_endpoint));
    }
}
