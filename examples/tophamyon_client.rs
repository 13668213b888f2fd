//! A TopHamyon client over plain HTTP: the cycle a merchant's code runs against Kassa.
//!
//! check the shop → create a payment → check it (pending) → the payer pays → check it again
//! (paid), and the shop's balance before and after. Nothing here links Kassa: it is what a shop
//! written in Rust would send to any TopHamyon server, with [ureq](https://docs.rs/ureq/2) and
//! serde.
//!
//! ```sh
//! cargo run -- serve --demo                                    # one terminal
//! cargo run --example tophamyon_client                         # another: http://127.0.0.1:8080
//! cargo run --example tophamyon_client -- http://127.0.0.1:18080
//! KASSA_SHOP_ID=101 KASSA_SHOP_KEY=test_key_123 KASSA_ADMIN_TOKEN=… \
//!     cargo run --example tophamyon_client                     # an api shop, confirmed by the operator
//! ```
//!
//! Settings: the base URL is the first argument, else `KASSA_URL`, else
//! `http://127.0.0.1:8080`. `KASSA_SHOP_ID` and `KASSA_SHOP_KEY` pick the shop, `KASSA_AMOUNT`
//! the amount in som as text (default `50000`; at least 1000 in this dialect).
//!
//! **Which shop, and how it gets paid.** On a real server the payer transfers the payable
//! amount to the card and the bank's notification settles the order; a client only waits and
//! checks. On `kassa serve --demo` the pay page has a sandbox (`POST /pay/<token>/sandbox`, the
//! token being the last segment of `pay_url`) that pays through the same matching as a real
//! transfer, but only *page* shops' orders have a `pay_url`, and the TopHamyon document's test
//! shops `101` and `102` are *api* shops. So by default this client uses the demo's page shop,
//! `695008` / `Z631XLBO7O`: the TopHamyon dialect serves every shop, and the whole cycle then
//! needs nothing but the dialect and the pay page. For an api shop (`KASSA_SHOP_ID=101
//! KASSA_SHOP_KEY=test_key_123`) the client confirms the order as the operator would
//! (`POST /admin/orders/<code>/confirm`) when `KASSA_ADMIN_TOKEN` is set, and otherwise stops
//! with the order pending. It never turns shop 101 into a page shop (`PATCH /admin/shops/101`):
//! that needs the admin token just the same, and would change the shop's answers for every
//! other client of the server.
//!
//! Amounts in this dialect are JSON numbers (`50000.00`). The client reads only the
//! `*_formatted` strings and never turns a number token into a float.

use serde::Deserialize;
use std::error::Error;
use std::time::Duration;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// What the client needs to know.
#[derive(Debug, Clone)]
pub struct Options {
    /// The server, e.g. `http://127.0.0.1:8080`.
    pub base: String,
    /// The shop's id.
    pub shop_id: String,
    /// The shop's secret key.
    pub shop_key: String,
    /// The amount in som, as text: `50000`, `1000.50`.
    pub amount: String,
    /// The operator's token, to confirm orders of api shops (optional).
    pub admin_token: Option<String>,
}

impl Options {
    /// From the command line and the environment (see the top of the file).
    pub fn from_env() -> Options {
        let var = |name: &str, default: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        Options {
            base: std::env::args()
                .nth(1)
                .unwrap_or_else(|| var("KASSA_URL", "http://127.0.0.1:8080")),
            shop_id: var("KASSA_SHOP_ID", "695008"),
            shop_key: var("KASSA_SHOP_KEY", "Z631XLBO7O"),
            amount: var("KASSA_AMOUNT", "50000"),
            admin_token: std::env::var("KASSA_ADMIN_TOKEN")
                .ok()
                .filter(|t| !t.is_empty()),
        }
    }
}

fn main() {
    match run(&Options::from_env()) {
        Ok(transcript) => print!("{transcript}"),
        Err(e) => {
            eprintln!("tophamyon_client: {e}");
            std::process::exit(1);
        }
    }
}

// ---- the answers, as the TopHamyon document shapes them (only the fields used) ----

/// Every answer has `success`; errors add `error` (English text) and a stable `code`.
#[derive(Debug, Deserialize)]
struct Envelope {
    success: bool,
    error: Option<String>,
    code: Option<String>,
}

/// `GET /api/check_shop`.
#[derive(Debug, Deserialize)]
struct ShopCheck {
    valid: bool,
    shop_name: String,
    can_accept_payments: bool,
    /// Why not, when it cannot.
    reason: Option<String>,
}

/// `GET /api/get_balance`.
#[derive(Debug, Deserialize)]
struct Balance {
    balance_formatted: String,
}

/// `GET /api/create_payment`.
#[derive(Debug, Deserialize)]
struct Created {
    order_id: String,
    payment_id: String,
    payable_amount_formatted: String,
    card: String,
    expires_at: String,
    /// Page shops only.
    pay_url: Option<String>,
}

/// `GET /api/check_payment`.
#[derive(Debug, Deserialize)]
struct Checked {
    /// `pending`, `paid`, `cancelled` or `expired`.
    status: String,
    status_description: String,
    amount_formatted: String,
    finished_at: Option<String>,
}

/// The pay page's status (`POST /pay/<token>/sandbox` with `Accept: application/json`).
#[derive(Debug, Deserialize)]
struct PayStatus {
    status: String,
}

// ---- HTTP ----

struct Client {
    base: String,
    agent: ureq::Agent,
}

impl Client {
    fn new(base: &str) -> Client {
        Client {
            base: base.trim_end_matches('/').to_owned(),
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(15))
                .build(),
        }
    }

    /// `GET /api/<endpoint>?<query>`, as the document calls every endpoint. The body must say
    /// `"success":true`, else its `code` and `error` are the error. (Business errors come with
    /// HTTP 200; throttling, 429; faults, 5xx; all with the same body.)
    fn api<T: for<'de> Deserialize<'de>>(
        &self,
        endpoint: &str,
        query: &[(&str, &str)],
    ) -> Result<T> {
        let mut request = self.agent.get(&format!("{}/api/{endpoint}", self.base));
        for (name, value) in query {
            request = request.query(name, value);
        }
        let body = read(request.call())?;
        let envelope: Envelope = serde_json::from_str(&body)
            .map_err(|e| format!("not a TopHamyon answer ({e}): {body}"))?;
        if !envelope.success {
            return Err(format!(
                "{}: {}",
                envelope.code.as_deref().unwrap_or("error"),
                envelope.error.as_deref().unwrap_or(&body)
            )
            .into());
        }
        Ok(serde_json::from_str(&body).map_err(|e| format!("unexpected answer ({e}): {body}"))?)
    }

    /// The demo's sandbox on the pay page: "the payer sent exactly the payable amount".
    fn sandbox_pay(&self, pay_url: &str) -> Result<PayStatus> {
        let token = pay_url
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .ok_or("pay_url without a token")?;
        let url = format!("{}/pay/{token}/sandbox", self.base);
        let result = self
            .agent
            .post(&url)
            .set("Accept", "application/json")
            .call();
        if let Err(ureq::Error::Status(404, _)) = result {
            return Err("the sandbox answers only on a demo server (kassa serve --demo)".into());
        }
        let body = read(result)?;
        Ok(serde_json::from_str(&body).map_err(|e| format!("sandbox ({e}): {body}"))?)
    }

    /// The operator's confirmation, for orders without a pay page.
    fn admin_confirm(&self, token: &str, order: &str) -> Result<()> {
        let url = format!("{}/admin/orders/{order}/confirm", self.base);
        read(
            self.agent
                .post(&url)
                .set("Authorization", &format!("Bearer {token}"))
                .call(),
        )
        .map(|_| ())
    }
}

/// The body of an answer, also of a 4xx/5xx one (the dialect's JSON error body); transport
/// failures are errors.
fn read(result: std::result::Result<ureq::Response, ureq::Error>) -> Result<String> {
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => return Err(format!("request failed: {e}").into()),
    };
    let status = response.status();
    let body = response.into_string()?;
    if status >= 400 && !body.trim_start().starts_with('{') {
        return Err(format!("HTTP {status}: {body}").into());
    }
    Ok(body)
}

/// The whole cycle; returns what it prints. Errors never show the shop key (a transport error
/// names the URL, and the key can be in its query).
pub fn run(o: &Options) -> Result<String> {
    cycle(o).map_err(|e| match o.shop_key.as_str() {
        "" => e,
        key => e.to_string().replace(key, "***").into(),
    })
}

fn cycle(o: &Options) -> Result<String> {
    let client = Client::new(&o.base);
    let shop = [
        ("shop_id", o.shop_id.as_str()),
        ("shop_key", o.shop_key.as_str()),
    ];
    let mut out = format!("TopHamyon at {}\n", client.base);

    let check: ShopCheck = client.api("check_shop", &shop)?;
    if !check.valid || !check.can_accept_payments {
        return Err(format!(
            "shop {} cannot take payments: {}",
            o.shop_id,
            check.reason.as_deref().unwrap_or("invalid")
        )
        .into());
    }
    let before: Balance = client.api("get_balance", &shop)?;
    out += &format!(
        "shop:    {} {:?}, balance {}\n",
        o.shop_id, check.shop_name, before.balance_formatted
    );

    let mut query = shop.to_vec();
    query.push(("amount", &o.amount));
    let created: Created = client.api("create_payment", &query)?;
    out += &format!(
        "create:  order {} ({}): pay exactly {} to card {} before {}\n",
        created.order_id,
        created.payment_id,
        created.payable_amount_formatted,
        created.card,
        created.expires_at
    );

    let order = [("order_id", created.order_id.as_str())];
    let checked: Checked = client.api("check_payment", &order)?;
    out += &format!(
        "check:   {} ({}), {}\n",
        checked.status, checked.status_description, checked.amount_formatted
    );
    if checked.status != "pending" {
        return Err(format!("a new order should be pending, not {}", checked.status).into());
    }

    match (&created.pay_url, &o.admin_token) {
        (Some(pay_url), _) => {
            out += &format!("pay:     {pay_url} (the payer's page)\n");
            let paid = client.sandbox_pay(pay_url)?;
            out += &format!("pay:     sandbox transfer sent: {}\n", paid.status);
        }
        (None, Some(token)) => {
            client.admin_confirm(token, &created.order_id)?;
            out += "pay:     confirmed by the operator (api shop: no pay page)\n";
        }
        (None, None) => {
            out += "pay:     api shop and no KASSA_ADMIN_TOKEN: the order stays pending until \
                    the bank reports the transfer\n";
            return Ok(out);
        }
    }

    let checked: Checked = client.api("check_payment", &order)?;
    out += &format!(
        "check:   {} ({}), finished at {}\n",
        checked.status,
        checked.status_description,
        checked.finished_at.as_deref().unwrap_or("-")
    );
    if checked.status != "paid" {
        return Err(format!("the order should be paid now, not {}", checked.status).into());
    }

    let after: Balance = client.api("get_balance", &shop)?;
    out += &format!(
        "balance: {} -> {}\n",
        before.balance_formatted, after.balance_formatted
    );
    Ok(out)
}
