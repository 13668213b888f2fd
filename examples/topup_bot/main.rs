//! A Telegram bot that tops up its users' balances through Kassa: the RasmiyPay document's
//! Python bot, in Rust, as the integration a merchant copies.
//!
//! It talks to Kassa only through the public RasmiyPay API (`/api?method=create|check|cancel`)
//! and to Telegram through the Bot API with long polling (`getUpdates`), so it needs no public
//! address. See `examples/README.md`.
//!
//! ```sh
//! TELEGRAM_BOT_TOKEN=123456:ABC… KASSA_URL=http://127.0.0.1:8080 SHOP_ID=695008 \
//!   SHOP_KEY=Z631XLBO7O cargo run --release --example topup_bot
//! ```
//!
//! Threads: the main one polls Telegram and answers commands; one checks the pending orders
//! every `BOT_CHECK_INTERVAL`; one serves `/health`. They share the store behind a mutex, which
//! is never held across a network call.

mod bot;
mod checker;
mod config;
mod health;
mod kassa;
mod money;
mod store;
mod telegram;
mod texts;

use config::Config;
use health::Health;
use kassa::{Kassa, KassaError};
use money::Tiyin;
use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use store::Store;
use telegram::{Telegram, TgError};

/// The smallest top-up, 1 000 so'm.
pub const MIN_TOPUP: Tiyin = 1_000 * money::TIYIN_PER_SOM;
/// Unpaid orders one user may hold at once.
pub const MAX_PENDING_PER_USER: usize = 3;

/// What every thread shares.
#[derive(Debug)]
pub struct App {
    store: Mutex<Store>,
    health: Mutex<Health>,
    pub kassa: Kassa,
    pub tg: Telegram,
    pub check_interval: Duration,
}

impl App {
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn health(&self) -> MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes whether Kassa answered (an error answer is an answer).
    pub fn saw_kassa<T>(&self, result: &Result<T, KassaError>) {
        match result {
            Err(e) if e.is_unreachable() => self.health().kassa.failed(&e.to_string()),
            _ => self.health().kassa.ok(),
        }
    }

    /// Notes whether Telegram answered.
    pub fn saw_telegram<T>(&self, result: &Result<T, TgError>) {
        match result {
            Err(e @ TgError::Unreachable(_)) => self.health().telegram.failed(&e.to_string()),
            Err(e @ TgError::Api { code, .. }) if *code == 401 || *code >= 500 => {
                self.health().telegram.failed(&e.to_string())
            }
            _ => self.health().telegram.ok(),
        }
    }
}

/// Ends the program: exit code 2 for configuration, 1 for the rest.
#[derive(Debug)]
pub enum Fatal {
    Config(String),
    Runtime(String),
}

fn main() -> ExitCode {
    // A panic in any thread ends the process: a bot whose checker died must not go on looking
    // alive. Its supervisor starts it again, and it picks up from its files.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        report(info);
        std::process::exit(101);
    }));
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = match Config::from_env(|name| std::env::var(name).ok()) {
        Ok(c) => c,
        Err(problems) => {
            for p in problems {
                eprintln!("topup_bot: {p}");
            }
            eprintln!("topup_bot: see examples/README.md for every setting");
            return ExitCode::from(2);
        }
    };
    match run(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fatal::Config(why)) => {
            eprintln!("topup_bot: {why}");
            ExitCode::from(2)
        }
        Err(Fatal::Runtime(why)) => {
            eprintln!("topup_bot: {why}");
            ExitCode::from(1)
        }
    }
}

fn run(config: Config) -> Result<(), Fatal> {
    let store = Store::open(&config.data_dir).map_err(Fatal::Runtime)?;
    let listener = TcpListener::bind(config.health_listen).map_err(|e| {
        Fatal::Runtime(format!(
            "BOT_HEALTH_LISTEN={}: cannot listen: {e}",
            config.health_listen
        ))
    })?;
    tracing::info!(
        data_dir = %config.data_dir.display(),
        orders_pending = store.pending().len(),
        telegram_offset = store.telegram_offset,
        "state loaded"
    );
    let app = Arc::new(App {
        store: Mutex::new(store),
        health: Mutex::new(Health::new()),
        kassa: Kassa::new(&config.kassa_url, &config.shop_id, &config.shop_key),
        tg: Telegram::new(&config.telegram_api_url, &config.token),
        check_interval: config.check_interval,
    });

    bot::introduce(&app)?;

    let health_app = Arc::clone(&app);
    std::thread::Builder::new()
        .name("health".into())
        .spawn(move || health::serve(listener, &health_app))
        .map_err(|e| Fatal::Runtime(format!("cannot start the health thread: {e}")))?;
    tracing::info!(listen = %config.health_listen, "health endpoint at /health");

    let checker_app = Arc::clone(&app);
    std::thread::Builder::new()
        .name("checker".into())
        .spawn(move || checker::run(&checker_app))
        .map_err(|e| Fatal::Runtime(format!("cannot start the checker thread: {e}")))?;

    bot::poll(&app)
}
