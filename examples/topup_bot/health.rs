//! `GET /health` on `BOT_HEALTH_LISTEN`: the bot is running, when it last checked its orders,
//! and whether Kassa and Telegram answered the last time it asked them.

use crate::App;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, SystemTime};

/// Whether a service answered the last time it was asked.
#[derive(Debug, Default, Clone)]
pub struct Reach {
    reachable: Option<bool>,
    last_ok: Option<SystemTime>,
    last_error: Option<String>,
    last_error_at: Option<SystemTime>,
}

impl Reach {
    pub fn ok(&mut self) {
        self.reachable = Some(true);
        self.last_ok = Some(SystemTime::now());
    }

    pub fn failed(&mut self, why: &str) {
        self.reachable = Some(false);
        self.last_error = Some(why.to_owned());
        self.last_error_at = Some(SystemTime::now());
    }

    fn json(&self) -> Value {
        json!({
            "reachable": self.reachable,
            "last_ok_at": self.last_ok.map(stamp),
            "last_error": self.last_error,
            "last_error_at": self.last_error_at.map(stamp),
        })
    }
}

#[derive(Debug)]
pub struct Health {
    started: SystemTime,
    pub last_check: Option<SystemTime>,
    pub kassa: Reach,
    pub telegram: Reach,
}

impl Health {
    pub fn new() -> Health {
        Health {
            started: SystemTime::now(),
            last_check: None,
            kassa: Reach::default(),
            telegram: Reach::default(),
        }
    }
}

fn stamp(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// The answer: 200 while Kassa and Telegram answered the last time (or were not asked yet),
/// 503 when either did not; the JSON says which.
pub fn report(app: &App) -> (u16, Value) {
    let (pending, unnotified) = {
        let store = app.store();
        (store.pending().len(), store.unnotified().len())
    };
    let h = app.health();
    let degraded = h.kassa.reachable == Some(false) || h.telegram.reachable == Some(false);
    let body = json!({
        "status": if degraded { "degraded" } else { "ok" },
        "running": true,
        "started_at": stamp(h.started),
        "uptime_seconds": h.started.elapsed().map(|d| d.as_secs()).unwrap_or(0),
        "check_interval_seconds": app.check_interval.as_secs_f64(),
        "last_check_at": h.last_check.map(stamp),
        "kassa": h.kassa.json(),
        "telegram": h.telegram.json(),
        "pending_orders": pending,
        "messages_to_send": unnotified,
    });
    (if degraded { 503 } else { 200 }, body)
}

/// Serves until the process ends; one connection at a time, each with short timeouts.
pub fn serve(listener: TcpListener, app: &App) {
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                if let Err(e) = answer(stream, app) {
                    tracing::debug!("health: {e}");
                }
            }
            Err(e) => {
                tracing::warn!("health: accept failed: {e}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

fn answer(stream: TcpStream, app: &App) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    let mut reader = BufReader::new(stream.try_clone()?).take(16 * 1024);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    // Headers are read and ignored, up to the blank line.
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let (status, body) = match (method, path) {
        ("GET" | "HEAD", "/health") => report(app),
        (_, "/health") => (405, json!({"error": "only GET"})),
        _ => (404, json!({"error": "not found; try /health"})),
    };
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Service Unavailable",
    };
    let text = body.to_string();
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        text.len()
    )?;
    if method != "HEAD" {
        out.write_all(text.as_bytes())?;
    }
    out.flush()
}
