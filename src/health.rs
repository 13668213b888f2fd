//! `GET /health`: database reachability, the worker's last tick, the version. 503 when the
//! database cannot be reached.

use crate::http_util::blocking;
use crate::worker::WorkerState;
use actix_web::{HttpResponse, web};
use payments_core::Payments;
use serde_json::json;
use std::time::Duration;
use time::format_description::well_known::Rfc3339;

/// Longest the health check waits for the database.
const PING_TIMEOUT: Duration = Duration::from_secs(3);

pub async fn health(
    payments: web::Data<Payments>,
    worker: web::Data<WorkerState>,
    backend: web::Data<payments_store::Backend>,
) -> HttpResponse {
    let p = payments.get_ref().clone();
    let ping = tokio::time::timeout(PING_TIMEOUT, blocking(move || Ok(p.store().ping()?))).await;
    let db_ok = matches!(ping, Ok(Ok(())));
    let now = payments.now().unix_timestamp();
    let last_tick = worker.last_tick();
    let body = json!({
        "status": if db_ok { "ok" } else { "unavailable" },
        "database": if db_ok { "ok" } else { "unreachable" },
        "backend": backend.as_str(),
        "last_tick": last_tick
            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
            .map(|t| payments.local(t).format(&Rfc3339).unwrap_or_default()),
        "last_tick_age_seconds": last_tick.map(|t| (now - t).max(0)),
        "version": env!("CARGO_PKG_VERSION"),
    });
    if db_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
