//! `GET /metrics`: Prometheus text format (0.0.4), from the `prometheus` crate's registry.
//!
//! - `kassa_http_requests_total{method,route,status}` and
//!   `kassa_http_request_duration_seconds{method,route}` (a histogram), counted by [`track`]
//!   for every request. `route` is the route's documented path (`/admin/shops/{id}`, as in
//!   `GET /openapi.json`), never the raw path with its ids and tokens; a request that matched
//!   no route is `unmatched`. So the number of series is bounded by the routes.
//! - `kassa_orders{status}`: orders in each status, one grouped count cached for
//!   [`CACHE_FOR`]; `kassa_outbox_backlog`: notifications not yet sent, cached alike;
//!   `kassa_database_up`: whether the last of these reads worked (the gauges keep their last
//!   values while it fails).
//! - `kassa_worker_last_tick_age_seconds`: seconds since the worker last finished a tick
//!   (since the server started, before the first), and `kassa_worker_last_tick_timestamp_seconds`.
//! - `kassa_build_info{version}`: always 1.

use crate::http_util::blocking;
use crate::routes::shape;
use crate::worker::WorkerState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use payments_core::Payments;
use payments_store::DieselStore;
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

/// How long the database counts are reused between scrapes.
pub const CACHE_FOR: Duration = Duration::from_secs(5);

/// Latency buckets, in seconds.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A request's series: (method, route, status).
type SeriesKey = (&'static str, &'static str, u16);

/// The server's metrics and what it needs to read them.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    orders: IntGaugeVec,
    backlog: IntGauge,
    database_up: IntGauge,
    tick_age: IntGauge,
    tick_time: IntGauge,
    /// Route pattern with its placeholders emptied (`/admin/shops/{}`) → documented path.
    routes: HashMap<String, &'static str>,
    /// The paths of the routes without placeholders, with and without a trailing `/` → their
    /// label, found the first time through [`Metrics::route_label`] of actix's own
    /// `match_pattern` and kept (the route map does not change while the server runs). Asking
    /// actix walks the whole route map, regexes included, before the request is routed.
    static_labels: HashMap<String, OnceLock<&'static str>>,
    store: Arc<DieselStore>,
    started: Instant,
    /// When the database counts were last read.
    refreshed: Mutex<Option<Instant>>,
    /// (method, route, status) → its request counter and (method, route)'s latency histogram,
    /// taken from the vectors the first time and kept: the same series, without the status
    /// formatted and both vectors' label hashes looked up on every request. Bounded by the
    /// methods, routes and statuses there are.
    handles: RwLock<HashMap<SeriesKey, (IntCounter, Histogram)>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    pub fn new(store: Arc<DieselStore>) -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "kassa_http_requests_total",
                "HTTP requests answered, by method, route (its documented path) and status.",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "kassa_http_request_duration_seconds",
                "Time from a request's arrival to its answer's head, by method and route.",
            )
            .buckets(BUCKETS.to_vec()),
            &["method", "route"],
        )?;
        let orders = IntGaugeVec::new(
            Opts::new(
                "kassa_orders",
                "Orders in each status (read at most every 5 seconds).",
            ),
            &["status"],
        )?;
        let backlog = IntGauge::new(
            "kassa_outbox_backlog",
            "Webhooks and Telegram messages not yet sent (read at most every 5 seconds).",
        )?;
        let database_up = IntGauge::new(
            "kassa_database_up",
            "1 if the last read of kassa_orders and kassa_outbox_backlog worked, else 0 (they keep their last values).",
        )?;
        let tick_age = IntGauge::new(
            "kassa_worker_last_tick_age_seconds",
            "Seconds since the worker last finished a tick (since the start, before the first).",
        )?;
        let tick_time = IntGauge::new(
            "kassa_worker_last_tick_timestamp_seconds",
            "When the worker last finished a tick (unix seconds; 0 before the first).",
        )?;
        let build = IntGaugeVec::new(
            Opts::new("kassa_build_info", "The running version; always 1."),
            &["version"],
        )?;
        build.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(orders.clone()))?;
        registry.register(Box::new(backlog.clone()))?;
        registry.register(Box::new(database_up.clone()))?;
        registry.register(Box::new(tick_age.clone()))?;
        registry.register(Box::new(tick_time.clone()))?;
        registry.register(Box::new(build))?;
        // Every documented route's path.
        let paths = || {
            rasmiy_api::ROUTES
                .iter()
                .chain(tophamyon_api::ROUTES)
                .chain(crate::routes::SERVER)
                .chain(crate::routes::PAY_PAGE)
                .chain(crate::routes::ADMIN)
                .map(|(_, path)| *path)
        };
        let routes = paths().map(|path| (shape(path), path)).collect();
        let static_labels = paths()
            .filter(|path| !path.contains('{'))
            .flat_map(|path| {
                let bare = path.trim_end_matches('/');
                [bare.to_owned(), format!("{bare}/")]
            })
            .map(|path| (path, OnceLock::new()))
            .collect();
        Ok(Metrics {
            registry,
            requests,
            latency,
            orders,
            backlog,
            database_up,
            tick_age,
            tick_time,
            routes,
            static_labels,
            store,
            started: Instant::now(),
            refreshed: Mutex::new(None),
            handles: RwLock::new(HashMap::new()),
        })
    }

    /// The `route` label of a request: the documented path of the route it matched.
    fn route_label(&self, pattern: Option<&str>) -> &'static str {
        pattern
            .and_then(|p| {
                let shaped = shape(p);
                self.routes
                    .get(&shaped)
                    .or_else(|| self.routes.get(shaped.trim_end_matches('/')))
                    .copied()
            })
            .unwrap_or("unmatched")
    }

    /// The `route` label of a request about to be routed.
    fn request_label(&self, req: &ServiceRequest) -> &'static str {
        match self.static_labels.get(req.path()) {
            Some(label) => label.get_or_init(|| self.route_label(req.match_pattern().as_deref())),
            None => self.route_label(req.match_pattern().as_deref()),
        }
    }

    fn observe(&self, method: &'static str, route: &'static str, status: u16, took: Duration) {
        let key = (method, route, status);
        if let Ok(handles) = self.handles.read()
            && let Some((count, time)) = handles.get(&key)
        {
            count.inc();
            time.observe(took.as_secs_f64());
            return;
        }
        let count = self
            .requests
            .with_label_values(&[method, route, &status.to_string()]);
        let time = self.latency.with_label_values(&[method, route]);
        count.inc();
        time.observe(took.as_secs_f64());
        if let Ok(mut handles) = self.handles.write() {
            handles.insert(key, (count, time));
        }
    }

    /// Claims the next refresh of the database counts, if they are older than [`CACHE_FOR`].
    fn due(&self) -> bool {
        let Ok(mut last) = self.refreshed.lock() else {
            return true;
        };
        match *last {
            Some(at) if at.elapsed() < CACHE_FOR => false,
            _ => {
                *last = Some(Instant::now());
                true
            }
        }
    }
}

fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PATCH => "PATCH",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Middleware (`middleware::from_fn`): counts and times every request.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let labels = metrics
        .as_ref()
        .map(|m| (method_label(req.method()), m.request_label(&req)));
    let started = Instant::now();
    let res = next.call(req).await;
    if let (Some(m), Some((method, route))) = (metrics, labels) {
        let status = match &res {
            Ok(r) => r.status().as_u16(),
            Err(e) => e.as_response_error().status_code().as_u16(),
        };
        m.observe(method, route, status, started.elapsed());
    }
    res
}

/// `GET /metrics`.
pub async fn scrape(
    metrics: web::Data<Metrics>,
    payments: web::Data<Payments>,
    worker: web::Data<WorkerState>,
) -> HttpResponse {
    if metrics.due() {
        let (store, p) = (Arc::clone(&metrics.store), payments.get_ref().clone());
        let read = blocking(move || {
            let counts = store.order_counts()?;
            let backlog = p.outbox_backlog()?;
            Ok((counts, backlog))
        })
        .await;
        match read {
            Ok((counts, backlog)) => {
                for (status, n) in counts {
                    metrics
                        .orders
                        .with_label_values(&[status.as_str()])
                        .set(i64::try_from(n).unwrap_or(i64::MAX));
                }
                metrics
                    .backlog
                    .set(i64::try_from(backlog).unwrap_or(i64::MAX));
                metrics.database_up.set(1);
            }
            Err(e) => {
                tracing::warn!(error = %e, "metrics: cannot read the counts");
                metrics.database_up.set(0);
            }
        }
    }
    let now = payments.now().unix_timestamp();
    match worker.last_tick() {
        Some(t) => {
            metrics.tick_time.set(t);
            metrics.tick_age.set((now - t).max(0));
        }
        None => {
            let since_start = i64::try_from(metrics.started.elapsed().as_secs()).unwrap_or(0);
            metrics.tick_age.set(since_start);
        }
    }
    let encoder = TextEncoder::new();
    let mut body = Vec::new();
    if let Err(e) = encoder.encode(&metrics.registry.gather(), &mut body) {
        tracing::error!(error = %e, "metrics: cannot encode");
        return HttpResponse::ServiceUnavailable().finish();
    }
    HttpResponse::Ok()
        .content_type(encoder.format_type())
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::shape;

    #[test]
    fn shapes_patterns() {
        assert_eq!(shape("/docs/{file:.*}"), "/docs/{}");
        assert_eq!(shape("/docs/{file}"), "/docs/{}");
        assert_eq!(
            shape("/admin/shops/{id}/deliveries/{outbox_id}/redeliver"),
            "/admin/shops/{}/deliveries/{}/redeliver"
        );
        assert_eq!(shape("/x/{a:\\d{2}}"), "/x/{}");
        assert_eq!(shape("/api"), "/api");
    }
}
