//! A RasmiyPay client over plain HTTP: the cycle a merchant's code runs against Kassa.
//!
//! create an order → check it (pending) → the payer pays → check it again (paid), and the shop's
//! balance before and after. Nothing here links Kassa: it is what a shop written in Rust would
//! send to any RasmiyPay server, with [ureq](https://docs.rs/ureq/2) and serde.
//!
//! ```sh
//! cargo run -- serve --demo                                 # one terminal
//! cargo run --example rasmiy_client                         # another: http://127.0.0.1:8080
//! cargo run --example rasmiy_client -- http://127.0.0.1:18080
//! ```
//!
//! Settings: the base URL is the first argument, else `KASSA_URL`, else
//! `http://127.0.0.1:8080`. `KASSA_SHOP_ID` and `KASSA_SHOP_KEY` pick the shop (default: the
//! demo's page shop `695008` / `Z631XLBO7O`), `KASSA_AMOUNT` the amount in som as text
//! (default `50000`; amounts are never floats, here or on the server).
//!
//! **Paying.** On a real server the payer transfers the payable amount to the card and the bank's
//! notification settles the order; a client only waits and checks. On `kassa serve --demo`, a
//! *page* shop's order has a `pay_url`, and its pay page's sandbox (`POST /pay/<token>/sandbox`,
//! the token being the last segment of `pay_url`) pays it through the same matching as a real
//! transfer; that is what this client does. An *api* shop's order has no pay page: with
//! `KASSA_ADMIN_TOKEN` set the client confirms it as the operator would
//! (`POST /admin/orders/<code>/confirm`); without it, it stops with the order pending.

use serde::Deserialize;
use std::error::Error;
use std::time::Duration;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// What the client needs to know.
#[derive(Debug, Clone)]
pub struct Options {
    /// The server, e.g. `http://127.0.0.1:8080`.
    pub base: String,
    /// The shop's id and key.
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
            eprintln!("rasmiy_client: {e}");
            std::process::exit(1);
        }
    }
}

// ---- the answers, as the RasmiyPay document shapes them (only the fields used) ----

/// Every answer has `status`; errors add `message` and Kassa's stable `code`.
#[derive(Debug, Deserialize)]
struct Envelope {
    status: String,
    message: Option<String>,
    code: Option<String>,
}

/// `POST /api?method=create`.
#[derive(Debug, Deserialize)]
struct Created {
    order: String,
    /// Page shops only.
    pay_url: Option<String>,
    /// What the payer must transfer: a string of som, exact.
    payable_amount: String,
    card: String,
    expires_at: String,
}

/// `GET /api?method=check`.
#[derive(Debug, Deserialize)]
struct Checked {
    data: CheckData,
}

#[derive(Debug, Deserialize)]
struct CheckData {
    amount: String,
    /// `pending`, `paid` or `cancel`.
    status: String,
}

/// `GET /api?shop_id=…&shop_key=…` (no method): shop information.
#[derive(Debug, Deserialize)]
struct ShopInfo {
    data: ShopData,
}

#[derive(Debug, Deserialize)]
struct ShopData {
    shop_name: String,
    balance: String,
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

    /// A dialect call: the body must say `"status":"success"`, else its `code` and `message`
    /// are the error. (Business errors come with HTTP 200; throttling, 429; faults, 5xx; all
    /// with the same body.)
    fn api<T: for<'de> Deserialize<'de>>(
        &self,
        request: ureq::Request,
        form: &[(&str, &str)],
    ) -> Result<T> {
        let body = read(if form.is_empty() {
            request.call()
        } else {
            request.send_form(form)
        })?;
        let envelope: Envelope = serde_json::from_str(&body)
            .map_err(|e| format!("not a RasmiyPay answer ({e}): {body}"))?;
        if envelope.status != "success" {
            return Err(format!(
                "{}: {}",
                envelope.code.as_deref().unwrap_or("error"),
                envelope.message.as_deref().unwrap_or(&body)
            )
            .into());
        }
        Ok(serde_json::from_str(&body).map_err(|e| format!("unexpected answer ({e}): {body}"))?)
    }

    fn create(&self, o: &Options) -> Result<Created> {
        let request = self
            .agent
            .post(&format!("{}/api", self.base))
            .query("method", "create");
        self.api(
            request,
            &[
                ("shop_id", &o.shop_id),
                ("shop_key", &o.shop_key),
                ("amount", &o.amount),
            ],
        )
    }

    fn check(&self, order: &str) -> Result<Checked> {
        let request = self
            .agent
            .get(&format!("{}/api", self.base))
            .query("method", "check")
            .query("order", order);
        self.api(request, &[])
    }

    fn shop_info(&self, o: &Options) -> Result<ShopInfo> {
        let request = self
            .agent
            .get(&format!("{}/api", self.base))
            .query("shop_id", &o.shop_id)
            .query("shop_key", &o.shop_key);
        self.api(request, &[])
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
    let mut out = format!("RasmiyPay at {}\n", client.base);

    let before = client.shop_info(o)?.data;
    out += &format!(
        "shop:    {} {:?}, balance {} so'm\n",
        o.shop_id, before.shop_name, before.balance
    );

    let created = client.create(o)?;
    out += &format!(
        "create:  order {}: pay exactly {} so'm to card {} before {}\n",
        created.order, created.payable_amount, created.card, created.expires_at
    );

    let checked = client.check(&created.order)?.data;
    out += &format!("check:   {} ({} so'm)\n", checked.status, checked.amount);
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
            client.admin_confirm(token, &created.order)?;
            out += "pay:     confirmed by the operator (api shop: no pay page)\n";
        }
        (None, None) => {
            out += "pay:     api shop and no KASSA_ADMIN_TOKEN: the order stays pending until \
                    the bank reports the transfer\n";
            return Ok(out);
        }
    }

    let checked = client.check(&created.order)?.data;
    out += &format!("check:   {} ({} so'm)\n", checked.status, checked.amount);
    if checked.status != "paid" {
        return Err(format!("the order should be paid now, not {}", checked.status).into());
    }

    let after = client.shop_info(o)?.data;
    out += &format!("balance: {} -> {} so'm\n", before.balance, after.balance);
    Ok(out)
}
