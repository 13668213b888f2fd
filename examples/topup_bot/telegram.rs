//! The Telegram Bot API: frankenstein's types and methods, sent through ureq.
//!
//! frankenstein's `TelegramApi` trait needs only `request` from a client; this one is a ureq 2
//! agent (the workspace's HTTP client), so the bot builds no second HTTP stack.

use frankenstein::TelegramApi;
use frankenstein::methods::{GetUpdatesParams, SendMessageParams};
use frankenstein::response::MethodResponse;
use frankenstein::types::AllowedUpdate;
use serde::de::IgnoredAny;
use std::path::PathBuf;
use std::time::Duration;

/// How long a `getUpdates` call waits on Telegram for an update.
pub const POLL_TIMEOUT_SECS: u32 = 30;

#[derive(Debug)]
pub struct Telegram {
    agent: ureq::Agent,
    /// `{TELEGRAM_API_URL}/bot{token}`: holds the token, so it never goes to a log.
    base: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TgError {
    /// No answer (network, TLS, timeout) or one that is not the Bot API's.
    Unreachable(String),
    /// The Bot API's error: `error_code` (401 bad token, 403 blocked by the user, 409 a webhook
    /// is set or another instance polls, 429 too many requests, …) and its description.
    Api { code: u16, description: String },
}

impl std::fmt::Display for TgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TgError::Unreachable(why) => write!(f, "Telegram unreachable: {why}"),
            TgError::Api { code, description } => write!(f, "Telegram: {code} {description}"),
        }
    }
}

impl TgError {
    /// The message can never be delivered (the user blocked the bot, the chat is gone).
    pub fn is_permanent_for_chat(&self) -> bool {
        matches!(
            self,
            TgError::Api {
                code: 400 | 403,
                ..
            }
        )
    }
}

impl Telegram {
    pub fn new(api_url: &str, token: &str) -> Telegram {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(10))
            // Long polling holds a request for POLL_TIMEOUT_SECS; allow for that and more.
            .timeout(Duration::from_secs(u64::from(POLL_TIMEOUT_SECS) + 30))
            .user_agent("kassa-topup-bot/1")
            .build();
        Telegram {
            agent,
            base: format!("{}/bot{token}", api_url.trim_end_matches('/')),
        }
    }

    /// `getUpdates` from `offset`, as raw JSON: an update of a kind this build cannot read must
    /// not stop the others (its id still moves the offset on).
    pub fn updates(&self, offset: i64) -> Result<Vec<serde_json::Value>, TgError> {
        let params = GetUpdatesParams::builder()
            .offset(offset)
            .timeout(POLL_TIMEOUT_SECS)
            .allowed_updates(vec![AllowedUpdate::Message, AllowedUpdate::CallbackQuery])
            .build();
        let answer: MethodResponse<Vec<serde_json::Value>> =
            self.request("getUpdates", Some(&params))?;
        Ok(answer.result)
    }

    /// `sendMessage`; the answer (the sent message) is not needed.
    pub fn send(&self, params: &SendMessageParams) -> Result<(), TgError> {
        let _: MethodResponse<IgnoredAny> = self.request("sendMessage", Some(params))?;
        Ok(())
    }
}

impl TelegramApi for Telegram {
    type Error = TgError;

    fn request<Params, Output>(
        &self,
        method: &str,
        params: Option<Params>,
    ) -> Result<Output, TgError>
    where
        Params: serde::ser::Serialize + std::fmt::Debug,
        Output: serde::de::DeserializeOwned,
    {
        let request = self.agent.post(&format!("{}/{method}", self.base));
        let result = match params {
            Some(p) => request.send_json(p),
            None => request.call(),
        };
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            // Not `t.to_string()`: that names the URL, and the URL holds the token.
            Err(ureq::Error::Transport(t)) => {
                return Err(TgError::Unreachable(match t.message() {
                    Some(m) => format!("{}: {m}", t.kind()),
                    None => t.kind().to_string(),
                }));
            }
        };
        let http = response.status();
        let body = response
            .into_string()
            .map_err(|e| TgError::Unreachable(format!("HTTP {http}: {e}")))?;
        if (200..300).contains(&http) {
            serde_json::from_str(&body).map_err(|e| {
                TgError::Unreachable(format!("HTTP {http}: unexpected answer to {method}: {e}"))
            })
        } else {
            match serde_json::from_str::<frankenstein::response::ErrorResponse>(&body) {
                Ok(e) => Err(TgError::Api {
                    code: u16::try_from(e.error_code).unwrap_or(http),
                    description: e.description,
                }),
                Err(_) => Err(TgError::Unreachable(format!("HTTP {http}"))),
            }
        }
    }

    fn request_with_form_data<Params, Output>(
        &self,
        method: &str,
        _params: Params,
        _files: Vec<(&str, PathBuf)>,
    ) -> Result<Output, TgError>
    where
        Params: serde::ser::Serialize + std::fmt::Debug,
        Output: serde::de::DeserializeOwned,
    {
        // The bot sends text only; uploading files is not part of it.
        Err(TgError::Unreachable(format!(
            "{method}: file uploads are not supported by this bot"
        )))
    }
}
