//! Kassa through its public RasmiyPay API, as any merchant calls it: `create`, `check`,
//! `cancel` and the shop information, over HTTP(S).

use crate::money::{self, Tiyin};
use serde_json::Value;
use std::time::Duration;

#[derive(Debug)]
pub struct Kassa {
    agent: ureq::Agent,
    /// `{KASSA_URL}/api`
    api: String,
    shop_id: String,
    shop_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KassaError {
    /// No answer, or not one of the API's (network, TLS, timeout, an HTML error page).
    Unreachable(String),
    /// The API's error answer: `code` is Kassa's stable code (`amount_busy`, …).
    Api {
        code: String,
        message: String,
        max_amount: Option<String>,
    },
}

impl std::fmt::Display for KassaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KassaError::Unreachable(why) => write!(f, "Kassa unreachable: {why}"),
            KassaError::Api { code, message, .. } => write!(f, "Kassa: {code}: {message}"),
        }
    }
}

impl KassaError {
    pub fn is_unreachable(&self) -> bool {
        matches!(self, KassaError::Unreachable(_))
    }

    pub fn code(&self) -> &str {
        match self {
            KassaError::Unreachable(_) => "",
            KassaError::Api { code, .. } => code,
        }
    }
}

/// A new order.
#[derive(Debug, Clone)]
pub struct Created {
    pub order: String,
    pub amount: Tiyin,
    pub payable_amount: Tiyin,
    pub card: Option<String>,
    pub pay_url: Option<String>,
    /// Seconds until it expires.
    pub expires_in: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    Pending,
    Paid,
    /// Cancelled or expired.
    Cancel,
}

#[derive(Debug, Clone)]
pub struct Checked {
    pub status: OrderStatus,
    pub amount: Option<Tiyin>,
    pub expires_in: Option<u64>,
}

impl Kassa {
    pub fn new(base_url: &str, shop_id: &str, shop_key: &str) -> Kassa {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .user_agent("kassa-topup-bot/1")
            .build();
        Kassa {
            agent,
            api: format!("{}/api", base_url.trim_end_matches('/')),
            shop_id: shop_id.to_owned(),
            shop_key: shop_key.to_owned(),
        }
    }

    /// `POST /api?method=create` with `shop_id`, `shop_key`, `amount`.
    pub fn create(&self, amount: Tiyin) -> Result<Created, KassaError> {
        let amount_text = money::to_kassa(amount);
        let answer = self.post(
            "create",
            &[
                ("shop_id", self.shop_id.as_str()),
                ("shop_key", self.shop_key.as_str()),
                ("amount", amount_text.as_str()),
            ],
        )?;
        let order = text(&answer, &["order"]).ok_or_else(|| bad("create", "no order code"))?;
        let asked = text(&answer, &["data", "amount"])
            .and_then(|a| money::parse_kassa(&a))
            .unwrap_or(amount);
        if asked != amount {
            return Err(bad("create", "the amount differs from the one asked"));
        }
        // `payable_amount`, `card` and `expires_in` are Kassa's additions to the document; a
        // server without them is asked to pay the amount itself.
        let payable_amount = match text(&answer, &["payable_amount"]) {
            Some(p) => money::parse_kassa(&p).ok_or_else(|| bad("create", "payable_amount"))?,
            None => amount,
        };
        Ok(Created {
            order,
            amount,
            payable_amount,
            card: text(&answer, &["card"]),
            pay_url: text(&answer, &["pay_url"]).filter(|u| !u.is_empty()),
            expires_in: answer.get("expires_in").and_then(Value::as_u64),
        })
    }

    /// `GET /api?method=check&order=…`.
    pub fn check(&self, order: &str) -> Result<Checked, KassaError> {
        let answer = self.get(&[("method", "check"), ("order", order)])?;
        let status = match text(&answer, &["data", "status"]).as_deref() {
            Some("pending") => OrderStatus::Pending,
            Some("paid") => OrderStatus::Paid,
            Some("cancel") => OrderStatus::Cancel,
            other => {
                return Err(bad("check", &format!("unknown status {other:?}")));
            }
        };
        Ok(Checked {
            status,
            amount: text(&answer, &["data", "amount"]).and_then(|a| money::parse_kassa(&a)),
            expires_in: answer.get("expires_in").and_then(Value::as_u64),
        })
    }

    /// `POST /api?method=cancel&order=…`.
    pub fn cancel(&self, order: &str) -> Result<(), KassaError> {
        self.post("cancel", &[("order", order)]).map(|_| ())
    }

    /// `GET /api?shop_id=…&shop_key=…`: the shop's name (checks the credentials).
    pub fn shop_name(&self) -> Result<String, KassaError> {
        let answer = self.get(&[
            ("shop_id", self.shop_id.as_str()),
            ("shop_key", self.shop_key.as_str()),
        ])?;
        Ok(text(&answer, &["data", "shop_name"]).unwrap_or_default())
    }

    fn post(&self, method: &str, form: &[(&str, &str)]) -> Result<Value, KassaError> {
        let request = self.agent.post(&self.api).query("method", method);
        answer(request.send_form(form))
    }

    fn get(&self, query: &[(&str, &str)]) -> Result<Value, KassaError> {
        let mut request = self.agent.get(&self.api);
        for (k, v) in query {
            request = request.query(k, v);
        }
        answer(request.call())
    }
}

/// The API answers JSON with `status` `success` or `error`, whatever the HTTP status.
fn answer(result: Result<ureq::Response, ureq::Error>) -> Result<Value, KassaError> {
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        // The transport error's text, without the URL (which holds no secret here, but keep the
        // habit: query strings can).
        Err(ureq::Error::Transport(t)) => {
            return Err(KassaError::Unreachable(match t.message() {
                Some(m) => format!("{}: {m}", t.kind()),
                None => t.kind().to_string(),
            }));
        }
    };
    let http = response.status();
    let body = response
        .into_string()
        .map_err(|e| KassaError::Unreachable(format!("HTTP {http}: {e}")))?;
    let value: Value = serde_json::from_str(&body)
        .map_err(|_| KassaError::Unreachable(format!("HTTP {http}: not the API's JSON")))?;
    match value.get("status").and_then(Value::as_str) {
        Some("success") => Ok(value),
        Some("error") => Err(KassaError::Api {
            code: text(&value, &["code"]).unwrap_or_default(),
            message: text(&value, &["message"]).unwrap_or_default(),
            max_amount: text(&value, &["max_amount"]),
        }),
        _ => Err(KassaError::Unreachable(format!(
            "HTTP {http}: an answer without status"
        ))),
    }
}

fn bad(call: &str, what: &str) -> KassaError {
    KassaError::Unreachable(format!("unexpected {call} answer: {what}"))
}

/// A string (or number, as text) at a path in the answer.
fn text(value: &Value, path: &[&str]) -> Option<String> {
    let mut v = value;
    for key in path {
        v = v.get(key)?;
    }
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
