//! `examples/topup_bot` end to end on loopback: the real `kassa` binary in demo mode, a fake
//! Telegram Bot API in this process (it serves `getUpdates` and records `sendMessage`), and
//! the bot as its own process, killed and started again on the way.

mod common;

// The bot's own modules that need neither network nor threads, unit-tested here (an example's
// own `#[test]`s would not run in `cargo test`).
#[allow(dead_code)]
#[path = "../examples/topup_bot/money.rs"]
mod money;
#[allow(dead_code)]
#[path = "../examples/topup_bot/store.rs"]
mod store;
#[allow(dead_code)]
#[path = "../examples/topup_bot/texts.rs"]
mod texts;

use common::Server;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const TOKEN: &str = "123456789:TEST-token_for-the-fake-api";
const USER: i64 = 424_242;
/// Bounded waits: generous, since a loaded CI machine is slow; nothing here times speed.
const WAIT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------------
// The fake Bot API.

#[derive(Default)]
struct TgState {
    /// Updates not yet confirmed by an offset above them.
    queue: VecDeque<Value>,
    next_update: i64,
    /// Every `sendMessage` body, in order.
    sent: Vec<Value>,
    /// Every method called, in order.
    calls: Vec<String>,
    /// Answer everything with a proxy's 502 page, as when Telegram cannot be reached.
    down: bool,
}

struct FakeTelegram {
    url: String,
    state: Arc<Mutex<TgState>>,
}

impl FakeTelegram {
    fn start() -> FakeTelegram {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(TgState {
            next_update: 1000,
            ..TgState::default()
        }));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                // getUpdates waits, so each connection gets its own thread.
                std::thread::spawn(move || serve_one(stream, &state));
            }
        });
        FakeTelegram { url, state }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TgState> {
        self.state.lock().expect("lock")
    }

    fn push(&self, content: (&str, Value)) {
        let mut s = self.lock();
        let id = s.next_update;
        s.next_update += 1;
        let mut update = json!({"update_id": id});
        update[content.0] = content.1;
        s.queue.push_back(update);
    }

    fn user() -> Value {
        json!({"id": USER, "is_bot": false, "first_name": "Aziza", "language_code": "en"})
    }

    fn chat() -> Value {
        json!({"id": USER, "type": "private", "first_name": "Aziza"})
    }

    /// The user writes `text`.
    fn say(&self, text: &str) {
        let id = self.lock().next_update;
        self.push((
            "message",
            json!({
                "message_id": id,
                "date": 1_790_000_000,
                "chat": FakeTelegram::chat(),
                "from": FakeTelegram::user(),
                "text": text,
            }),
        ));
    }

    /// The user presses an inline button with `data`.
    fn press(&self, data: &str) {
        let id = self.lock().next_update;
        self.push((
            "callback_query",
            json!({
                "id": format!("cb{id}"),
                "from": FakeTelegram::user(),
                "chat_instance": "42",
                "data": data,
                "message": {"message_id": 1, "date": 1_790_000_000, "chat": FakeTelegram::chat(), "text": "…"},
            }),
        ));
    }

    fn sent(&self) -> Vec<Value> {
        self.lock().sent.clone()
    }

    fn set_down(&self, down: bool) {
        self.lock().down = down;
    }

    fn texts(&self) -> Vec<String> {
        self.sent()
            .iter()
            .map(|m| m["text"].as_str().unwrap_or("").to_owned())
            .collect()
    }

    /// Waits for a sent message after the first `after` for which `pred` holds.
    fn wait_message(&self, after: usize, what: &str, pred: impl Fn(&str) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(m) = self.sent().into_iter().skip(after).find(|m| {
                m["chat_id"].as_i64() == Some(USER) && pred(m["text"].as_str().unwrap_or(""))
            }) {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "no message {what} within {WAIT:?}; sent: {:#?}",
                self.texts()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn count(&self, pred: impl Fn(&str) -> bool) -> usize {
        self.texts().iter().filter(|t| pred(t)).count()
    }
}

fn serve_one(stream: TcpStream, state: &Mutex<TgState>) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
    let mut length = 0;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.trim().split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (token_part, method) = path
        .trim_start_matches('/')
        .split_once('/')
        .unwrap_or(("", ""));
    let mut stream = reader.into_inner();
    if state.lock().expect("lock").down {
        let page = "<html><body>502 Bad Gateway</body></html>";
        let _ = write!(
            stream,
            "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
            page.len()
        );
        return;
    }
    let (status, answer) = if token_part != format!("bot{TOKEN}") {
        (
            "401 Unauthorized",
            json!({"ok": false, "error_code": 401, "description": "Unauthorized"}),
        )
    } else {
        state.lock().expect("lock").calls.push(method.to_owned());
        (
            "200 OK",
            json!({"ok": true, "result": respond(method, &body, state)}),
        )
    };
    let text = answer.to_string();
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}

fn respond(method: &str, body: &Value, state: &Mutex<TgState>) -> Value {
    match method {
        "getMe" => {
            json!({"id": 1, "is_bot": true, "first_name": "Kassa top-up", "username": "kassa_topup_bot"})
        }
        "getUpdates" => {
            // As Telegram: an offset confirms every update below it; waits a little (not the
            // asked timeout, to keep the test quick) when there is nothing.
            let offset = body["offset"].as_i64().unwrap_or(0);
            let deadline = Instant::now() + Duration::from_millis(300);
            loop {
                {
                    let mut s = state.lock().expect("lock");
                    while s
                        .queue
                        .front()
                        .is_some_and(|u| u["update_id"].as_i64().unwrap_or(0) < offset)
                    {
                        s.queue.pop_front();
                    }
                    if !s.queue.is_empty() || Instant::now() > deadline {
                        return Value::Array(s.queue.iter().cloned().collect());
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        "sendMessage" => {
            let mut s = state.lock().expect("lock");
            s.sent.push(body.clone());
            json!({
                "message_id": 5000 + s.sent.len(),
                "date": 1_790_000_000,
                "chat": FakeTelegram::chat(),
                "text": body["text"],
            })
        }
        _ => Value::Bool(true),
    }
}

// ---------------------------------------------------------------------------------------------
// The bot process.

/// The example's binary: built (or found up to date) by cargo, in the target directory this
/// test runs from, whether `CARGO_TARGET_DIR` is set (as `.ci/run` does) or not (`target/`).
/// `TOPUP_BOT_BIN` names a binary built already.
fn bot_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("TOPUP_BOT_BIN") {
            return PathBuf::from(bin);
        }
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--example", "topup_bot", "--message-format=json"])
            .arg("--manifest-path")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        // This test's own binary is `<target dir>/<profile>/deps/topup_bot-…`: build the
        // example there too (and in release when this is a release build).
        let exe = std::env::current_exe().expect("current exe");
        let profile_dir = exe.parent().and_then(Path::parent);
        if std::env::var_os("CARGO_TARGET_DIR").is_none()
            && let Some(target) = profile_dir.and_then(Path::parent)
        {
            cmd.env("CARGO_TARGET_DIR", target);
        }
        if profile_dir.and_then(Path::file_name) == Some("release".as_ref()) {
            cmd.arg("--release");
        }
        // Without what cargo set for this test's own package: build scripts that watch such a
        // variable (ring's watches CARGO_MANIFEST_DIR) would otherwise be rebuilt here, and
        // again by the next plain `cargo build`.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if [
                "CARGO_MANIFEST_",
                "CARGO_PKG_",
                "CARGO_CRATE_",
                "CARGO_BIN_",
            ]
            .iter()
            .any(|p| name.starts_with(p))
                || ["CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR", "OUT_DIR"].contains(&&*name)
            {
                cmd.env_remove(&*name);
            }
        }
        let out = cmd.output().expect("run cargo build --example topup_bot");
        assert!(
            out.status.success(),
            "cargo build --example topup_bot failed"
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "topup_bot")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("cargo names the topup_bot executable")
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

struct Bot {
    env: Vec<(String, String)>,
    health: String,
    data: PathBuf,
    log: PathBuf,
    child: Option<Child>,
    agent: ureq::Agent,
}

impl Bot {
    fn env(
        kassa: &Server,
        tg: &FakeTelegram,
        data: &Path,
        health_port: u16,
    ) -> Vec<(String, String)> {
        [
            ("TELEGRAM_BOT_TOKEN", TOKEN.to_owned()),
            ("TELEGRAM_API_URL", tg.url.clone()),
            ("KASSA_URL", kassa.base.clone()),
            ("SHOP_ID", "695008".into()),
            ("SHOP_KEY", "Z631XLBO7O".into()),
            ("BOT_HEALTH_LISTEN", format!("127.0.0.1:{health_port}")),
            ("BOT_DATA_DIR", data.to_string_lossy().into_owned()),
            ("BOT_CHECK_INTERVAL", "1s".into()),
            ("RUST_LOG", "info".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    fn start(kassa: &Server, tg: &FakeTelegram, dir: &Path) -> Bot {
        let port = free_port();
        let data = dir.join("data");
        let mut bot = Bot {
            env: Bot::env(kassa, tg, &data, port),
            health: format!("http://127.0.0.1:{port}/health"),
            data,
            log: dir.join("bot.log"),
            child: None,
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(10))
                .build(),
        };
        bot.spawn();
        bot
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log");
        let mut cmd = Command::new(bot_bin());
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(log);
        self.child = Some(cmd.spawn().expect("spawn topup_bot"));
        // Up once /health answers and a first check ran.
        self.wait_health("the first check", |h| !h["last_check_at"].is_null());
    }

    fn kill_9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn restart(&mut self) {
        self.kill_9();
        self.spawn();
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn health(&self) -> Option<(u16, Value)> {
        let resp = match self.agent.get(&self.health).call() {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(_) => return None,
        };
        let status = resp.status();
        resp.into_json().ok().map(|v| (status, v))
    }

    fn wait_health(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("the bot exited ({status}):\n{}", self.logs());
            }
            if let Some((200, h)) = self.health()
                && pred(&h)
            {
                return h;
            }
            assert!(
                Instant::now() < deadline,
                "/health never showed {what}:\n{:?}\n{}",
                self.health(),
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `transactions.json`, parsed.
    fn transactions(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(self.data.join("transactions.json")).unwrap_or_default();
        if text.is_empty() {
            return Vec::new();
        }
        let v: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("transactions.json is not JSON ({e}):\n{text}"));
        v["transactions"].as_array().cloned().unwrap_or_default()
    }

    /// The line of `transactions.json` that holds `order`, parsed on its own.
    fn line_of(&self, order: &str) -> Value {
        let text = std::fs::read_to_string(self.data.join("transactions.json")).expect("file");
        let line = text
            .lines()
            .find(|l| l.contains(order))
            .unwrap_or_else(|| panic!("no line with {order}:\n{text}"));
        serde_json::from_str(line.trim_end_matches(',')).expect("one transaction a line")
    }

    fn wait_transaction(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(t) = self.transactions().into_iter().find(|t| pred(t)) {
                return t;
            }
            assert!(
                Instant::now() < deadline,
                "no transaction {what}: {:#?}\n{}",
                self.transactions(),
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn balances(&self) -> Value {
        let text = std::fs::read_to_string(self.data.join("balances.json")).unwrap_or_default();
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// `balances.json` is rewritten just after `transactions.json`: waits for it to show
    /// `expected`.
    fn wait_balances(&self, expected: Value) {
        let deadline = Instant::now() + WAIT;
        while self.balances() != expected {
            assert!(
                Instant::now() < deadline,
                "balances.json is {} and not {expected}",
                self.balances()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        self.kill_9();
        if std::thread::panicking() {
            eprintln!("--- topup_bot log ---\n{}", self.logs());
        }
    }
}

fn kassa_status(kassa: &Server, order: &str) -> String {
    let r = kassa.get(&format!("/api?method=check&order={order}"));
    r.json()["data"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[test]
fn top_up_paid_once_overdue_cancelled_across_restarts() {
    let kassa = Server::demo_with(&[("KASSA_ORDER_TTL", "6s"), ("KASSA_TICK", "1s")]);
    let tg = FakeTelegram::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bot = Bot::start(&kassa, &tg, dir.path());

    // /health answers: running, a check made, both services reached.
    let (status, h) = bot.health().expect("health");
    assert_eq!(status, 200, "{h}");
    assert_eq!(h["running"], true);
    assert_eq!(h["status"], "ok");
    assert_eq!(h["kassa"]["reachable"], true, "{h}");
    assert_eq!(h["telegram"]["reachable"], true, "{h}");
    assert!(h["last_check_at"].as_str().is_some(), "{h}");

    // /start: a greeting with the amount buttons.
    tg.say("/start");
    let m = tg.wait_message(0, "greeting", |t| t.contains("Hello, Aziza"));
    let buttons = m["reply_markup"]["inline_keyboard"].to_string();
    assert!(buttons.contains("topup:50000"), "{buttons}");
    assert!(buttons.contains("50 000 so'm"), "{buttons}");

    // Bad amounts are answered clearly and make no order.
    for (typed, answer) in [
        ("/topup abc", "is not an amount"),
        ("/topup -5", "cannot be negative"),
        ("/topup 0", "more than zero"),
        ("/topup 1e3", "1000, not 1e3"),
        ("/topup 5000.001", "two digits after the point"),
        ("/topup 1,000", "without spaces or commas"),
        ("/topup 10", "smallest top-up is 1 000 so'm"),
    ] {
        let before = tg.sent().len();
        tg.say(typed);
        tg.wait_message(before, answer, |t| t.contains(answer));
    }
    assert!(bot.transactions().is_empty(), "{:?}", bot.transactions());

    // /topup 5000: an order in Kassa, the line in transactions.json, and what to pay.
    let before = tg.sent().len();
    tg.say("/topup 5000");
    let first = bot.wait_transaction("for 5000", |t| t["amount"] == "5000");
    let order = first["order"].as_str().expect("order").to_owned();
    assert_eq!(first["status"], "pending");
    assert_eq!(first["user_id"], USER);
    assert_eq!(kassa_status(&kassa, &order), "pending");
    let m = tg.wait_message(before, "with the order", |t| t.contains(&order));
    let text = m["text"].as_str().unwrap_or("");
    assert!(
        text.contains("Transfer exactly <b>5 000 so'm</b>"),
        "{text}"
    );
    assert!(text.contains("8600 3104 9512 6224"), "{text}");
    assert!(text.contains("Time left:"), "{text}");
    assert!(text.contains("/pay/"), "{text}");
    assert_eq!(m["parse_mode"], "HTML");
    let copy = m["reply_markup"]["inline_keyboard"].to_string();
    assert!(
        copy.contains("8600310495126224") && copy.contains("\"5000\""),
        "{copy}"
    );

    // The bot goes down and comes back while the order waits: nothing is lost.
    bot.restart();
    assert_eq!(bot.line_of(&order)["status"], "pending");

    // The money arrives (the operator confirms it in Kassa): credited at the next check.
    let r = kassa.confirm(&order);
    assert_eq!(r.status, 200, "{}", r.body);
    let paid = |t: &str| t.contains("Payment received") && t.contains(&order);
    let m = tg.wait_message(0, "of the payment", paid);
    let text = m["text"].as_str().unwrap_or("");
    assert!(text.contains("+5 000 so'm"), "{text}");
    assert!(text.contains("Balance: 5 000 so'm"), "{text}");
    let line = bot.line_of(&order);
    assert_eq!(line["status"], "paid", "{line}");
    // Marked told once Telegram took the message.
    bot.wait_transaction("marked told", |t| {
        t["order"] == order.as_str() && t["notified"] == true
    });
    bot.wait_balances(json!({USER.to_string(): "5000"}));

    let before = tg.sent().len();
    tg.say("/balance");
    tg.wait_message(before, "of the balance", |t| {
        t.contains("Your balance: 5 000 so'm.")
    });

    // Another restart, and a few checks after it: the order is not credited again, the user
    // not told again, the /topup not handled again.
    bot.restart();
    let seen = bot.health().map(|(_, h)| h["last_check_at"].clone());
    bot.wait_health("a later check", |h| {
        Some(h["last_check_at"].clone()) != seen
    });
    let before = tg.sent().len();
    tg.say("/balance");
    tg.wait_message(before, "of the balance", |t| {
        t.contains("Your balance: 5 000 so'm.")
    });
    assert_eq!(tg.count(paid), 1, "{:#?}", tg.texts());
    assert_eq!(bot.transactions().len(), 1, "{:#?}", bot.transactions());
    bot.wait_balances(json!({USER.to_string(): "5000"}));

    // A second order, from a button, left unpaid; the bot is down when it expires and cancels
    // it through Kassa when it is back, and tells the user.
    let before = tg.sent().len();
    tg.press("topup:10000");
    let second = bot.wait_transaction("for 10000", |t| t["amount"] == "10000");
    let order2 = second["order"].as_str().expect("order").to_owned();
    tg.wait_message(before, "with the second order", |t| t.contains(&order2));
    bot.kill_9();
    let deadline = Instant::now() + WAIT;
    while kassa_status(&kassa, &order2) == "pending" {
        assert!(
            Instant::now() < deadline,
            "the order never expired in Kassa"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    bot.spawn();
    let expired = |t: &str| t.contains("not paid in time") && t.contains(&order2);
    let m = tg.wait_message(0, "of the expiry", expired);
    assert!(m["text"].as_str().unwrap_or("").contains("10 000 so'm"));
    assert_eq!(bot.line_of(&order2)["status"], "expired");
    assert_eq!(kassa_status(&kassa, &order2), "cancel");
    // One more check pass: told once.
    let seen = bot.health().map(|(_, h)| h["last_check_at"].clone());
    bot.wait_health("a later check", |h| {
        Some(h["last_check_at"].clone()) != seen
    });
    assert_eq!(tg.count(expired), 1, "{:#?}", tg.texts());

    // /cancel cancels a pending order through Kassa.
    let before = tg.sent().len();
    tg.say("/topup 20000");
    let third = bot.wait_transaction("for 20000", |t| t["amount"] == "20000");
    let order3 = third["order"].as_str().expect("order").to_owned();
    tg.wait_message(before, "with the third order", |t| t.contains(&order3));
    tg.say("/cancel");
    tg.wait_message(before, "of the cancel", |t| {
        t.contains("is cancelled") && t.contains(&order3)
    });
    assert_eq!(bot.line_of(&order3)["status"], "cancelled");
    assert_eq!(kassa_status(&kassa, &order3), "cancel");

    // A fourth is paid while Telegram cannot be reached: credited at once all the same (saved
    // before anything is said), /health says Telegram is down, and the bot crashes before it
    // could tell the user. Back up, it tells them, once.
    let before = tg.sent().len();
    tg.say("/topup 30000");
    let fourth = bot.wait_transaction("for 30000", |t| t["amount"] == "30000");
    let order4 = fourth["order"].as_str().expect("order").to_owned();
    tg.wait_message(before, "with the fourth order", |t| t.contains(&order4));
    tg.set_down(true);
    let r = kassa.confirm(&order4);
    assert_eq!(r.status, 200, "{}", r.body);
    let line = bot.wait_transaction("paid while Telegram is down", |t| {
        t["order"] == order4.as_str() && t["status"] == "paid"
    });
    assert_eq!(line["notified"], false, "{line}");
    bot.wait_balances(json!({USER.to_string(): "35000"}));
    let deadline = Instant::now() + WAIT;
    loop {
        match bot.health() {
            Some((503, h)) if h["telegram"]["reachable"] == false => {
                assert_eq!(h["status"], "degraded", "{h}");
                assert_eq!(h["kassa"]["reachable"], true, "{h}");
                assert!(h["telegram"]["last_error"].is_string(), "{h}");
                break;
            }
            other => assert!(
                Instant::now() < deadline,
                "/health never said Telegram is down: {other:?}"
            ),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bot.kill_9();
    tg.set_down(false);
    bot.spawn();
    let paid4 = |t: &str| t.contains("Payment received") && t.contains(&order4);
    let m = tg.wait_message(0, "of the fourth payment", paid4);
    assert!(
        m["text"]
            .as_str()
            .unwrap_or("")
            .contains("Balance: 35 000 so'm"),
        "{m}"
    );
    bot.wait_transaction("marked told", |t| {
        t["order"] == order4.as_str() && t["notified"] == true
    });
    let seen = bot.health().map(|(_, h)| h["last_check_at"].clone());
    bot.wait_health("a later check", |h| {
        Some(h["last_check_at"].clone()) != seen
    });
    assert_eq!(tg.count(paid4), 1, "{:#?}", tg.texts());

    // /history lists them all; the balance is the two paid orders.
    let before = tg.sent().len();
    tg.say("/history");
    let m = tg.wait_message(before, "of the history", |t| t.contains("latest payments"));
    let text = m["text"].as_str().unwrap_or("");
    for expected in [
        order.as_str(),
        order2.as_str(),
        order3.as_str(),
        order4.as_str(),
        "+5 000 so'm — paid",
        "10 000 so'm — expired",
        "20 000 so'm — cancelled",
        "+30 000 so'm — paid",
        "Your balance: 35 000 so'm.",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
    assert_eq!(bot.transactions().len(), 4);
    bot.wait_balances(json!({USER.to_string(): "35000"}));
    assert_eq!(tg.count(paid), 1);
    // Written atomically: no temporary file left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&bot.data)
        .expect("data dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Kassa's own ledger agrees: the shop was credited the two paid orders.
    let shop = kassa.get("/api?shop_id=695008&shop_key=Z631XLBO7O").json();
    assert_eq!(shop["data"]["balance"], "35000", "{shop}");

    // The bot asked Telegram with long polling and set its command menu.
    let calls = tg.lock().calls.clone();
    assert!(calls.iter().any(|c| c == "getUpdates"));
    assert!(calls.iter().any(|c| c == "setMyCommands"));
    assert!(calls.iter().any(|c| c == "answerCallbackQuery"));
}

#[test]
fn refused_credentials_and_missing_settings_exit_2() {
    // Nothing set: every missing variable is named.
    let out = Command::new(bot_bin())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .expect("run topup_bot");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for name in ["TELEGRAM_BOT_TOKEN", "KASSA_URL", "SHOP_ID", "SHOP_KEY"] {
        assert!(stderr.contains(&format!("{name} is not set")), "{stderr}");
    }

    // A malformed setting names its variable.
    let out = Command::new(bot_bin())
        .env_clear()
        .env("TELEGRAM_BOT_TOKEN", TOKEN)
        .env("KASSA_URL", "http://127.0.0.1:9")
        .env("SHOP_ID", "695008")
        .env("SHOP_KEY", "x")
        .env("BOT_CHECK_INTERVAL", "often")
        .output()
        .expect("run topup_bot");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("BOT_CHECK_INTERVAL=often"), "{stderr}");

    // Kassa refuses the shop key: a configuration error too.
    let kassa = Server::demo();
    let tg = FakeTelegram::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut env = Bot::env(&kassa, &tg, &dir.path().join("data"), free_port());
    env.retain(|(k, _)| k != "SHOP_KEY");
    let out = Command::new(bot_bin())
        .env_clear()
        .envs(env)
        .env("SHOP_KEY", "WRONGKEY00")
        .output()
        .expect("run topup_bot");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("SHOP_ID / SHOP_KEY"), "{stderr}");
}

#[test]
fn amounts_are_exact_tiyin() {
    use money::{AmountError::*, display, parse_kassa, parse_som, to_kassa};
    assert_eq!(parse_som("50000"), Ok(5_000_000));
    assert_eq!(parse_som(" 50000.01 "), Ok(5_000_001));
    assert_eq!(parse_som("1000.5"), Ok(100_050));
    assert_eq!(parse_som("0.01"), Ok(1));
    assert_eq!(parse_som(""), Err(Empty));
    assert_eq!(parse_som("abc"), Err(NotANumber));
    assert_eq!(parse_som("-5"), Err(Negative));
    assert_eq!(parse_som("0"), Err(Zero));
    assert_eq!(parse_som("0.00"), Err(Zero));
    assert_eq!(parse_som("1e3"), Err(Exponent));
    assert_eq!(parse_som("1E3"), Err(Exponent));
    assert_eq!(parse_som("1,000"), Err(Separator));
    assert_eq!(parse_som("1 000"), Err(Separator));
    assert_eq!(parse_som("1.005"), Err(TooManyDecimals));
    assert_eq!(parse_som("+5"), Err(NotANumber));
    assert_eq!(parse_som(".5"), Err(NotANumber));
    assert_eq!(parse_som("5."), Err(NotANumber));
    assert_eq!(parse_som("NaN"), Err(NotANumber));
    assert_eq!(parse_som("99999999999999999999"), Err(TooLarge));
    assert_eq!(parse_kassa("0"), Some(0));
    assert_eq!(parse_kassa("50000.10"), Some(5_000_010));
    for t in [1, 99, 100, 5_000_000, 5_000_001, 100_050, u64::MAX / 1000] {
        assert_eq!(parse_kassa(&to_kassa(t)), Some(t));
    }
    assert_eq!(to_kassa(100_050), "1000.50");
    assert_eq!(display(5_000_000), "50 000");
    assert_eq!(display(10_000_000_000), "100 000 000");
    assert_eq!(display(100_050), "1 000.50");
    assert_eq!(display(5), "0.05");
}

fn transaction(order: &str, user_id: u64, amount: u64) -> store::Transaction {
    store::Transaction {
        order: order.into(),
        user_id,
        chat_id: user_id as i64,
        lang: "uz".into(),
        amount,
        payable_amount: amount + 1,
        card: Some("8600310495126224".into()),
        pay_url: None,
        status: store::Status::Pending,
        created_at: 1_795_511_633,
        expires_at: 1_795_511_933,
        closed_at: None,
        notified: false,
    }
}

#[test]
fn store_credits_an_order_once_and_keeps_it_across_opens() {
    use store::{Status, Store};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = Store::open(dir.path()).expect("open");
    assert!(s.add(transaction("a", 7, 500_000)));
    assert!(
        !s.add(transaction("a", 7, 1)),
        "an order code is added once"
    );
    assert!(s.add(transaction("b", 7, 100_050)));
    assert!(s.add(transaction("c", 8, 100_000)));
    s.telegram_offset = 77;
    s.save().expect("save");

    assert!(s.close("a", Status::Paid, 1));
    assert!(!s.close("a", Status::Paid, 2), "paid once");
    assert!(!s.close("a", Status::Expired, 2), "final stays final");
    assert!(s.close("b", Status::Expired, 3));
    assert_eq!(s.balance(7), 500_000);
    s.save().expect("save");

    let again = Store::open(dir.path()).expect("reopen");
    assert_eq!(again.telegram_offset, 77);
    assert_eq!(again.balance(7), 500_000);
    assert_eq!(again.balance(8), 0);
    assert_eq!(again.get("b").map(|t| t.status), Some(Status::Expired));
    assert_eq!(again.get("b").map(|t| t.amount), Some(100_050));
    assert_eq!(again.pending().len(), 1);
    assert_eq!(again.unnotified().len(), 2);
    let balances = std::fs::read_to_string(dir.path().join("balances.json")).expect("balances");
    assert_eq!(
        serde_json::from_str::<Value>(&balances).expect("json"),
        json!({"7": "5000"})
    );
    // One transaction a line, amounts as exact text.
    let text = std::fs::read_to_string(dir.path().join("transactions.json")).expect("file");
    assert_eq!(text.lines().count(), 5, "{text}");
    assert!(
        text.contains(r#""amount":"1000.50","payable_amount":"1000.51""#),
        "{text}"
    );

    // A file that cannot be read stops the bot and is left as it was.
    std::fs::write(dir.path().join("transactions.json"), "{\"version\":1,").expect("write");
    assert!(Store::open(dir.path()).is_err());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("transactions.json")).expect("file"),
        "{\"version\":1,"
    );
    let twice = r#"{"version":1,"telegram_offset":0,"transactions":[
{"order":"x","user_id":1,"chat_id":1,"amount":"1","payable_amount":"1","status":"paid","created_at":0,"expires_at":0},
{"order":"x","user_id":1,"chat_id":1,"amount":"1","payable_amount":"1","status":"paid","created_at":0,"expires_at":0}
]}"#;
    std::fs::write(dir.path().join("transactions.json"), twice).expect("write");
    let err = Store::open(dir.path()).expect_err("an order twice");
    assert!(err.contains("appears twice"), "{err}");
    let float = twice.replace(r#""amount":"1","#, r#""amount":1.5,"#);
    std::fs::write(dir.path().join("transactions.json"), float).expect("write");
    assert!(
        Store::open(dir.path()).is_err(),
        "amounts are text, never numbers"
    );
}

#[test]
fn texts_in_every_language() {
    use texts::{Lang, esc, local_time, order_created, time_left};
    assert_eq!(Lang::from_code("uz"), Lang::Uz);
    assert_eq!(Lang::from_code("ru-RU"), Lang::Ru);
    assert_eq!(Lang::from_code("en-US"), Lang::En);
    assert_eq!(Lang::from_code("de"), Lang::En);
    assert_eq!(Lang::from_code(""), Lang::En);
    assert_eq!(esc("<b>&\"x\""), "&lt;b&gt;&amp;&quot;x&quot;");
    assert_eq!(local_time(0), "1970-01-01 05:00");
    assert_eq!(local_time(1_795_511_633), "2026-11-24 14:13");
    assert_eq!(local_time(951_868_799), "2000-03-01 04:59");
    assert_eq!(local_time(4_102_444_800), "2100-01-01 05:00");
    assert_eq!(time_left(Lang::En, 300), "5 min");
    assert_eq!(time_left(Lang::Uz, 299), "4 daqiqa 59 soniya");
    assert_eq!(time_left(Lang::Ru, 5), "5 с");

    let mut tx = transaction("ord<1>", 7, 5_000_000);
    tx.pay_url = Some("https://pay.example/pay/t?a=1&b=2".into());
    for (lang, pay, card) in [
        (
            Lang::Uz,
            "Aynan <b>50 000.01 so'm</b>",
            "Karta: <code>8600 3104 9512 6224</code>",
        ),
        (
            Lang::Ru,
            "ровно <b>50 000.01 сум</b>",
            "Карта: <code>8600 3104 9512 6224</code>",
        ),
        (
            Lang::En,
            "exactly <b>50 000.01 so'm</b>",
            "card <code>8600 3104 9512 6224</code>",
        ),
    ] {
        let text = order_created(lang, &tx, 300);
        assert!(text.contains(pay), "{text}");
        assert!(text.contains(card), "{text}");
        assert!(text.contains("<code>ord&lt;1&gt;</code>"), "{text}");
        assert!(
            text.contains("https://pay.example/pay/t?a=1&amp;b=2"),
            "{text}"
        );
        assert!(text.contains(&time_left(lang, 300)), "{text}");
        for error in [
            money::AmountError::NotANumber,
            money::AmountError::Negative,
            money::AmountError::Zero,
            money::AmountError::Exponent,
            money::AmountError::Separator,
            money::AmountError::TooManyDecimals,
            money::AmountError::TooLarge,
        ] {
            let answer = texts::bad_amount(lang, error, "<x>");
            assert!(!answer.is_empty() && !answer.contains("<x>"), "{answer}");
        }
        for t in [
            texts::welcome(lang, "<Aziza>"),
            texts::help(lang),
            texts::paid(lang, &tx, 5_000_000),
            texts::expired(lang, &tx),
            texts::cancelled(lang, &tx),
            texts::history(lang, &[tx.clone()], 0),
            texts::history(lang, &[], 0),
        ] {
            // Telegram HTML: only the tags the bot means.
            let stripped = t
                .replace("<b>", "")
                .replace("</b>", "")
                .replace("<code>", "")
                .replace("</code>", "");
            assert!(!stripped.contains('<') && !stripped.contains('>'), "{t}");
        }
    }
}
