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
use payments_store::DieselStore;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub enum ServeError {
    Config(ConfigError),
    Run(RunError),
}

pub async fn serve(
    args: ServeArgs,
    payments: Payments,
    store: Arc<DieselStore>,
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
    let backend = store.backend();
    let backend_data = web::Data::new(backend);
    let metrics = web::Data::new(
        crate::metrics::Metrics::new(store)
            .map_err(|e| ServeError::Run(RunError(format!("cannot set up the metrics: {e}"))))?,
    );
    let deadline = args.request_deadline;
    // actix-web counts connections per worker thread; the setting is for the whole server.
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let per_worker = (args.max_connections as usize).div_ceil(workers);

    let server = HttpServer::new({
        let worker_state = worker_state.clone();
        move || {
            App::new()
                .app_data(payments_data.clone())
                .app_data(worker_state.clone())
                .app_data(admin_token.clone())
                .app_data(backend_data.clone())
                .app_data(metrics.clone())
                .app_data(web::Data::new(crate::pay_page::DemoMode(args.demo)))
                .wrap_fn(move |mut req, srv| {
                    // Held until the answer is written (see `HeldBody`).
                    let held = crate::http_util::HeldBody::share(&mut req);
                    // One log line per request, with an id (the client's, if it sent a sane
                    // one). Only the path is logged: query strings carry shop keys.
                    let id = req
                        .headers()
                        .get(&REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
                        .map(str::to_owned)
                        .unwrap_or_else(request_id);
                    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %crate::http_util::loggable_path(req.path()));
                    let started = Instant::now();
                    let path = req.path().to_owned();
                    let fut = srv.call(req);
                    async move {
                        // A request that outlives its deadline (a stalled database, a body
                        // trickled in) is answered 503 in its dialect's words; the work it started
                        // still ends in a whole transaction or none.
                        let mut res = match tokio::time::timeout(deadline, fut).await {
                            Ok(Ok(res)) => res,
                            Ok(Err(e)) => {
                                held.release_later();
                                return Err(e);
                            }
                            Err(_) => {
                                tracing::warn!(status = 503, deadline_ms = deadline.as_millis() as u64, "request deadline passed");
                                held.release_later();
                                return Err(DeadlinePassed { path, request_id: id }.into());
                            }
                        };
                        if let Ok(value) = HeaderValue::from_str(&id) {
                            res.headers_mut().insert(REQUEST_ID, value);
                        }
                        tracing::info!(status = res.status().as_u16(), micros = started.elapsed().as_micros() as u64, "served");
                        Ok(held.hold_until_written(res))
                    }
                    .instrument(span)
                })
                // Outermost: counts every answer, the deadline's 503s included.
                .wrap(actix_web::middleware::from_fn(crate::metrics::track))
                // The dialects first: every request is tried against the routes in the order
                // they are mounted, and theirs are the busy ones. No other route matches a path
                // under `/api`, and theirs match nothing else, so the order changes no answer.
                .configure(rasmiy_api::routes(rasmiy.clone()))
                .configure(tophamyon_api::routes(tophamyon.clone()))
                .route("/health", web::get().to(crate::health::health))
                .route("/metrics", web::get().to(crate::metrics::scrape))
                .configure(crate::openapi::routes)
                .configure(admin::routes)
                .configure(crate::pay_page::routes)
                .default_service(web::to(not_found))
        }
    })
    .workers(workers)
    .max_connections(per_worker)
    .client_request_timeout(args.request_timeout)
    .client_disconnect_timeout(Duration::from_secs(1))
    .keep_alive(args.keep_alive)
    .shutdown_timeout(args.shutdown_timeout.as_secs().max(1))
    .bind(&args.listen)
    .map_err(|e| ServeError::Config(ConfigError(format!("cannot listen on {}: {e}", args.listen))))?;

    let addrs: Vec<String> = server.addrs().iter().map(ToString::to_string).collect();
    tracing::info!(listen = %addrs.join(","), backend = backend.as_str(), demo = args.demo, "kassa serving");
    let (stop_worker, stop) = tokio::sync::watch::channel(false);
    let stop_worker = Arc::new(stop_worker);
    let worker = actix_web::rt::spawn(worker::run(
        payments,
        Arc::clone(&worker_state.into_inner()),
        args.tick,
        notifier,
        Vec::new(),
        stop,
    ));
    // On SIGTERM actix stops accepting and lets the requests in flight finish; at the same
    // moment the worker is told to stop after its tick in progress. Both get the one shutdown
    // timeout, counted from the signal.
    let sigterm = actix_web::rt::spawn(stop_on_sigterm(Arc::clone(&stop_worker)));
    let served = server.run().await;
    let since = if sigterm.is_finished() {
        sigterm.await.ok().flatten()
    } else {
        sigterm.abort();
        None
    };
    stop_worker.send_replace(true);
    let until =
        tokio::time::Instant::from_std(since.unwrap_or_else(Instant::now)) + args.shutdown_timeout;
    if tokio::time::timeout_at(until, worker).await.is_err() {
        tracing::warn!("the worker's tick outlived the shutdown timeout");
    }
    tracing::info!("kassa stopped");
    served.map_err(|e| ServeError::Run(RunError(format!("server failed: {e}"))))
}

/// Waits for SIGTERM, then tells the worker to stop; when it came.
async fn stop_on_sigterm(stop_worker: Arc<tokio::sync::watch::Sender<bool>>) -> Option<Instant> {
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok()?;
        term.recv().await?;
        stop_worker.send_replace(true);
        Some(Instant::now())
    }
    #[cfg(not(unix))]
    {
        let _ = stop_worker;
        std::future::pending().await
    }
}

/// A new request id: what `nanoid::nanoid!(16)` made (16 characters of its URL-safe alphabet,
/// from a generator seeded by the OS for each id), without its byte vector and its string grown
/// a character at a time. The alphabet has 64 characters, so every byte's low 6 bits pick one.
fn request_id() -> String {
    use rand::{Rng, SeedableRng};
    let mut bytes = [0u8; 16];
    rand::rngs::StdRng::from_entropy().fill(&mut bytes[..]);
    let mut id = String::with_capacity(bytes.len());
    for b in bytes {
        id.push(nanoid::alphabet::SAFE[usize::from(b & 63)]);
    }
    id
}

/// A request past its deadline: answered 503 with the body of the dialect it was for.
#[derive(Debug)]
struct DeadlinePassed {
    path: String,
    request_id: String,
}

impl std::fmt::Display for DeadlinePassed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "request deadline passed")
    }
}

impl actix_web::ResponseError for DeadlinePassed {
    fn status_code(&self) -> StatusCode {
        StatusCode::SERVICE_UNAVAILABLE
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = if self.path == "/api" {
            rasmiy_api::errors::ApiError::Unavailable.response()
        } else if self.path.starts_with("/api/") {
            tophamyon_api::errors::ApiError::unavailable().to_response()
        } else {
            actix_web::ResponseError::error_response(&ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the request took too long; try again shortly",
            ))
        };
        if let Ok(value) = HeaderValue::from_str(&self.request_id) {
            res.headers_mut().insert(REQUEST_ID, value);
        }
        res
    }
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such route",
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn request_ids_are_sixteen_characters_of_nanoids_alphabet() {
        let ids: Vec<String> = (0..200).map(|_| super::request_id()).collect();
        for id in &ids {
            assert_eq!(id.len(), 16, "{id}");
            assert!(
                id.chars().all(|c| nanoid::alphabet::SAFE.contains(&c)),
                "{id}"
            );
        }
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
    }
}
