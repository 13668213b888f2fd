//! PostgreSQL outages under load, through a TCP proxy the test controls (the machine's shared
//! PostgreSQL server is never touched): the database is cut (connections closed, new ones
//! refused) or stalled (nothing forwarded, nothing closed) while clients of both dialects
//! create, confirm, cancel and check. The server must answer every request — 503 with the
//! dialect's body while the database is away, never a 500, never a hang past a generous
//! liveness bound — report 503 on `/health`, and recover by itself when the proxy restores,
//! with nothing half-written.

mod common;

use common::chaos_proxy::ChaosProxy;
use common::checks;
use common::recorder::Recorder;
use common::{ADMIN_TOKEN, Db, Server};
use payments_core::OrderStatus;
use payments_store::testing::PgTestDb;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// No request may take longer than this, outage or not: a liveness bound, not a speed target.
const LIVENESS: Duration = Duration::from_secs(15);
const CLIENTS: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Dialect {
    Rasmiy,
    TopHamyon,
    Admin,
}

struct Sample {
    at: Instant,
    took: Duration,
    dialect: Dialect,
    /// `None`: no answer at all (the connection failed or the client gave up).
    status: Option<u16>,
    body: Value,
}

#[derive(Default)]
struct Log {
    samples: Vec<Sample>,
    /// Order code → the last status a client saw succeed.
    orders: HashMap<String, OrderStatus>,
}

fn call(dialect: Dialect, req: ureq::Request, body: Option<&str>) -> Sample {
    let at = Instant::now();
    let result = match body {
        Some(b) => req.send_string(b),
        None => req.call(),
    };
    let (status, body) = match result {
        Ok(r) | Err(ureq::Error::Status(_, r)) => {
            let status = r.status();
            let text = r.into_string().unwrap_or_default();
            (
                Some(status),
                serde_json::from_str(&text).unwrap_or(Value::String(text)),
            )
        }
        Err(ureq::Error::Transport(t)) => (None, Value::String(t.to_string())),
    };
    Sample {
        at,
        took: at.elapsed(),
        dialect,
        status,
        body,
    }
}

fn client(base: String, seed: u64, stop: Arc<AtomicBool>, log: Arc<Mutex<Log>>) {
    // Longer than the liveness bound, so a hang is measured rather than cut short here.
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(40))
        .build();
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let mut n = seed;
    while !stop.load(Ordering::SeqCst) {
        n = n
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let amount = 1000 + (n >> 33) % 400_000;
        let rasmiy = (n >> 20).is_multiple_of(2);
        let s = if rasmiy {
            call(
                Dialect::Rasmiy,
                agent
                    .post(&format!("{base}/api?method=create"))
                    .set("Content-Type", "application/x-www-form-urlencoded"),
                Some(&format!(
                    "shop_id=695008&shop_key=Z631XLBO7O&amount={amount}"
                )),
            )
        } else {
            call(
                Dialect::TopHamyon,
                agent.get(&format!(
                    "{base}/api/create_payment?shop_id=101&shop_key=test_key_123&amount={amount}"
                )),
                None,
            )
        };
        let code = match (s.status, rasmiy) {
            (Some(200), true) if s.body["status"] == "success" => s.body["order"].as_str(),
            (Some(200), false) if s.body["success"] == true => s.body["order_id"].as_str(),
            _ => None,
        }
        .map(str::to_owned);
        log.lock().expect("lock").samples.push(s);
        let Some(code) = code else {
            continue;
        };
        log.lock()
            .expect("lock")
            .orders
            .insert(code.clone(), OrderStatus::Pending);
        let s = match (n >> 40) % 3 {
            0 => call(
                Dialect::Admin,
                agent
                    .post(&format!("{base}/admin/orders/{code}/confirm"))
                    .set("Authorization", &auth),
                Some(""),
            ),
            1 => call(
                Dialect::Rasmiy,
                agent
                    .post(&format!("{base}/api?method=cancel"))
                    .set("Content-Type", "application/x-www-form-urlencoded"),
                Some(&format!("order={code}")),
            ),
            _ => call(
                Dialect::TopHamyon,
                agent.get(&format!("{base}/api/check_payment?order_id={code}")),
                None,
            ),
        };
        let mut log = log.lock().expect("lock");
        match (s.dialect, s.status) {
            (Dialect::Admin, Some(200)) if s.body["status"] == "paid" => {
                log.orders.insert(code, OrderStatus::Paid);
            }
            (Dialect::Rasmiy, Some(200)) if s.body["status"] == "success" => {
                log.orders.insert(code, OrderStatus::Cancelled);
            }
            _ => {}
        }
        log.samples.push(s);
    }
}

/// The 503 body of each dialect.
fn is_dialect_503(s: &Sample) -> bool {
    s.status == Some(503)
        && match s.dialect {
            Dialect::Rasmiy => s.body["status"] == "error" && s.body["code"] == "unavailable",
            Dialect::TopHamyon => {
                s.body["success"] == false && s.body["code"] == "service_unavailable"
            }
            Dialect::Admin => s.body["code"] == "unavailable",
        }
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    Cut,
    Stall,
}

fn outage(test: &str, fault: Fault, length: Duration) {
    let Some(pg) = PgTestDb::create(test) else {
        return;
    };
    let (proxy, url) = ChaosProxy::for_postgres(pg.url());
    let server = Server::start(Db::Shared(url), &["--demo"], &[("KASSA_TICK", "500ms")]);
    let hooks = Recorder::start();
    for shop in ["695008", "101"] {
        let r = server.admin(
            "PATCH",
            &format!("/admin/shops/{shop}"),
            Some(json!({"callback_url": format!("{}/hook", hooks.url)})),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let health_agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(40))
        .build();
    let health = || {
        let t = Instant::now();
        let s = match health_agent.get(&server.url("/health")).call() {
            Ok(r) | Err(ureq::Error::Status(_, r)) => Some(r.status()),
            Err(_) => None,
        };
        (s, t.elapsed())
    };

    let log = Arc::new(Mutex::new(Log::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let (base, stop, log) = (server.base.clone(), stop.clone(), log.clone());
            std::thread::spawn(move || client(base, 7 + i as u64, stop, log))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));

    let cut_at = Instant::now();
    match fault {
        Fault::Cut => proxy.cut(),
        Fault::Stall => proxy.stall(),
    }
    // One request of each dialect sent into the outage for sure (the clients' mix is random).
    let probes: Vec<_> = [true, false]
        .into_iter()
        .map(|rasmiy| {
            let (base, log) = (server.base.clone(), log.clone());
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(500));
                let agent = ureq::AgentBuilder::new()
                    .timeout(Duration::from_secs(40))
                    .build();
                let s = if rasmiy {
                    call(
                        Dialect::Rasmiy,
                        agent
                            .post(&format!("{base}/api?method=create"))
                            .set("Content-Type", "application/x-www-form-urlencoded"),
                        Some("shop_id=695008&shop_key=Z631XLBO7O&amount=1234"),
                    )
                } else {
                    call(
                        Dialect::TopHamyon,
                        agent.get(&format!(
                            "{base}/api/create_payment?shop_id=101&shop_key=test_key_123&amount=1234"
                        )),
                        None,
                    )
                };
                log.lock().expect("lock").samples.push(s);
            })
        })
        .collect();
    let mut health_503_after = None;
    let mut slowest_health = Duration::ZERO;
    while cut_at.elapsed() < length {
        let (status, took) = health();
        slowest_health = slowest_health.max(took);
        if status == Some(503) && health_503_after.is_none() {
            health_503_after = Some(cut_at.elapsed());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    for probe in probes {
        probe.join().expect("probe");
    }
    let restored_at = Instant::now();
    proxy.restore();
    let mut health_ok_after = None;
    while restored_at.elapsed() < Duration::from_secs(60) {
        let (status, took) = health();
        slowest_health = slowest_health.max(took);
        if status == Some(200) {
            health_ok_after = Some(restored_at.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let health_ok_after = health_ok_after.unwrap_or_else(|| {
        panic!(
            "/health did not come back within 60 s of the restore:\n{}",
            server.logs()
        )
    });
    // Load on the recovered database, then stop.
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        if let Err(panic) = c.join() {
            std::panic::resume_unwind(panic);
        }
    }

    let log = log.lock().expect("lock");
    let samples = &log.samples;
    let unanswered: Vec<_> = samples.iter().filter(|s| s.status.is_none()).collect();
    assert!(
        unanswered.is_empty(),
        "{} requests got no answer, e.g. {:?} after {:?}",
        unanswered.len(),
        unanswered[0].body,
        unanswered[0].took
    );
    let slowest = samples.iter().map(|s| s.took).max().unwrap_or_default();
    assert!(
        slowest < LIVENESS && slowest_health < LIVENESS,
        "a request took {slowest:?} (health {slowest_health:?}); the bound is {LIVENESS:?}"
    );
    for s in samples.iter().filter(|s| s.status.unwrap_or(0) >= 500) {
        assert!(
            is_dialect_503(s),
            "a fault answered {:?} {:?} ({:?}), not the dialect's 503:\n{}",
            s.status,
            s.body,
            s.dialect,
            server.logs()
        );
    }
    // Requests sent while the database was away.
    let during: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.at >= cut_at && s.at < restored_at)
        .collect();
    if std::env::var_os("KASSA_OUTAGE_TRACE").is_some() {
        for s in &during {
            eprintln!(
                "  +{:6.2}s {:?} {:?} took {:.2}s",
                (s.at - cut_at).as_secs_f64(),
                s.dialect,
                s.status,
                s.took.as_secs_f64()
            );
        }
    }
    let unavailable = |d: Dialect| {
        during
            .iter()
            .filter(|s| s.dialect == d && is_dialect_503(s))
            .count()
    };
    assert!(
        unavailable(Dialect::Rasmiy) > 0 && unavailable(Dialect::TopHamyon) > 0,
        "no 503 from both dialects during the outage"
    );
    let health_503_after =
        health_503_after.unwrap_or_else(|| panic!("/health never said 503 during the outage"));
    let first_success_after = samples
        .iter()
        .filter(|s| s.at >= restored_at && s.status == Some(200))
        .map(|s| s.at + s.took - restored_at)
        .min()
        .unwrap_or_else(|| panic!("no request succeeded after the restore:\n{}", server.logs()));
    let slowest_during = during.iter().map(|s| s.took).max().unwrap_or_default();
    let answered_during = during.len();
    let ok_during = during.iter().filter(|s| s.status == Some(200)).count();

    // Nothing half-written, nothing lost that a client saw succeed.
    let store = checks::open(pg.url());
    for (code, status) in &log.orders {
        let stored = checks::status_of(&store, code);
        assert!(
            stored.is_some(),
            "order {code} was acknowledged but is gone"
        );
        if *status != OrderStatus::Pending {
            assert_eq!(stored, Some(*status), "order {code}");
        }
    }
    let tally = checks::assert_consistent(&store);
    let (code, out, err) = server.cli(&["verify"]);
    assert_eq!(code, 0, "kassa verify: {out}{err}");
    eprintln!(
        "database outage ({fault:?}, {:.1} s): {} requests, {} sent during the outage ({} answered \
         the dialect's 503, {} completed 200 once the restore let them through), slowest request during it {:.2} s, \
         slowest /health {:.2} s; /health 503 {:.2} s after the fault; after the restore: /health \
         200 in {:.2} s, first successful request in {:.2} s; {} orders ({} paid, {} cancelled), \
         {} proxy connections",
        length.as_secs_f64(),
        samples.len(),
        answered_during,
        answered_during - ok_during,
        ok_during,
        slowest_during.as_secs_f64(),
        slowest_health.as_secs_f64(),
        health_503_after.as_secs_f64(),
        health_ok_after.as_secs_f64(),
        first_success_after.as_secs_f64(),
        tally.orders,
        tally.paid,
        tally.cancelled,
        proxy.accepted(),
    );
}

#[test]
fn postgres_cut_under_load_answers_503_and_recovers() {
    outage(
        "postgres_cut_under_load",
        Fault::Cut,
        Duration::from_secs(8),
    );
}

#[test]
fn postgres_stall_under_load_answers_in_bounded_time_and_recovers() {
    outage(
        "postgres_stall_under_load",
        Fault::Stall,
        Duration::from_secs(14),
    );
}

/// A peer that lost its network inside a transaction keeps its row locks on the server; a
/// request that needs the row waits for PostgreSQL's `lock_timeout` and must then be told 503
/// (try again), like any other unavailability — not 500.
#[test]
fn postgres_row_lock_held_by_a_lost_peer_answers_503() {
    let Some(pg) = PgTestDb::create("postgres_row_lock_held_by_a_lost_peer") else {
        return;
    };
    // A deadline longer than the lock timeout (10 s), so the store's own answer is seen.
    let server = Server::start(
        Db::Shared(pg.url().to_owned()),
        &["--demo"],
        &[("KASSA_REQUEST_DEADLINE", "30s")],
    );
    let created = server
        .get("/api/create_payment?shop_id=101&shop_key=test_key_123&amount=5000")
        .json();
    let code = created["order_id"].as_str().expect("order_id").to_owned();
    let peer = payments_store::DieselStore::open_with(
        pg.url(),
        payments_store::PoolOptions {
            max_size: Some(1),
            ..payments_store::PoolOptions::default()
        },
    )
    .expect("peer");
    peer.execute_batch(&format!(
        "BEGIN; SELECT id FROM orders WHERE code = '{code}' FOR UPDATE;"
    ))
    .expect("lock the order's row");
    let t = Instant::now();
    let (confirm, cancel) = std::thread::scope(|s| {
        let confirm = s.spawn(|| server.confirm(&code));
        let cancel = s.spawn(|| server.post_form("/api?method=cancel", &[("order", &code)]));
        (
            confirm.join().expect("confirm"),
            cancel.join().expect("cancel"),
        )
    });
    let waited = t.elapsed();
    assert_eq!(confirm.status, 503, "admin confirm: {}", confirm.body);
    assert_eq!(confirm.json()["code"], "unavailable");
    assert_eq!(cancel.status, 503, "RasmiyPay cancel: {}", cancel.body);
    assert_eq!(cancel.json()["code"], "unavailable");
    peer.execute_batch("ROLLBACK").expect("release");
    let r = server.confirm(&code);
    assert_eq!(r.status, 200, "{}", r.body);
    let store = checks::open(pg.url());
    checks::assert_consistent(&store);
    eprintln!(
        "row lock held by a lost peer: confirm and cancel answered 503 after {:.1} s (lock \
         timeout), then 200 once released",
        waited.as_secs_f64()
    );
}

/// The database host becomes unreachable: open connections die and connection attempts hang
/// (they are never answered nor refused, and those made during the outage stay hung after it).
/// Connection attempts must give up on their own, or the pool's few connecting threads stay
/// stuck for good and the server never gets a connection again.
#[test]
fn postgres_unreachable_host_recovers_once_reachable() {
    let Some(pg) = PgTestDb::create("postgres_unreachable_host") else {
        return;
    };
    let (proxy, url) = ChaosProxy::for_postgres(pg.url());
    let server = Server::start(Db::Shared(url), &["--demo"], &[("KASSA_TICK", "500ms")]);
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(40))
        .build();
    let status = |path: &str| {
        let t = Instant::now();
        let s = match agent.get(&server.url(path)).call() {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r.status(),
            Err(e) => panic!("no answer: {e}"),
        };
        (s, t.elapsed())
    };
    let create = "/api/create_payment?shop_id=101&shop_key=test_key_123&amount=5000";
    assert_eq!(status(create).0, 200);
    proxy.unreachable();
    let cut_at = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut refused = 0;
    while cut_at.elapsed() < Duration::from_secs(8) {
        let (s, took) = status(create);
        slowest = slowest.max(took);
        assert_eq!(s, 503, "a create with the database unreachable");
        refused += 1;
    }
    assert!(slowest < LIVENESS, "a request took {slowest:?}");
    proxy.restore();
    let restored_at = Instant::now();
    loop {
        let (s, _) = status(create);
        if s == 200 {
            break;
        }
        assert!(
            restored_at.elapsed() < Duration::from_secs(60),
            "no connection a minute after the host came back:\n{}",
            server.logs()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let recovered_in = restored_at.elapsed();
    let store = checks::open(pg.url());
    checks::assert_consistent(&store);
    eprintln!(
        "unreachable host (connection attempts hang for good): {refused} creates answered 503 in \
         8 s, slowest {:.2} s; reachable again → first 200 after {:.2} s",
        slowest.as_secs_f64(),
        recovered_in.as_secs_f64()
    );
}
