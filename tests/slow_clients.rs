//! Server limits against slow and greedy clients, on loopback: connections that trickle their
//! headers (slowloris) or their body are cut after the timeouts while an honest client is
//! served; the connection limit holds; bodies, URLs and headers have bounds answered with 4xx
//! (never 5xx, never a hang).

mod common;

use common::Server;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Liveness bound for anything an honest client waits for here.
const LIVENESS: Duration = Duration::from_secs(15);

fn addr(server: &Server) -> String {
    server.base.trim_start_matches("http://").to_owned()
}

/// A connection that sends a request line and then one header byte at a time.
struct Trickler {
    stream: TcpStream,
    opened: Instant,
    /// When the server closed it (or answered it), if it did.
    cut_after: Option<Duration>,
    answer: Vec<u8>,
}

impl Trickler {
    fn open(addr: &str, head: &[u8]) -> Trickler {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream.write_all(head).expect("request line");
        stream.set_nonblocking(true).expect("nonblocking");
        Trickler {
            stream,
            opened: Instant::now(),
            cut_after: None,
            answer: Vec::new(),
        }
    }

    /// Sends one more byte and looks for the server's answer or close.
    fn step(&mut self, byte: u8) {
        if self.cut_after.is_some() {
            return;
        }
        let mut buf = [0u8; 512];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    self.cut_after = Some(self.opened.elapsed());
                    return;
                }
                Ok(n) => self.answer.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) => {
                    self.cut_after = Some(self.opened.elapsed());
                    return;
                }
            }
        }
        if !self.answer.is_empty() {
            // An answer (408) before the request was whole: the server gave up on it.
            self.cut_after = Some(self.opened.elapsed());
            return;
        }
        match self.stream.write(&[byte]) {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => self.cut_after = Some(self.opened.elapsed()),
        }
    }
}

/// Trickles on every connection every 200 ms until all are cut or `within` passes.
fn trickle_until_cut(tricklers: &mut [Trickler], within: Duration, byte: u8) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline && tricklers.iter().any(|t| t.cut_after.is_none()) {
        for t in tricklers.iter_mut() {
            t.step(byte);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// An honest request on a fresh connection; its status and how long it took.
fn honest(server: &Server) -> (u16, Duration) {
    let agent = ureq::AgentBuilder::new().timeout(LIVENESS).build();
    let t = Instant::now();
    let status = match agent
        .get(&server.url("/api/create_payment?shop_id=101&shop_key=test_key_123&amount=1000"))
        .call()
    {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r.status(),
        Err(e) => panic!("the honest client was not served: {e}"),
    };
    (status, t.elapsed())
}

fn stats(tricklers: &[Trickler]) -> (usize, Duration, Duration, usize) {
    let cut: Vec<Duration> = tricklers.iter().filter_map(|t| t.cut_after).collect();
    let answered_408 = tricklers
        .iter()
        .filter(|t| t.answer.starts_with(b"HTTP/1.1 408"))
        .count();
    (
        cut.len(),
        cut.iter().min().copied().unwrap_or_default(),
        cut.iter().max().copied().unwrap_or_default(),
        answered_408,
    )
}

#[test]
fn slowloris_connections_are_cut_and_honest_clients_served() {
    const SLOW: usize = 300;
    let server = Server::demo_with(&[("KASSA_REQUEST_TIMEOUT", "2s")]);
    let addr = addr(&server);
    let mut tricklers: Vec<Trickler> = (0..SLOW)
        .map(|_| Trickler::open(&addr, b"GET /health HTTP/1.1\r\nHost: kassa\r\nX-Slow: "))
        .collect();
    // Honest clients while the slow ones hold their connections.
    let mut honest_max = Duration::ZERO;
    for _ in 0..5 {
        for t in tricklers.iter_mut() {
            t.step(b'a');
        }
        let (status, took) = honest(&server);
        assert_eq!(status, 200, "honest client");
        honest_max = honest_max.max(took);
        std::thread::sleep(Duration::from_millis(200));
    }
    trickle_until_cut(&mut tricklers, LIVENESS, b'a');
    let (cut, first, last, answered_408) = stats(&tricklers);
    assert_eq!(cut, SLOW, "slow connections still open after {LIVENESS:?}");
    let (status, _) = honest(&server);
    assert_eq!(status, 200);
    eprintln!(
        "slowloris: {SLOW} connections trickling a header byte every 200 ms, request head \
         timeout 2 s: all cut between {:.2} s and {:.2} s ({answered_408} with a 408); 5 honest \
         requests meanwhile all 200, slowest {:.3} s",
        first.as_secs_f64(),
        last.as_secs_f64(),
        honest_max.as_secs_f64()
    );
}

#[test]
fn slow_bodies_are_cut_at_the_request_deadline() {
    const SLOW: usize = 20;
    let server = Server::demo_with(&[("KASSA_REQUEST_DEADLINE", "3s")]);
    let addr = addr(&server);
    let head = "POST /api?method=create HTTP/1.1\r\nHost: kassa\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nshop_id=";
    let mut tricklers: Vec<Trickler> = (0..SLOW)
        .map(|_| Trickler::open(&addr, head.as_bytes()))
        .collect();
    trickle_until_cut(&mut tricklers, LIVENESS, b'1');
    let (cut, first, last, _) = stats(&tricklers);
    assert_eq!(cut, SLOW, "slow bodies still open after {LIVENESS:?}");
    for t in &tricklers {
        let text = String::from_utf8_lossy(&t.answer);
        assert!(
            text.starts_with("HTTP/1.1 503") && text.contains("\"code\":\"unavailable\""),
            "a slow body's answer: {text}"
        );
    }
    let (status, _) = honest(&server);
    assert_eq!(status, 200);
    eprintln!(
        "slow bodies: {SLOW} POSTs trickling a body byte every 200 ms, request deadline 3 s: all \
         answered 503 (RasmiyPay body) and closed between {:.2} s and {:.2} s",
        first.as_secs_f64(),
        last.as_secs_f64()
    );
}

#[test]
fn the_connection_limit_holds_and_frees_up() {
    const SLOW: usize = 60;
    let server = Server::demo_with(&[
        ("KASSA_REQUEST_TIMEOUT", "2s"),
        ("KASSA_MAX_CONNECTIONS", "20"),
    ]);
    let addr = addr(&server);
    let mut tricklers: Vec<Trickler> = (0..SLOW)
        .map(|_| Trickler::open(&addr, b"GET /health HTTP/1.1\r\nHost: kassa\r\nX-Slow: "))
        .collect();
    for t in tricklers.iter_mut() {
        t.step(b'a');
    }
    // The slow connections fill the server's 20 slots; the honest client waits in the listen
    // queue until the head timeout frees slots — served, only later.
    let honest_thread = {
        let url = server.url("/health");
        std::thread::spawn(move || {
            let agent = ureq::AgentBuilder::new().timeout(LIVENESS).build();
            let t = Instant::now();
            let r = agent.get(&url).call();
            (
                r.map(|r| r.status()).map_err(|e| e.to_string()),
                t.elapsed(),
            )
        })
    };
    trickle_until_cut(&mut tricklers, LIVENESS, b'a');
    let (status, waited) = honest_thread.join().expect("honest client");
    assert_eq!(status, Ok(200), "the honest client behind the limit");
    let (cut, _, last, _) = stats(&tricklers);
    assert_eq!(cut, SLOW);
    // Proof that the limit holds: without it the honest request is served at once; with every
    // slot taken it cannot be served before a slow connection's head timeout (2 s).
    assert!(
        waited >= Duration::from_secs(1),
        "served after {waited:?}: the connection limit did not hold"
    );
    eprintln!(
        "connection limit 20, {SLOW} slow connections: the honest request waited {:.2} s in the \
         listen queue and was served; the last slow connection was cut at {:.2} s",
        waited.as_secs_f64(),
        last.as_secs_f64()
    );
}

#[test]
fn bodies_urls_and_headers_are_bounded() {
    let server = Server::demo();
    let mut seen = Vec::new();
    let mut check = |what: &str, status: u16, want: &[u16]| {
        assert!(
            want.contains(&status),
            "{what}: {status}, expected one of {want:?}\n{}",
            server.logs()
        );
        seen.push(format!("{what} → {status}"));
    };
    let big = |n: usize| "a".repeat(n);
    // RasmiyPay: 64 KiB bodies.
    let r = server.post_raw(
        "/api?method=create",
        Some("application/x-www-form-urlencoded"),
        format!("shop_id=101&x={}", big(65 * 1024)).as_bytes(),
    );
    check("RasmiyPay body of 65 KiB", r.status, &[413]);
    assert_eq!(r.json()["code"], "payload_too_large");
    // TopHamyon: 16 KiB bodies.
    let r = server.post_raw(
        "/api/create_payment",
        Some("application/x-www-form-urlencoded"),
        format!("shop_id=101&x={}", big(17 * 1024)).as_bytes(),
    );
    check("TopHamyon body of 17 KiB", r.status, &[413]);
    assert_eq!(r.json()["success"], false);
    // Admin: actix's 256 KiB default for a raw body.
    let r = server.request(
        "POST",
        "/admin/notifications",
        &[("Authorization", &format!("Bearer {}", server.admin_token))],
        Some(big(300 * 1024).as_bytes()),
    );
    check("admin body of 300 KiB", r.status, &[413]);
    // A huge query string, header or header count: the HTTP layer refuses it.
    for (what, target, headers) in [
        (
            "URL of 100 KiB",
            format!("/api?method=check&order={}", big(100 * 1024)),
            0,
        ),
        ("200 headers", "/health".to_owned(), 200),
    ] {
        let status = raw_status(&addr(&server), &target, headers, 0);
        check(what, status, &[400, 413, 414, 431]);
    }
    let status = raw_status(&addr(&server), "/health", 1, 200 * 1024);
    check("a header of 200 KiB", status, &[400, 413, 431]);
    let (status, _) = honest(&server);
    assert_eq!(status, 200);
    eprintln!("limits: {}", seen.join("; "));
}

/// Sends a GET with `headers` extra headers (each of `header_len` bytes) and returns the status,
/// or 0 when the server closed the connection without an answer.
fn raw_status(addr: &str, target: &str, headers: usize, header_len: usize) -> u16 {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(LIVENESS))
        .expect("read timeout");
    let mut req = format!("GET {target} HTTP/1.1\r\nHost: kassa\r\nConnection: close\r\n");
    for i in 0..headers {
        req.push_str(&format!("X-H{i}: {}\r\n", "v".repeat(header_len.max(1))));
    }
    req.push_str("\r\n");
    let _ = stream.write_all(req.as_bytes());
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}
