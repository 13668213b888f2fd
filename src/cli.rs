//! The command line: `kassa [serve] [--demo]`, and the operator's commands on the same database.

use clap::{Args, Parser, Subcommand};
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "kassa",
    version,
    about = "Merchant payment gateway: RasmiyPay and TopHamyon APIs on one ledger"
)]
pub struct Cli {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Clone)]
pub struct DbArgs {
    /// Database: a file path or sqlite://path (SQLite), or postgres://… (PostgreSQL).
    #[arg(long, env = "DATABASE_URL", default_value = "kassa.db", global = true)]
    pub database_url: String,
    /// Server secret for keyed hashes of shop keys (16+ bytes). Required with PostgreSQL; on
    /// SQLite, when unset, one is generated into `<database>.secret` (mode 0600).
    #[arg(long, env = "KASSA_SECRET", hide_env_values = true, global = true)]
    pub secret: Option<String>,
    /// Offset times are shown in.
    #[arg(long, env = "KASSA_UTC_OFFSET", default_value = "+05:00", value_parser = parse_offset, global = true)]
    pub utc_offset: time::UtcOffset,
    /// Largest amount one order may ask for, in som.
    #[arg(long, env = "KASSA_MAX_AMOUNT", default_value = "100000000", value_parser = parse_money, global = true)]
    pub max_amount: payments_core::Money,
    /// How long a new order waits for its payment (e.g. 5m, 90s).
    #[arg(long, env = "KASSA_ORDER_TTL", default_value = "5m", value_parser = parse_duration, global = true)]
    pub order_ttl: Duration,
    /// Payable amounts are the amount plus k steps (in som; default one tiyin)…
    #[arg(long, env = "KASSA_PAYABLE_STEP", default_value = "0.01", value_parser = parse_money, global = true)]
    pub payable_step: payments_core::Money,
    /// …for k below this many steps.
    #[arg(long, env = "KASSA_PAYABLE_STEPS", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000), global = true)]
    pub payable_steps: u32,
    /// How long a payable amount stays taken after its order's expiry.
    #[arg(long, env = "KASSA_QUARANTINE", default_value = "10m", value_parser = parse_duration, global = true)]
    pub quarantine: Duration,
    /// Telegram bot token for messages to shop owners (off when unset).
    #[arg(
        long,
        env = "KASSA_TELEGRAM_BOT_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub telegram_bot_token: Option<String>,
    /// Base URL of the Telegram Bot API.
    #[arg(
        long,
        env = "KASSA_TELEGRAM_API_URL",
        default_value = "https://api.telegram.org",
        global = true
    )]
    pub telegram_api_url: String,
    /// Also tell owners on Telegram when an order expires (1 = yes).
    #[arg(long, env = "KASSA_NOTIFY_EXPIRED", default_value = "0", value_parser = parse_flag, global = true)]
    pub notify_expired: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP APIs (the default when no command is given).
    Serve(ServeArgs),
    /// Manage shops.
    #[command(subcommand)]
    Shop(ShopCommand),
    /// Act on orders.
    #[command(subcommand)]
    Order(OrderCommand),
    /// Check that every shop's balance equals the sum of its ledger.
    Verify,
    /// Read bank-notification text (stdin or a file) and settle each message now.
    Ingest {
        /// A file of messages separated by blank lines; stdin when absent or `-`.
        file: Option<std::path::PathBuf>,
    },
    /// Review incoming payments that matched no order.
    #[command(subcommand)]
    Payments(PaymentsCommand),
    /// Export data.
    #[command(subcommand)]
    Export(ExportCommand),
}

#[derive(Debug, Subcommand)]
pub enum PaymentsCommand {
    /// List unmatched payments and duplicates.
    Unmatched,
    /// Settle an open payment against a pending order.
    Attach { payment_id: i64, order: String },
    /// Close an open payment as refunded or ignored.
    Resolve {
        payment_id: i64,
        /// refunded or ignored.
        #[arg(long = "as")]
        status: String,
        #[arg(long, default_value = "")]
        note: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Paid orders, oldest first (JSON array like the bot's transactions.json, or CSV).
    Transactions {
        #[arg(long)]
        shop: Option<String>,
        /// Only orders paid at or after this time (RFC 3339, or YYYY-MM-DD in the display offset).
        #[arg(long)]
        since: Option<String>,
        /// json or csv.
        #[arg(long, default_value = "json")]
        format: String,
        /// Write here instead of stdout.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Create the documents' test shops (695008, 101, 102) if missing.
    #[arg(long)]
    pub demo: bool,
    /// Address to listen on.
    #[arg(long, env = "KASSA_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Bearer token of the admin API; the admin API is off when unset.
    #[arg(long, env = "KASSA_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// How often the worker runs (expiry sweep), e.g. 10s.
    #[arg(long, env = "KASSA_TICK", default_value = "10s", value_parser = parse_duration)]
    pub tick: Duration,
    /// Base of the links the server hands out (pay_url); default `http://<listen>`.
    #[arg(long, env = "KASSA_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Most client connections open at once; more wait in the listen queue.
    #[arg(long, env = "KASSA_MAX_CONNECTIONS", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
    /// How long a client has to send a request's head (line and headers); then 408 and closed.
    #[arg(long, env = "KASSA_REQUEST_TIMEOUT", default_value = "5s", value_parser = parse_duration)]
    pub request_timeout: Duration,
    /// How long an idle keep-alive connection stays open.
    #[arg(long, env = "KASSA_KEEP_ALIVE", default_value = "5s", value_parser = parse_duration)]
    pub keep_alive: Duration,
    /// Longest a request may take from its head to its answer (body included); then 503.
    #[arg(long, env = "KASSA_REQUEST_DEADLINE", default_value = "10s", value_parser = parse_duration)]
    pub request_deadline: Duration,
    /// On SIGTERM: how long requests in flight and the worker's tick get to finish.
    #[arg(long, env = "KASSA_SHUTDOWN_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub shutdown_timeout: Duration,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            demo: false,
            listen: "127.0.0.1:8080".into(),
            admin_token: None,
            tick: Duration::from_secs(10),
            public_url: None,
            max_connections: 1000,
            request_timeout: Duration::from_secs(5),
            keep_alive: Duration::from_secs(5),
            request_deadline: Duration::from_secs(10),
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ShopCommand {
    /// Create a shop; prints it with its key (shown only this once).
    Add(ShopAddArgs),
    /// Print a shop.
    Show { id: String },
    /// Change a shop's fields.
    Update(ShopUpdateArgs),
    /// Give a shop a new key; prints it (the old one stops working).
    RotateKey { id: String },
}

#[derive(Debug, Args)]
pub struct ShopAddArgs {
    #[arg(long)]
    pub name: String,
    /// The owner's Telegram user id.
    #[arg(long, default_value_t = 0)]
    pub user_id: i64,
    /// api or page.
    #[arg(long, default_value = "api")]
    pub kind: String,
    /// pending, confirm or blocked.
    #[arg(long, default_value = "pending")]
    pub status: String,
    /// Toʻlandi (paid) or Toʻlanmagan (unpaid).
    #[arg(long, default_value = "unpaid")]
    pub month_status: String,
    /// The receiving card (16 digits).
    #[arg(long)]
    pub card: Option<String>,
    #[arg(long)]
    pub callback_url: Option<String>,
    /// Import an existing shop's id instead of generating one.
    #[arg(long)]
    pub id: Option<String>,
    /// Import an existing shop's key instead of generating one.
    #[arg(long)]
    pub key: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShopUpdateArgs {
    pub id: String,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub user_id: Option<i64>,
    #[arg(long)]
    pub kind: Option<String>,
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub month_status: Option<String>,
    /// The receiving card; an empty value removes it.
    #[arg(long)]
    pub card: Option<String>,
    /// An empty value removes it.
    #[arg(long)]
    pub callback_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// Mark a pending order paid and credit its shop (once).
    Confirm { code: String },
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text).map_err(|e| format!("{e} (use e.g. 10s, 5m)"))?;
    if d.is_zero() {
        return Err("must be longer than zero".into());
    }
    Ok(d)
}

fn parse_flag(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err("expected 1 or 0".into()),
    }
}

fn parse_offset(text: &str) -> Result<time::UtcOffset, String> {
    let format = time::macros::format_description!("[offset_hour sign:mandatory]:[offset_minute]");
    time::UtcOffset::parse(text, &format).map_err(|_| "expected an offset like +05:00".to_owned())
}

fn parse_money(text: &str) -> Result<payments_core::Money, String> {
    payments_core::Money::parse(text).map_err(|e| e.to_string())
}
