//! The dialect's part of Kassa's OpenAPI document ([`TopHamyonDoc`]): the five endpoints and
//! `/api/{name}`, their parameters and their answers.
//!
//! The answers are written field by field by [`render`](crate::render) (amounts as exact
//! number tokens), so their shapes are described here as schema types; the tests below render
//! real answers and check every field against these schemas, both ways.
//!
//! An amount is a JSON number token with exactly two decimals (`50000.00`). `serde_json` would
//! print such an example as `50000.0`, so examples hold a marked string ([`number`]) that
//! [`write_number_tokens`] turns into the bare token once the document is serialised.

use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// The TopHamyon dialect's OpenAPI paths and schemas; the `kassa` binary merges it into its
/// document. Serialise it with [`write_number_tokens`] applied, so amounts' examples are the
/// exact tokens.
#[derive(OpenApi, Debug)]
#[openapi(
    paths(check_shop, get_balance, create_payment, check_payment, get_payments, unknown_endpoint),
    components(schemas(
        ShopCheck,
        Balance,
        Created,
        Payment,
        PaymentItem,
        Payments,
        Status,
        ErrorBody,
        Body
    )),
    modifiers(&OptionalBodies),
    tags((name = "TopHamyon", description = "The TopHamyon dialect: five endpoints under `/api/`, GET and POST alike (a trailing slash is the same endpoint). Amounts are JSON numbers with exactly two decimals (`50000.00`), computed from integer tiyin, never through a float. Business errors answer HTTP 200 with `success: false` and a stable `code`. See docs/tophamyon.md."))
)]
pub struct TopHamyonDoc;

/// The dialect reads its parameters from the query string or the body, so a body is optional.
#[derive(Debug)]
struct OptionalBodies;

impl utoipa::Modify for OptionalBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for op in [item.get.as_mut(), item.post.as_mut()]
                .into_iter()
                .flatten()
            {
                if let Some(utoipa::openapi::RefOr::T(body)) = op.request_body.as_mut() {
                    body.required = Some(utoipa::openapi::Required::False);
                }
            }
        }
    }
}

/// Every route [`crate::routes`] mounts, as (method, path): the list the server's OpenAPI
/// document is checked against. Each endpoint also answers with a trailing slash (the same
/// endpoint, not listed); other methods get the dialect's 405.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/check_shop"),
    ("POST", "/api/check_shop"),
    ("GET", "/api/get_balance"),
    ("POST", "/api/get_balance"),
    ("GET", "/api/create_payment"),
    ("POST", "/api/create_payment"),
    ("GET", "/api/check_payment"),
    ("POST", "/api/check_payment"),
    ("GET", "/api/get_payments"),
    ("POST", "/api/get_payments"),
    ("GET", "/api/{name}"),
    ("POST", "/api/{name}"),
];

const MARK: &str = "kassa:number:";

/// An example amount (`"50000.00"`) that [`write_number_tokens`] writes as the bare JSON number
/// token `50000.00`.
pub fn number(token: &str) -> serde_json::Value {
    serde_json::Value::String(format!("{MARK}{token}"))
}

/// Replaces each marked example amount (`"kassa:number:50000.00"`) in a serialised document
/// by its number token (`50000.00`). Only digits with a two-decimal fraction are unmarked.
pub fn write_number_tokens(json: &str) -> String {
    let quoted = format!("\"{MARK}");
    let mut out = String::with_capacity(json.len());
    let mut rest = json;
    while let Some(at) = rest.find(&quoted) {
        out.push_str(&rest[..at]);
        let after = &rest[at + quoted.len()..];
        let token_len = after
            .find('"')
            .filter(|&n| is_two_decimal_token(&after[..n]));
        match token_len {
            Some(n) => {
                out.push_str(&after[..n]);
                rest = &after[n + 1..];
            }
            None => {
                out.push_str(&quoted);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_two_decimal_token(text: &str) -> bool {
    match text.split_once('.') {
        Some((whole, frac)) => {
            !whole.is_empty()
                && whole.bytes().all(|b| b.is_ascii_digit())
                && (whole == "0" || !whole.starts_with('0'))
                && frac.len() == 2
                && frac.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

const MONEY_DESCRIPTION: &str = "An amount in som: a JSON number that always has exactly two \
decimals (`50000.00`, never `50000.0` or `5e4`), written from integer tiyin, never through a \
float. Read it with a decimal type (or as integer tiyin), not a binary float.";

fn money() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Number)
        .description(Some(MONEY_DESCRIPTION))
        .examples([number("50000.00")])
        .build()
}

/// An amount as text: `"50000.00 UZS"`.
fn money_formatted() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("The amount as text, two decimals and ` UZS`."))
        .examples(["50000.00 UZS"])
        .build()
}

/// `check_shop`: valid credentials, and whether the shop may take payments.
#[derive(ToSchema)]
#[schema(as = TopHamyonShopCheck)]
#[allow(dead_code)] // a schema only: `render::shop_check` writes it
pub(crate) struct ShopCheck {
    #[schema(example = true)]
    success: bool,
    #[schema(example = true)]
    valid: bool,
    #[schema(example = "101")]
    shop_id: String,
    #[schema(example = "Test Do'kon 1")]
    shop_name: String,
    #[schema(example = true)]
    can_accept_payments: bool,
    /// When it cannot: `shop_not_active`, `monthly_fee_unpaid` or `no_receiving_card` (the
    /// code `create_payment` would answer).
    #[schema(example = "shop_not_active")]
    reason: Option<String>,
    /// When it cannot: the reason in words.
    #[schema(example = "Shop is blocked")]
    message: Option<String>,
}

/// `get_balance`.
#[derive(ToSchema)]
#[schema(as = TopHamyonBalance)]
#[allow(dead_code)] // a schema only: `render::balance` writes it
pub(crate) struct Balance {
    #[schema(example = true)]
    success: bool,
    #[schema(example = "101")]
    shop_id: String,
    /// What paid orders credited (exactly once each).
    #[schema(schema_with = money)]
    balance: String,
    #[schema(schema_with = money_formatted)]
    balance_formatted: String,
}

/// An order's status.
#[derive(ToSchema)]
#[schema(as = TopHamyonStatus)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)] // a schema only
pub(crate) enum Status {
    Pending,
    Paid,
    Cancelled,
    Expired,
}

/// `create_payment`: the document's fields first, then Kassa's.
#[derive(ToSchema)]
#[schema(as = TopHamyonCreated)]
#[allow(dead_code)] // a schema only: `render::created` writes it
pub(crate) struct Created {
    #[schema(example = true)]
    success: bool,
    /// `PAY_<unix>_<20 of [0-9a-z]>`.
    #[schema(example = "PAY_1795507312_yhzv0ywt9z3x59y8uevf")]
    payment_id: String,
    /// `ORD_<unix>_<20 of [0-9a-z]>`: what `check_payment` takes.
    #[schema(example = "ORD_1795507312_qiamqym8unre6n9nprd8")]
    order_id: String,
    #[schema(example = "101")]
    shop_id: String,
    #[schema(schema_with = money)]
    amount: String,
    #[schema(schema_with = money_formatted)]
    amount_formatted: String,
    /// `YYYY-MM-DD HH:MM:SS` in the server's offset.
    #[schema(example = "2026-11-24 13:01:52")]
    created_at: String,
    #[schema(inline)]
    status: Status,
    /// Kassa: what the payer must transfer (the shop is credited `amount`).
    #[schema(schema_with = money)]
    payable_amount: String,
    #[schema(schema_with = money_formatted)]
    payable_amount_formatted: String,
    /// Kassa: the receiving card (16 digits) the payer transfers to.
    #[schema(example = "9860100123451393")]
    card: Option<String>,
    /// Kassa: when the order expires if unpaid.
    #[schema(example = "2026-11-24 13:06:52")]
    expires_at: String,
    /// Kassa: seconds until then.
    #[schema(example = 300)]
    expires_in: i64,
    /// Kassa, page shops only: the hosted pay page for the payer.
    #[schema(example = "http://127.0.0.1:8080/pay/2lzq5fc57hnko4tty6csi9kapppyi04a")]
    pay_url: Option<String>,
}

/// One order as `check_payment` shows it (and each item of `get_payments`).
#[derive(ToSchema)]
#[schema(as = TopHamyonPaymentItem)]
#[allow(dead_code)] // a schema only: `render::payment` writes it
pub(crate) struct PaymentItem {
    #[schema(example = "ORD_1795507312_qiamqym8unre6n9nprd8")]
    order_id: String,
    #[schema(example = "101")]
    shop_id: String,
    #[schema(example = "Test Do'kon 1")]
    shop_name: String,
    #[schema(schema_with = money)]
    amount: String,
    /// A pending order whose time is up already reads `expired`.
    #[schema(inline)]
    status: Status,
    /// `To'lov kutilmoqda`, `To'lov muvaffaqiyatli`, `To'lov bekor qilingan` or
    /// `To'lov muddati tugagan`.
    #[schema(example = "To'lov kutilmoqda")]
    status_description: String,
    #[schema(example = "2026-11-24 13:01:52")]
    created_at: String,
    /// Kassa.
    #[schema(example = "PAY_1795507312_yhzv0ywt9z3x59y8uevf")]
    payment_id: String,
    #[schema(schema_with = money_formatted)]
    amount_formatted: String,
    /// Kassa.
    #[schema(schema_with = money)]
    payable_amount: String,
    #[schema(schema_with = money_formatted)]
    payable_amount_formatted: String,
    /// Kassa.
    #[schema(example = "2026-11-24 13:06:52")]
    expires_at: String,
    /// Kassa: seconds until expiry; 0 once final.
    #[schema(example = 297)]
    expires_in: i64,
    /// Kassa: when it became final, or `null`.
    #[schema(nullable, required, example = json!(null))]
    finished_at: Option<String>,
}

/// `check_payment`: `success` and the order's fields.
#[derive(ToSchema)]
#[schema(as = TopHamyonPayment)]
#[allow(dead_code)] // a schema only
pub(crate) struct Payment {
    #[schema(example = true)]
    success: bool,
    #[serde(flatten)]
    order: PaymentItem,
}

/// `get_payments`: one page of the shop's orders, newest first.
#[derive(ToSchema)]
#[schema(as = TopHamyonPayments)]
#[allow(dead_code)] // a schema only: `render::payments` writes it
pub(crate) struct Payments {
    #[schema(example = true)]
    success: bool,
    #[schema(example = "101")]
    shop_id: String,
    /// The number of the shop's orders.
    #[schema(example = 1)]
    total: u64,
    #[schema(example = 10)]
    limit: u32,
    #[schema(example = 0)]
    offset: u64,
    payments: Vec<PaymentItem>,
}

/// Every error: `{"success":false,"error":"…","code":"…"}`.
#[derive(ToSchema)]
#[schema(as = TopHamyonError)]
#[allow(dead_code)] // a schema only: `errors::ApiError::body` writes it
pub(crate) struct ErrorBody {
    #[schema(example = false)]
    success: bool,
    /// `check_shop`'s errors only: always `false`.
    #[schema(example = false)]
    valid: Option<bool>,
    /// English text; it may be reworded: branch on `code`.
    #[schema(example = "Invalid shop key")]
    error: String,
    /// Stable: `invalid_shop_key`, `missing_shop_id`, `invalid_shop_id`, `missing_shop_key`,
    /// `shop_not_active`, `monthly_fee_unpaid`, `no_receiving_card`, `missing_amount`,
    /// `invalid_amount`, `amount_too_small`, `amount_too_large`, `amount_busy`,
    /// `missing_order_id`, `invalid_order_id`, `order_not_found`, `invalid_limit`,
    /// `invalid_offset`, `invalid_encoding`, `invalid_characters`, `parameter_too_long`,
    /// `too_many_parameters`, `duplicate_parameter`, `invalid_body`, `too_many_attempts`,
    /// `method_not_allowed`, `unknown_endpoint`, `body_too_large`, `unsupported_content_type`,
    /// `service_unavailable`, `internal_error`.
    #[schema(example = "invalid_shop_key")]
    code: String,
    /// With `too_many_attempts`: seconds to wait (also in `Retry-After`).
    #[schema(example = 300)]
    retry_after: Option<u64>,
}

/// The shop's credentials.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // parameters only
pub(crate) struct Credentials {
    /// The shop's id: digits, not starting with 0.
    #[param(example = "101")]
    shop_id: String,
    /// The shop's key.
    #[param(example = "test_key_123")]
    shop_key: String,
}

/// `create_payment`'s amount.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // parameters only
pub(crate) struct AmountParam {
    /// Som: a positive decimal with at most two decimals (`1000`, `1000.5`, `1000.50`); at
    /// least 1000, at most the server's `--max-amount`.
    #[param(example = "1000.00")]
    amount: String,
}

/// `check_payment`'s order.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // parameters only
pub(crate) struct OrderParam {
    /// The order code (`ORD_…`, or a RasmiyPay code), or the `PAY_…` id.
    #[param(example = "ORD_1795507312_qiamqym8unre6n9nprd8")]
    order_id: Option<String>,
    /// The `PAY_…` id, instead of `order_id`.
    #[param(example = "PAY_1795507312_yhzv0ywt9z3x59y8uevf")]
    payment_id: Option<String>,
}

/// `get_payments`' page.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // parameters only
pub(crate) struct PageParam {
    /// 1 to 100 (default 10); anything else is `invalid_limit`, never clamped.
    #[param(example = 10, minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// 0 or more (default 0); past the end gives an empty page with the real `total`.
    #[param(example = 0, minimum = 0)]
    offset: Option<u64>,
}

/// The body a POST may carry instead of (or besides) the query string: the same parameters as
/// a form, or a JSON object of strings and numbers (numbers are read as the exact text written).
#[derive(ToSchema)]
#[schema(as = TopHamyonBody)]
#[allow(dead_code)] // a schema only
pub(crate) struct Body {
    #[schema(example = "101")]
    shop_id: Option<String>,
    #[schema(example = "test_key_123")]
    shop_key: Option<String>,
    #[schema(example = "1500")]
    amount: Option<String>,
    order_id: Option<String>,
    payment_id: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

/// Checks a shop's credentials. A wrong key and an unknown shop get the same answer (no
/// oracle); valid credentials of a shop that cannot take payments are valid, with the reason.
#[utoipa::path(
    method(get, post),
    path = "/api/check_shop",
    tag = "TopHamyon",
    operation_id = "tophamyon_check_shop",
    params(Credentials),
    request_body(content(
        (Body = "application/x-www-form-urlencoded"),
        (Body = "application/json", example = json!({"shop_id": 101, "shop_key": "test_key_123"}))
    )),
    responses(
        (status = 200, description = "The shop, or an error (every `check_shop` error carries `valid: false`).", content(
            (ShopCheck = "application/json", examples(
                ("valid" = (value = json!({"success":true,"valid":true,"shop_id":"101","shop_name":"Test Do'kon 1","can_accept_payments":true}))),
                ("blocked" = (value = json!({"success":true,"valid":true,"shop_id":"5005","shop_name":"Yopiq Do'kon","can_accept_payments":false,"reason":"shop_not_active","message":"Shop is blocked"}))),
                ("invalid" = (summary = "an error body (schema TopHamyonError)", value = json!({"success":false,"valid":false,"error":"Invalid shop key","code":"invalid_shop_key"})))
            ))
        )),
        (status = "4XX", description = "Throttled (429, `Retry-After`), wrong method (405), body too large (413), unsupported content type (415), unreadable body (400).", body = ErrorBody),
        (status = "5XX", description = "`internal_error` (500) or `service_unavailable` (503).", body = ErrorBody)
    )
)]
#[allow(dead_code)] // the description of a route `crate::routes` mounts
fn check_shop() {}

/// A shop's balance.
#[utoipa::path(
    method(get, post),
    path = "/api/get_balance",
    tag = "TopHamyon",
    operation_id = "tophamyon_get_balance",
    params(Credentials),
    request_body(content(
        (Body = "application/x-www-form-urlencoded"),
        (Body = "application/json", example = json!({"shop_id": 101, "shop_key": "test_key_123"}))
    )),
    responses(
        (status = 200, description = "The balance, or an error body (`success: false`, schema TopHamyonError).", body = Balance,
            example = json!({"success":true,"shop_id":"101","balance":number("1000.00"),"balance_formatted":"1000.00 UZS"})),
        (status = "4XX", description = "Throttled (429), wrong method (405), body too large (413), unsupported content type (415), unreadable body (400).", body = ErrorBody,
            example = json!({"success":false,"error":"Too many invalid shop keys, try again in 300 seconds","code":"too_many_attempts","retry_after":300})),
        (status = "5XX", description = "`internal_error` (500) or `service_unavailable` (503).", body = ErrorBody)
    )
)]
#[allow(dead_code)] // the description of a route `crate::routes` mounts
fn get_balance() {}

/// Creates a pending order. A request that gets an error creates nothing.
#[utoipa::path(
    method(get, post),
    path = "/api/create_payment",
    tag = "TopHamyon",
    operation_id = "tophamyon_create_payment",
    params(Credentials, AmountParam),
    request_body(content(
        (Body = "application/x-www-form-urlencoded"),
        (Body = "application/json", example = json!({"shop_id": "101", "shop_key": "test_key_123", "amount": "1500"}))
    )),
    responses(
        (status = 200, description = "The order, or an error body (`success: false`, schema TopHamyonError).", content(
            (Created = "application/json", examples(
                ("created" = (value = json!({"success":true,"payment_id":"PAY_1795507312_yhzv0ywt9z3x59y8uevf","order_id":"ORD_1795507312_qiamqym8unre6n9nprd8","shop_id":"101","amount":number("1000.00"),"amount_formatted":"1000.00 UZS","created_at":"2026-11-24 13:01:52","status":"pending","payable_amount":number("1000.00"),"payable_amount_formatted":"1000.00 UZS","card":"9860100123451393","expires_at":"2026-11-24 13:06:52","expires_in":300}))),
                ("too_small" = (summary = "an error body (schema TopHamyonError)", value = json!({"success":false,"error":"Minimum payment amount is 1000 UZS","code":"amount_too_small"})))
            ))
        )),
        (status = "4XX", description = "Throttled (429), wrong method (405), body too large (413), unsupported content type (415), unreadable body (400).", body = ErrorBody),
        (status = "5XX", description = "`internal_error` (500) or `service_unavailable` (503).", body = ErrorBody)
    )
)]
#[allow(dead_code)] // the description of a route `crate::routes` mounts
fn create_payment() {}

/// An order's status, by its code alone (either dialect's) or its `PAY_…` id.
#[utoipa::path(
    method(get, post),
    path = "/api/check_payment",
    tag = "TopHamyon",
    operation_id = "tophamyon_check_payment",
    params(OrderParam),
    request_body(content(
        (Body = "application/x-www-form-urlencoded"),
        (Body = "application/json")
    )),
    responses(
        (status = 200, description = "The order, or an error body (`success: false`, schema TopHamyonError).", body = Payment,
            example = json!({"success":true,"order_id":"ORD_1795507312_qiamqym8unre6n9nprd8","shop_id":"101","shop_name":"Test Do'kon 1","amount":number("1000.00"),"status":"paid","status_description":"To'lov muvaffaqiyatli","created_at":"2026-11-24 13:01:52","payment_id":"PAY_1795507312_yhzv0ywt9z3x59y8uevf","amount_formatted":"1000.00 UZS","payable_amount":number("1000.00"),"payable_amount_formatted":"1000.00 UZS","expires_at":"2026-11-24 13:06:52","expires_in":0,"finished_at":"2026-11-24 13:01:55"})),
        (status = "4XX", description = "Wrong method (405), body too large (413), unsupported content type (415), unreadable body (400).", body = ErrorBody),
        (status = "5XX", description = "`internal_error` (500) or `service_unavailable` (503).", body = ErrorBody)
    )
)]
#[allow(dead_code)] // the description of a route `crate::routes` mounts
fn check_payment() {}

/// The shop's orders, newest first; a shop sees only its own.
#[utoipa::path(
    method(get, post),
    path = "/api/get_payments",
    tag = "TopHamyon",
    operation_id = "tophamyon_get_payments",
    params(Credentials, PageParam),
    request_body(content(
        (Body = "application/x-www-form-urlencoded"),
        (Body = "application/json")
    )),
    responses(
        (status = 200, description = "One page, or an error body (`success: false`, schema TopHamyonError).", body = Payments,
            example = json!({"success":true,"shop_id":"101","total":3,"limit":1,"offset":100,"payments":[]})),
        (status = "4XX", description = "Throttled (429), wrong method (405), body too large (413), unsupported content type (415), unreadable body (400).", body = ErrorBody),
        (status = "5XX", description = "`internal_error` (500) or `service_unavailable` (503).", body = ErrorBody)
    )
)]
#[allow(dead_code)] // the description of a route `crate::routes` mounts
fn get_payments() {}

/// Any other name under `/api/`: `unknown_endpoint`, whatever the method.
#[utoipa::path(
    method(get, post),
    path = "/api/{name}",
    tag = "TopHamyon",
    operation_id = "tophamyon_unknown_endpoint",
    params(("name" = String, Path, description = "Anything but the five endpoints' names.")),
    responses(
        (status = 404, description = "`unknown_endpoint`.", body = ErrorBody,
            example = json!({"success":false,"error":"Unknown endpoint; use check_shop, get_balance, create_payment, check_payment or get_payments","code":"unknown_endpoint"}))
    )
)]
#[allow(dead_code)] // the description of a route `crate::routes` mounts
fn unknown_endpoint() {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{self, Times};
    use crate::{Endpoint, errors::ApiError};
    use payments_core::{
        CardNumber, KeyHash, Money, MonthStatus, Order, OrderCodes, OrderPage, OrderStatus, Page,
        PaymentError, Shop, ShopId, ShopKind, ShopStatus,
    };
    use std::collections::BTreeSet;
    use time::macros::{datetime, offset};
    use utoipa::openapi::{RefOr, Schema};

    #[test]
    fn routes_are_the_mounted_endpoints() {
        let mut expected: Vec<(&str, String)> = Vec::new();
        for endpoint in Endpoint::ALL {
            for method in ["GET", "POST"] {
                expected.push((method, format!("/api/{}", endpoint.name())));
            }
        }
        expected.push(("GET", "/api/{name}".into()));
        expected.push(("POST", "/api/{name}".into()));
        let listed: Vec<(&str, String)> =
            ROUTES.iter().map(|(m, p)| (*m, (*p).to_owned())).collect();
        assert_eq!(listed, expected);
    }

    #[test]
    fn documents_every_route() {
        let doc = TopHamyonDoc::openapi();
        for (method, path) in ROUTES {
            let item = doc
                .paths
                .paths
                .get(*path)
                .unwrap_or_else(|| panic!("{path}"));
            let op = if *method == "GET" {
                &item.get
            } else {
                &item.post
            };
            assert!(op.is_some(), "{method} {path}");
        }
    }

    #[test]
    fn amounts_are_number_tokens() {
        let json = write_number_tokens(&TopHamyonDoc::openapi().to_json().unwrap_or_default());
        assert!(json.contains("\"balance\":1000.00"), "{json}");
        assert!(!json.contains(MARK));
        serde_json::from_str::<serde_json::Value>(&json).expect("still JSON");
        assert_eq!(
            write_number_tokens("[\"kassa:number:1e5\"]"),
            "[\"kassa:number:1e5\"]"
        );
        assert_eq!(
            write_number_tokens("[\"kassa:number:0.50\",\"x\"]"),
            "[0.50,\"x\"]"
        );
    }

    fn properties(name: &str) -> (BTreeSet<String>, BTreeSet<String>) {
        let doc = TopHamyonDoc::openapi();
        let components = doc.components.expect("components");
        let mut all = BTreeSet::new();
        let mut required = BTreeSet::new();
        let mut add = |schema: &RefOr<Schema>| {
            let RefOr::T(Schema::Object(obj)) = schema else {
                return false;
            };
            all.extend(obj.properties.keys().cloned());
            required.extend(obj.required.iter().cloned());
            true
        };
        match components.schemas.get(name).expect(name) {
            RefOr::T(Schema::AllOf(all_of)) => {
                for item in &all_of.items {
                    if !add(item) {
                        // the flattened order
                        let RefOr::Ref(_) = item else { continue };
                        let inner = components
                            .schemas
                            .get("TopHamyonPaymentItem")
                            .expect("item");
                        add(inner);
                    }
                }
            }
            other => {
                add(other);
            }
        }
        (all, required)
    }

    /// Every field a real answer has is in its schema, and every required field is there.
    fn check(name: &str, body: &str) {
        let value: serde_json::Value = serde_json::from_str(body).expect(body);
        let keys: BTreeSet<String> = value.as_object().expect("object").keys().cloned().collect();
        let (all, required) = properties(name);
        assert!(keys.is_subset(&all), "{name}: {keys:?} not in {all:?}");
        assert!(
            required.is_subset(&keys),
            "{name}: {required:?} missing in {keys:?}"
        );
    }

    fn shop(kind: ShopKind) -> Shop {
        Shop {
            id: ShopId::parse("101").expect("id"),
            name: "Test Do'kon 1".into(),
            user_id: 1,
            kind,
            status: ShopStatus::Confirm,
            month_status: MonthStatus::Paid,
            card: CardNumber::parse("8600123456786224").ok(),
            callback_url: None,
            webhook_secret: None,
            balance: Money::from_tiyin(5_000_000),
            key_hash: KeyHash::from_stored(String::new()),
            created_at: datetime!(2024-01-01 00:00 UTC),
        }
    }

    fn order(status: OrderStatus) -> Order {
        Order {
            id: 1,
            codes: OrderCodes {
                code: "ORD_1704110400_xyz789".into(),
                payment_id: "PAY_1704110400_abc123".into(),
                pay_token: "tok".into(),
            },
            shop_id: ShopId::parse("101").expect("id"),
            amount: Money::from_tiyin(1_000_000),
            payable_amount: Money::from_tiyin(1_000_000),
            card: CardNumber::parse("8600123456786224").ok(),
            status,
            created_at: datetime!(2024-01-01 07:00 UTC),
            expires_at: datetime!(2024-01-01 07:05 UTC),
            finished_at: None,
        }
    }

    const TIMES: Times = Times {
        now: datetime!(2024-01-01 07:01 UTC),
        offset: offset!(+5),
    };

    #[test]
    fn schemas_match_the_rendered_answers() {
        let api = shop(ShopKind::Api);
        let page = shop(ShopKind::Page);
        check("TopHamyonShopCheck", &render::shop_check(&api, Ok(())));
        check(
            "TopHamyonShopCheck",
            &render::shop_check(&api, Err(PaymentError::FeeUnpaid)),
        );
        check("TopHamyonBalance", &render::balance(&api));
        let pending = order(OrderStatus::Pending);
        check(
            "TopHamyonCreated",
            &render::created(&pending, &api, TIMES, "https://k"),
        );
        check(
            "TopHamyonCreated",
            &render::created(&pending, &page, TIMES, "https://k"),
        );
        check("TopHamyonPayment", &render::payment(&pending, "S", TIMES));
        check(
            "TopHamyonPayment",
            &render::payment(&order(OrderStatus::Paid), "S", TIMES),
        );
        let found = OrderPage {
            total: 1,
            orders: vec![pending.clone()],
        };
        let body = render::payments(
            &api,
            Page {
                limit: 10,
                offset: 0,
            },
            &found,
            TIMES,
        );
        check("TopHamyonPayments", &body);
        let value: serde_json::Value = serde_json::from_str(&body).expect("json");
        check("TopHamyonPaymentItem", &value["payments"][0].to_string());
        check(
            "TopHamyonError",
            &ApiError::invalid_key().for_check_shop().body(),
        );
        check(
            "TopHamyonError",
            &ApiError::from(PaymentError::Throttled { retry_after: 5 }).body(),
        );
    }
}
