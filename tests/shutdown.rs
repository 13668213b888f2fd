//! Graceful shutdown on SIGTERM: a request in flight (its body still arriving) is finished and
//! answered, the worker's tick in progress (a webhook to a slow receiver) ends whole — sent and
//! logged — and no new tick starts; the process then exits 0. And on a stalled database the
//! shutdown still ends, within the shutdown timeout.

mod common;

use common::chaos_proxy::ChaosProxy;
use common::checks;
use common::{Db, Server};
use payments_store::testing::PgTestDb;
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A webhook receiver that takes `delay` to answer each request.
struct SlowReceiver {
    url: String,
    /// Requests that arrived / were answered.
    arrived: Arc<AtomicUsize>,
    answered: Arc<AtomicUsize>,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl SlowReceiver {
    fn start(delay: Duration) -> SlowReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let arrived = Arc::new(AtomicUsize::new(0));
        let answered = Arc::new(AtomicUsize::new(0));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let (a, b, bodies2) = (arrived.clone(), answered.clone(), bodies.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream);
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() || line.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':')
                        && k.eq_ignore_ascii_case("content-length")
                    {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                a.fetch_add(1, Ordering::SeqCst);
                bodies2
                    .lock()
                    .expect("lock")
                    .push(String::from_utf8_lossy(&body).into_owned());
                std::thread::sleep(delay);
                let mut stream = reader.into_inner();
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                );
                b.fetch_add(1, Ordering::SeqCst);
            }
        });
        SlowReceiver {
            url,
            arrived,
            answered,
            bodies,
        }
    }
}

fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_finishes_the_request_in_flight_and_the_tick_then_exits() {
    let receiver = SlowReceiver::start(Duration::from_secs(2));
    let mut server = Server::demo_with(&[("KASSA_TICK", "200ms")]);
    let r = server.admin(
        "PATCH",
        "/admin/shops/101",
        Some(json!({"callback_url": format!("{}/hook", receiver.url)})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let created = server
        .get("/api/create_payment?shop_id=101&shop_key=test_key_123&amount=5000")
        .json();
    let paid_code = created["order_id"].as_str().expect("order_id").to_owned();
    assert_eq!(server.confirm(&paid_code).status, 200);
    // The worker's tick is now sending the webhook, and the receiver holds it for 2 s.
    wait_until(
        "the webhook reaches the receiver",
        Duration::from_secs(10),
        || receiver.arrived.load(Ordering::SeqCst) == 1,
    );

    // A request in flight: its head and half its body are sent before the SIGTERM.
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut conn = TcpStream::connect(&addr).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let body = "shop_id=695008&shop_key=Z631XLBO7O&amount=7000";
    let (first, rest) = body.split_at(20);
    write!(
        conn,
        "POST /api?method=create HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{first}",
        body.len()
    )
    .expect("send head");
    conn.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(200));

    let term_at = Instant::now();
    server.sigterm();
    std::thread::sleep(Duration::from_millis(300));
    // New connections are refused once the server stops accepting.
    let refused_new = TcpStream::connect(&addr)
        .and_then(|mut c| {
            c.set_read_timeout(Some(Duration::from_secs(5)))?;
            c.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")?;
            let mut buf = [0u8; 1];
            c.read(&mut buf)
        })
        .map_or(true, |n| n == 0);
    conn.write_all(rest.as_bytes()).expect("send the rest");
    let mut answer = String::new();
    conn.read_to_string(&mut answer).expect("read the answer");
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "the request in flight: {answer}\n{}",
        server.logs()
    );
    let json_start = answer.find('{').expect("a JSON body");
    let created: serde_json::Value = serde_json::from_str(&answer[json_start..]).expect("JSON");
    assert_eq!(created["status"], "success", "{created}");
    let in_flight_code = created["order"].as_str().expect("order").to_owned();

    let status = server
        .wait_exit(Duration::from_secs(40))
        .unwrap_or_else(|| panic!("kassa did not exit after SIGTERM:\n{}", server.logs()));
    let took = term_at.elapsed();
    assert!(status.success(), "exit status {status}:\n{}", server.logs());
    let logs = server.logs();
    assert!(logs.contains("worker stopped between ticks"), "{logs}");
    // The tick in progress ended whole: the webhook was answered, and its delivery logged.
    assert_eq!(receiver.answered.load(Ordering::SeqCst), 1);
    assert_eq!(receiver.bodies.lock().expect("lock").len(), 1);
    let store = checks::open(&server.db_url);
    assert!(checks::status_of(&store, &in_flight_code).is_some());
    checks::count_is_zero(
        &store,
        "webhooks claimed but not logged as sent",
        "SELECT COUNT(*) FROM outbox WHERE status <> 'sent'",
    );
    checks::count_is_zero(
        &store,
        "sent webhooks without a successful delivery logged",
        "SELECT COUNT(*) FROM outbox x WHERE NOT EXISTS \
         (SELECT 1 FROM deliveries d WHERE d.outbox_id = x.id AND d.ok = 1)",
    );
    checks::assert_consistent(&store);
    eprintln!(
        "SIGTERM: request in flight answered 200, webhook in flight answered and logged, \
         new connections refused: {refused_new}; exit 0 {:.2} s after the signal",
        took.as_secs_f64()
    );
}

#[test]
fn sigterm_on_a_stalled_database_still_exits() {
    let Some(pg) = PgTestDb::create("sigterm_on_a_stalled_database") else {
        return;
    };
    let (proxy, url) = ChaosProxy::for_postgres(pg.url());
    let mut server = Server::start(
        Db::Shared(url),
        &["--demo"],
        &[("KASSA_TICK", "200ms"), ("KASSA_SHUTDOWN_TIMEOUT", "5s")],
    );
    proxy.stall();
    // Requests and the worker's tick now hang on the database.
    let base = server.base.clone();
    let stuck = std::thread::spawn(move || {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(60))
            .build();
        let _ = agent
            .get(&format!(
                "{base}/api/create_payment?shop_id=101&shop_key=test_key_123&amount=5000"
            ))
            .call();
    });
    std::thread::sleep(Duration::from_secs(1));
    let term_at = Instant::now();
    server.sigterm();
    let exited = server.wait_exit(Duration::from_secs(30));
    let took = term_at.elapsed();
    proxy.restore();
    let _ = stuck.join();
    let status =
        exited.unwrap_or_else(|| panic!("no exit within 30 s of SIGTERM:\n{}", server.logs()));
    // One shutdown timeout (5 s) for the requests and the worker together, plus slack.
    assert!(
        took < Duration::from_secs(15),
        "exit took {took:?}:\n{}",
        server.logs()
    );
    eprintln!(
        "SIGTERM on a stalled database: exited ({status}) {:.2} s after the signal",
        took.as_secs_f64()
    );
}
