//! `kassa serve`: both dialects, health and admin on one actix-web server, and the worker.

use crate::admin::{self, AdminToken};
use crate::cli::ServeArgs;
use crate::config::{ConfigError, RunError};
use crate::http_util::ApiError;
use crate::worker::{self, WorkerState};
use actix_web::dev::Service;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpResponse, HttpServer, web};
use payments_core::Payments;
use payments_store::Backend;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub enum ServeError {
    Config(ConfigError),
    Run(RunError),
}

pub async fn serve(
    args: ServeArgs,
    payments: Payments,
    backend: Backend,
    notifier: crate::notifier::Notifier,
) -> Result<(), ServeError> {
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", args.listen));
    let public_url = public_url.trim_end_matches('/').to_owned();
    let rasmiy = rasmiy_api::RasmiyConfig {
        public_url: public_url.clone(),
    };
    let tophamyon = tophamyon_api::TopHamyonConfig { public_url };
    let worker_state = web::Data::new(WorkerState::default());
    let admin_token = web::Data::new(AdminToken(
        args.admin_token.clone().filter(|t| !t.is_empty()),
    ));
    let payments_data = web::Data::new(payments.clone());
    let backend_data = web::Data::new(backend);

    let server = HttpServer::new({
        let worker_state = worker_state.clone();
        move || {
            App::new()
                .app_data(payments_data.clone())
                .app_data(worker_state.clone())
                .app_data(admin_token.clone())
                .app_data(backend_data.clone())
                .app_data(web::Data::new(crate::pay_page::DemoMode(args.demo)))
                .wrap_fn(|req, srv| {
                    // One log line per request, with an id (the client's, if it sent a sane
                    // one). Only the path is logged: query strings carry shop keys.
                    let id = req
                        .headers()
                        .get(&REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
                        .map(str::to_owned)
                        .unwrap_or_else(|| nanoid::nanoid!(16));
                    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.path());
                    let started = Instant::now();
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        if let Ok(value) = HeaderValue::from_str(&id) {
                            res.headers_mut().insert(REQUEST_ID, value);
                        }
                        tracing::info!(status = res.status().as_u16(), micros = started.elapsed().as_micros() as u64, "served");
                        Ok(res)
                    }
                    .instrument(span)
                })
                .route("/health", web::get().to(crate::health::health))
                .configure(admin::routes)
                .configure(rasmiy_api::routes(rasmiy.clone()))
                .configure(tophamyon_api::routes(tophamyon.clone()))
                .configure(crate::pay_page::routes)
                .default_service(web::to(not_found))
        }
    })
    .bind(&args.listen)
    .map_err(|e| ServeError::Config(ConfigError(format!("cannot listen on {}: {e}", args.listen))))?;

    let addrs: Vec<String> = server.addrs().iter().map(ToString::to_string).collect();
    tracing::info!(listen = %addrs.join(","), backend = backend.as_str(), demo = args.demo, "kassa serving");
    actix_web::rt::spawn(worker::run(
        payments,
        Arc::clone(&worker_state.into_inner()),
        args.tick,
        notifier,
        Vec::new(),
    ));
    server
        .run()
        .await
        .map_err(|e| ServeError::Run(RunError(format!("server failed: {e}"))))
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such route",
    ))
}
