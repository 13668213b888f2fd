//! # rasmiy-api
//!
//! The RasmiyPay dialect of Kassa: one actix-web resource, `/api`, that answers clients written
//! against the RasmiyPay document (its PHP sample included) exactly as the original service
//! did. The `method` parameter picks the call: `create`, `check`, `cancel`, or none for the
//! shop-info call.
//!
//! Each request goes one way through small modules:
//!
//! 1. [`body`] reads the query string and the body (form, multipart, JSON, or sniffed) into
//!    [`params::Params`], merged as PHP's `$_REQUEST` (body wins, last repeated name wins);
//! 2. [`call`] turns them into a typed [`call::Call`] using payments-core's parsers
//!    (`ShopId`, `ShopKey`, `Money`, `OrderCode`);
//! 3. [`handlers`] makes **one** payments-core call on the blocking pool;
//! 4. [`render`] writes the document's JSON, or [`errors`] maps the `PaymentError` (once) to
//!    the dialect's `{"status":"error","message":"…","code":"…"}` body.
//!
//! The crate never touches the database (no diesel here), and payments-core never sees these
//! JSON shapes. Shop keys are never logged.
//!
//! ```no_run
//! # use actix_web::{App, web};
//! # fn app(payments: payments_core::Payments) {
//! let config = rasmiy_api::RasmiyConfig { public_url: "https://kassa.example".into() };
//! let app = App::new()
//!     .app_data(web::Data::new(payments))
//!     .configure(rasmiy_api::routes(config));
//! # }
//! ```

pub mod body;
pub mod call;
pub mod errors;
pub mod handlers;
pub mod openapi;
pub mod params;
pub mod render;

use actix_web::web;

/// Settings of the dialect.
#[derive(Clone, Debug)]
pub struct RasmiyConfig {
    /// The server's public base URL: page shops get `{public_url}/pay/{token}` as `pay_url`.
    pub public_url: String,
}

/// Every route [`routes`] mounts, as (method, path): the list the server's OpenAPI document is
/// checked against (`tests/openapi.rs`). Other methods on `/api` get the dialect's 405.
pub const ROUTES: &[(&str, &str)] = &[("GET", "/api"), ("POST", "/api")];

/// Registers `/api` (GET and POST; any other method gets the dialect's error body). Expects
/// `web::Data<payments_core::Payments>` in the app data.
pub fn routes(config: RasmiyConfig) -> impl FnOnce(&mut web::ServiceConfig) + Clone {
    move |cfg: &mut web::ServiceConfig| {
        cfg.service(
            web::resource("/api")
                .app_data(web::Data::new(config))
                .route(web::get().to(handlers::api))
                .route(web::post().to(handlers::api))
                .default_service(web::to(handlers::method_not_allowed)),
        );
    }
}

#[cfg(test)]
mod tests;
