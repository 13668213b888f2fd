//! Abuse, black-box: a brute force of a shop's key from one client gets nowhere fast, while the
//! shop's honest client elsewhere and another shop's client at the attacker's own address go
//! on unhindered.
//!
//! Two clients on one machine: all of 127.0.0.0/8 is loopback, so the attacker's socket is
//! bound to 127.0.0.2 while the honest client of the same shop talks from 127.0.0.1 (the
//! throttle is keyed by client IP and shop).

mod common;

use common::Server;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Guesses the attacker makes.
const GUESSES: usize = 10_000;
/// Wrong keys the core lets one client try for one shop in a window (`ThrottleConfig`).
const MAX_FAILURES: usize = 10;

/// A keep-alive HTTP/1.1 client on one TCP connection from a chosen loopback address.
struct Client {
    local: Ipv4Addr,
    server: SocketAddr,
    rt: tokio::runtime::Runtime,
    conn: Option<BufReader<TcpStream>>,
}

struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: Value,
}

impl Client {
    fn new(local: Ipv4Addr, server: SocketAddr) -> Client {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .expect("runtime");
        Client {
            local,
            server,
            rt,
            conn: None,
        }
    }

    /// std cannot bind a client socket before connecting; tokio's `TcpSocket` can (its `net`
    /// feature is on: actix-rt needs it). The stream is then used blocking.
    fn connect(&self) -> BufReader<TcpStream> {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket
            .bind(SocketAddr::new(self.local.into(), 0))
            .unwrap_or_else(|e| panic!("bind {}: {e}", self.local));
        let stream = self
            .rt
            .block_on(socket.connect(self.server))
            .expect("connect");
        let stream = stream.into_std().expect("std stream");
        stream.set_nonblocking(false).expect("blocking");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        BufReader::new(stream)
    }

    /// `GET path`; reconnects once if the server closed the kept-alive connection.
    fn get(&mut self, path: &str) -> Answer {
        for _ in 0..2 {
            let mut conn = match self.conn.take() {
                Some(c) => c,
                None => self.connect(),
            };
            let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            if conn.get_mut().write_all(request.as_bytes()).is_err() {
                continue;
            }
            if let Some(answer) = read_answer(&mut conn) {
                self.conn = Some(conn);
                return answer;
            }
        }
        panic!("no answer to GET {path} from {}", self.local);
    }
}

fn read_answer(conn: &mut BufReader<TcpStream>) -> Option<Answer> {
    let mut line = String::new();
    if conn.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let status: u16 = line.split(' ').nth(1)?.parse().ok()?;
    let mut length = 0usize;
    let mut retry_after = None;
    loop {
        let mut header = String::new();
        conn.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().ok()?;
        } else if name.eq_ignore_ascii_case("retry-after") {
            retry_after = value.parse().ok();
        }
    }
    let mut body = vec![0; length];
    conn.read_exact(&mut body).ok()?;
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    Some(Answer {
        status,
        retry_after,
        body,
    })
}

fn succeeded(a: &Answer) -> bool {
    a.status == 200 && (a.body["success"] == true || a.body["status"] == "success")
}

/// A guess: ten characters of the key alphabet, never the real key by chance.
fn guess(i: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut n = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5bd1_e995;
    (0..10)
        .map(|_| {
            let c = ALPHABET[(n % 36) as usize] as char;
            n /= 36;
            c
        })
        .collect::<String>()
        + "_guess"
}

#[test]
fn ten_thousand_key_guesses_get_nowhere_fast_while_honest_clients_go_on() {
    let server = Server::demo();
    let addr: SocketAddr = server
        .base
        .trim_start_matches("http://")
        .parse()
        .expect("server address");
    let mut attacker = Client::new(Ipv4Addr::new(127, 0, 0, 2), addr);
    let mut honest_same_shop = Client::new(Ipv4Addr::new(127, 0, 0, 1), addr);

    let mut wrong_key_answers = 0usize;
    let mut throttled = 0usize;
    let mut successes = 0usize;
    let mut honest_calls = 0usize;
    let mut honest_worst = Duration::ZERO;
    let started = Instant::now();
    for i in 0..GUESSES {
        // Halfway, the attacker even hits on the right key: too late, it is locked out.
        let key = if i == GUESSES / 2 {
            "test_key_123".to_owned()
        } else {
            guess(i)
        };
        // Both dialects, one throttle (it lives in the core).
        let path = if i.is_multiple_of(2) {
            format!("/api/check_shop?shop_id=101&shop_key={key}")
        } else {
            format!("/api?shop_id=101&shop_key={key}")
        };
        let a = attacker.get(&path);
        match a.status {
            429 => {
                throttled += 1;
                let wait = a.retry_after.expect("Retry-After on 429");
                assert!((1..=300).contains(&wait), "Retry-After {wait}");
            }
            200 if succeeded(&a) => successes += 1,
            200 => wrong_key_answers += 1,
            other => panic!("guess {i}: {other} {}", a.body),
        }
        if i.is_multiple_of(500) {
            // The same shop's honest client at another address, and another shop's client at
            // the attacker's very address, are served as if nothing were happening.
            let t = Instant::now();
            let same_shop =
                honest_same_shop.get("/api/check_shop?shop_id=101&shop_key=test_key_123");
            assert!(
                succeeded(&same_shop),
                "honest client of 101: {}",
                same_shop.body
            );
            let other_shop = attacker.get("/api?shop_id=102&shop_key=test_key_456");
            assert!(
                succeeded(&other_shop),
                "client of 102 at 127.0.0.2: {}",
                other_shop.body
            );
            let created = honest_same_shop
                .get("/api/create_payment?shop_id=101&shop_key=test_key_123&amount=1000");
            assert!(succeeded(&created), "create for 101: {}", created.body);
            honest_worst = honest_worst.max(t.elapsed());
            honest_calls += 3;
        }
    }
    let elapsed = started.elapsed();

    assert_eq!(
        successes, 0,
        "no guess succeeded, not even the right key once locked out"
    );
    assert!(
        wrong_key_answers <= MAX_FAILURES,
        "only {MAX_FAILURES} keys were ever checked, {wrong_key_answers} answered as wrong"
    );
    assert_eq!(throttled + wrong_key_answers, GUESSES);
    // Still locked out after the attack, the right key included.
    let after = attacker.get("/api/get_balance?shop_id=101&shop_key=test_key_123");
    assert_eq!(after.status, 429, "{}", after.body);
    // And the lock-out is of this client only.
    let honest = server.get("/api/get_balance?shop_id=101&shop_key=test_key_123");
    assert_eq!(honest.status, 200, "{}", honest.body);
    let (code, out, err) = server.cli(&["verify"]);
    assert_eq!(code, 0, "{out}{err}");

    eprintln!(
        "brute force: {GUESSES} guesses from 127.0.0.2 at shop 101 in {:.2}s ({:.0}/s): \
         {wrong_key_answers} keys checked and refused, {throttled} throttled with 429, \
         {successes} succeeded (the right key, sent as guess {}, was refused too); \
         {honest_calls} honest calls meanwhile (shop 101 from 127.0.0.1, shop 102 from \
         127.0.0.2) all served, the slowest round of 3 in {:.1} ms",
        elapsed.as_secs_f64(),
        GUESSES as f64 / elapsed.as_secs_f64(),
        GUESSES / 2,
        honest_worst.as_secs_f64() * 1000.0,
    );
}
