//! Settings from the environment. Every problem is reported at once, naming its variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub token: String,
    pub telegram_api_url: String,
    pub kassa_url: String,
    pub shop_id: String,
    pub shop_key: String,
    pub health_listen: SocketAddr,
    pub data_dir: PathBuf,
    pub check_interval: Duration,
}

pub const DEFAULT_TELEGRAM_API_URL: &str = "https://api.telegram.org";
pub const DEFAULT_HEALTH_LISTEN: &str = "127.0.0.1:8081";
pub const DEFAULT_DATA_DIR: &str = "topup_bot_data";
pub const DEFAULT_CHECK_INTERVAL: &str = "10s";

impl Config {
    /// Reads the settings through `var` (the environment, or a table in tests). Empty values
    /// count as unset.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Config, Vec<String>> {
        let get = |name: &str| {
            var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut problems = Vec::new();
        let mut required = |name: &str, what: &str| match get(name) {
            Some(v) => v,
            None => {
                problems.push(format!("{name} is not set: {what}"));
                String::new()
            }
        };
        let token = required(
            "TELEGRAM_BOT_TOKEN",
            "the bot's token from @BotFather (123456789:AA…)",
        );
        let kassa_url = required(
            "KASSA_URL",
            "where Kassa serves its API, e.g. http://127.0.0.1:8080",
        );
        let shop_id = required("SHOP_ID", "the shop's id in Kassa, e.g. 695008");
        let shop_key = required("SHOP_KEY", "the shop's key in Kassa");

        if !token.is_empty() && token.chars().any(|c| c.is_whitespace() || c == '/') {
            problems.push("TELEGRAM_BOT_TOKEN is not a bot token (it has a space or a /)".into());
        }
        if !kassa_url.is_empty() && !is_http_url(&kassa_url) {
            problems.push(format!(
                "KASSA_URL={kassa_url} is not an http:// or https:// address"
            ));
        }
        let telegram_api_url =
            get("TELEGRAM_API_URL").unwrap_or_else(|| DEFAULT_TELEGRAM_API_URL.into());
        if !is_http_url(&telegram_api_url) {
            problems.push(format!(
                "TELEGRAM_API_URL={telegram_api_url} is not an http:// or https:// address"
            ));
        }
        let listen_text = get("BOT_HEALTH_LISTEN").unwrap_or_else(|| DEFAULT_HEALTH_LISTEN.into());
        let health_listen = match listen_text.parse::<SocketAddr>() {
            Ok(a) => Some(a),
            Err(_) => {
                problems.push(format!(
                    "BOT_HEALTH_LISTEN={listen_text} is not an address and port, e.g. 127.0.0.1:8081"
                ));
                None
            }
        };
        let interval_text =
            get("BOT_CHECK_INTERVAL").unwrap_or_else(|| DEFAULT_CHECK_INTERVAL.into());
        let check_interval = match humantime::parse_duration(&interval_text) {
            Ok(d) if d >= Duration::from_millis(100) && d <= Duration::from_secs(3600) => Some(d),
            _ => {
                problems.push(format!(
                    "BOT_CHECK_INTERVAL={interval_text} is not a duration between 100ms and 1h, e.g. 10s"
                ));
                None
            }
        };
        let data_dir =
            PathBuf::from(get("BOT_DATA_DIR").unwrap_or_else(|| DEFAULT_DATA_DIR.into()));

        match (health_listen, check_interval) {
            (Some(health_listen), Some(check_interval)) if problems.is_empty() => Ok(Config {
                token,
                telegram_api_url,
                kassa_url,
                shop_id,
                shop_key,
                health_listen,
                data_dir,
                check_interval,
            }),
            _ => Err(problems),
        }
    }
}

fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    matches!(rest, Some(host) if !host.is_empty() && !host.starts_with('/'))
}
