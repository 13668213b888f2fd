//! The admin API's part of the OpenAPI document ([`AdminDoc`]): every `/admin/…` route
//! (`crate::routes::ADMIN`), its bearer token, and its bodies. The shop and order shapes are
//! the types the handlers serialise ([`ShopJson`], [`OrderJson`], [`NewShopJson`],
//! [`ShopPatchJson`]); the settlement answers, built with `json!`, are described here.

use super::json::{NewShopJson, OrderJson, ShopJson, ShopPatchJson};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

#[derive(OpenApi, Debug)]
#[openapi(
    paths(
        add_shop,
        show_shop,
        update_shop,
        rotate_key,
        rotate_webhook_secret,
        deliveries,
        redeliver,
        show_order,
        confirm_order,
        verify,
        ingest,
        unmatched,
        attach,
        resolve
    ),
    components(schemas(
        ShopJson,
        NewShopJson,
        ShopPatchJson,
        OrderJson,
        AdminError,
        OrderConflict,
        VerifyReport,
        Mismatch,
        IngestReport,
        IngestLine,
        PaymentJson,
        Unmatched,
        AttachBody,
        ResolveBody,
        Attached,
        Deliveries,
        Delivery,
        Redelivered
    )),
    modifiers(&BearerToken),
    tags((name = "admin", description = "The operator's API, on when `KASSA_ADMIN_TOKEN` is set (otherwise every admin route answers 404 `admin_disabled`). Every request carries `Authorization: Bearer $KASSA_ADMIN_TOKEN`: without it 401, with a wrong one 403. JSON in and out; unknown fields are refused (400). See docs/admin.md and docs/settlement.md."))
)]
pub struct AdminDoc;

/// The `admin_token` bearer scheme every admin operation requires.
#[derive(Debug)]
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "admin_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("KASSA_ADMIN_TOKEN"))
                    .build(),
            ),
        );
    }
}

/// An admin error: `{"error": "…", "code": "…"}`, sometimes with more fields.
#[derive(ToSchema)]
#[allow(dead_code)] // a schema only: `http_util::ApiError` writes it
struct AdminError {
    /// English text for people.
    #[schema(example = "no such shop")]
    error: String,
    /// Stable: `invalid_json`, `invalid_field`, `invalid_shop_id`, `invalid_order_code`,
    /// `invalid_payment_id`, `invalid_text` (400); `unauthorized` (401); `forbidden` (403);
    /// `admin_disabled`, `shop_not_found`, `order_not_found`, `payment_not_found`,
    /// `notification_not_found`, `not_found` (404); `shop_id_taken`, `order_not_pending`,
    /// `payment_not_open` (409); `rejected` (422); `internal_error` (500); `unavailable` (503).
    #[schema(example = "shop_not_found")]
    code: String,
}

/// `409` of a confirm: the order is not pending; nothing was credited.
#[derive(ToSchema)]
#[allow(dead_code)] // a schema only
struct OrderConflict {
    #[schema(example = "order is already paid")]
    error: String,
    #[schema(example = "order_not_pending")]
    code: String,
    /// The order's status.
    #[schema(example = "paid")]
    status: String,
    order: OrderJson,
}

/// `GET /admin/verify`: `balance == sum(ledger)` for every shop.
#[derive(ToSchema)]
#[allow(dead_code)] // a schema only: `commands::verify_json` writes it
struct VerifyReport {
    #[schema(example = true)]
    ok: bool,
    /// Shops checked.
    #[schema(example = 4)]
    shops: u64,
    mismatches: Vec<Mismatch>,
}

/// A shop whose balance differs from its ledger.
#[derive(ToSchema)]
#[allow(dead_code)] // a schema only
struct Mismatch {
    shop_id: String,
    /// Som text.
    balance: String,
    /// Som text.
    ledger_sum: String,
}

/// `POST /admin/notifications`: one line per message.
#[derive(ToSchema)]
#[allow(dead_code)] // a schema only: `settlement::ingest_line_json` writes it
struct IngestReport {
    messages: Vec<IngestLine>,
}

/// What became of one message. The fields after `result` depend on it.
#[derive(ToSchema)]
#[allow(dead_code)] // a schema only
struct IngestLine {
    /// The message's first line.
    #[schema(example = "🎉 Пополнение")]
    message: String,
    #[schema(example = "6224")]
    card_last4: Option<String>,
    /// Som text.
    #[schema(example = "4000")]
    amount: Option<String>,
    /// `matched`, `unmatched`, `duplicate` or `not_top_up` (never credited).
    #[schema(example = "matched")]
    result: String,
    /// The recorded payment (all but `not_top_up`).
    #[schema(example = 1)]
    payment_id: Option<i64>,
    /// `matched`: the order it paid.
    order: Option<OrderJson>,
    /// `unmatched`: why (`no_order`, `ambiguous`, `order_not_pending`, …).
    reason: Option<String>,
    /// `unmatched` and `not_top_up`: in words.
    detail: Option<String>,
    /// `duplicate`: the payment it repeats.
    duplicate_of: Option<i64>,
    /// `not_top_up`: what it was instead.
    kind: Option<String>,
}

/// A recorded incoming payment.
#[derive(ToSchema)]
#[allow(dead_code)] // a schema only: `settlement::payment_json` writes it
struct PaymentJson {
    #[schema(example = 7)]
    id: i64,
    #[schema(example = "notification")]
    source: String,
    #[schema(example = "6224")]
    card_last4: String,
    /// Som text.
    #[schema(example = "4000")]
    amount: String,
    /// RFC 3339, when the bank says it was paid.
    paid_at: Option<String>,
    /// RFC 3339, when Kassa recorded it.
    received_at: String,
    /// `matched`, `unmatched`, `duplicate`, `refunded` or `ignored`.
    #[schema(example = "unmatched")]
    status: String,
    reason: Option<String>,
    /// The order it paid.
    order_id: Option<i64>,
    duplicate_of: Option<i64>,
    note: Option<String>,
    /// The message as received.
    raw: String,
}

/// `GET /admin/payments/unmatched`.
#[derive(ToSchema)]
#[allow(dead_code)] // a schema only
struct Unmatched {
    unmatched: Vec<PaymentJson>,
    duplicates: Vec<PaymentJson>,
}

/// Settle an open payment against a pending order.
#[derive(ToSchema)]
#[allow(dead_code)] // a schema only: the handler reads the same field
struct AttachBody {
    /// The order code or `PAY_…` id.
    #[schema(example = "ORD_1795507317_3cm0nxwfnytvz1ivgagm")]
    order: String,
}

/// Close an open payment.
#[derive(ToSchema)]
#[allow(dead_code)] // a schema only: the handler reads the same fields
struct ResolveBody {
    /// `refunded` or `ignored`.
    #[schema(example = "refunded")]
    status: String,
    #[schema(example = "sent back to the payer")]
    note: Option<String>,
}

/// An attached payment and the order it paid.
#[derive(ToSchema)]
#[allow(dead_code)] // a schema only
struct Attached {
    payment: PaymentJson,
    order: OrderJson,
}

/// `GET /admin/shops/{id}/deliveries`: the latest attempts, newest first.
#[derive(ToSchema)]
#[allow(dead_code)] // a schema only
struct Deliveries {
    shop_id: String,
    deliveries: Vec<Delivery>,
}

/// One delivery attempt of a webhook or Telegram message.
#[derive(ToSchema)]
#[allow(dead_code)] // a schema only
struct Delivery {
    #[schema(example = 12)]
    notification_id: i64,
    /// `webhook` or `telegram`.
    #[schema(example = "webhook")]
    channel: String,
    /// `order.paid`, `order.cancelled` or `order.expired`.
    #[schema(example = "order.paid")]
    event: String,
    order: String,
    /// The notification's state: `pending`, `sent` or `failed`.
    #[schema(example = "sent")]
    state: String,
    #[schema(example = 1)]
    attempt: i64,
    /// RFC 3339.
    at: String,
    ok: bool,
    /// The receiver's HTTP status.
    #[schema(example = 200)]
    status_code: Option<i64>,
    error: Option<String>,
}

/// `202` of a redeliver: back in the queue, sent on the worker's next tick.
#[derive(ToSchema)]
#[allow(dead_code)] // a schema only
struct Redelivered {
    #[schema(example = 12)]
    notification_id: i64,
    #[schema(example = "pending")]
    state: String,
}

// The routes, as `super::routes` and `super::settlement` mount them. Every one answers 401
// without the token, 403 with a wrong one, 404 `admin_disabled` while the admin API is off.

/// Create a shop; the answer is the only time its key is shown.
#[utoipa::path(post, path = "/admin/shops", tag = "admin", security(("admin_token" = [])),
    request_body = NewShopJson,
    responses(
        (status = 201, description = "The shop, with its `shop_key`.", body = ShopJson),
        (status = 400, description = "`invalid_json`, `invalid_field`.", body = AdminError),
        (status = 409, description = "`shop_id_taken`.", body = AdminError),
        (status = "4XX", description = "401, 403, 404 `admin_disabled`.", body = AdminError),
        (status = 503, description = "`unavailable`.", body = AdminError)
    ))]
#[allow(dead_code)]
fn add_shop() {}

/// Read a shop (no key).
#[utoipa::path(get, path = "/admin/shops/{id}", tag = "admin", security(("admin_token" = [])),
    params(("id" = String, Path, description = "The shop id.")),
    responses(
        (status = 200, description = "The shop.", body = ShopJson),
        (status = 400, description = "`invalid_shop_id`.", body = AdminError),
        (status = 404, description = "`shop_not_found`.", body = AdminError),
        (status = "4XX", description = "401, 403, 404 `admin_disabled`.", body = AdminError)
    ))]
#[allow(dead_code)]
fn show_shop() {}

/// Change a shop's fields; `null` (or `""`) removes `card` or `callback_url`.
#[utoipa::path(patch, path = "/admin/shops/{id}", tag = "admin", security(("admin_token" = [])),
    params(("id" = String, Path, description = "The shop id.")),
    request_body = ShopPatchJson,
    responses(
        (status = 200, description = "The shop.", body = ShopJson),
        (status = 400, description = "`invalid_json`, `invalid_field`, `invalid_shop_id`.", body = AdminError),
        (status = 404, description = "`shop_not_found`.", body = AdminError),
        (status = "4XX", description = "401, 403, 404 `admin_disabled`.", body = AdminError)
    ))]
#[allow(dead_code)]
fn update_shop() {}

/// A new random key; the old one stops working at once.
#[utoipa::path(post, path = "/admin/shops/{id}/rotate-key", tag = "admin", security(("admin_token" = [])),
    params(("id" = String, Path, description = "The shop id.")),
    responses(
        (status = 200, description = "The shop with its new `shop_key`.", body = ShopJson),
        (status = 404, description = "`shop_not_found`.", body = AdminError),
        (status = "4XX", description = "400 `invalid_shop_id`, 401, 403, 404 `admin_disabled`.", body = AdminError)
    ))]
#[allow(dead_code)]
fn rotate_key() {}

/// A new webhook signing secret; webhooks are signed with it from the next delivery on.
#[utoipa::path(post, path = "/admin/shops/{id}/rotate-webhook-secret", tag = "admin", security(("admin_token" = [])),
    params(("id" = String, Path, description = "The shop id.")),
    responses(
        (status = 200, description = "The shop with its new `webhook_secret`.", body = ShopJson),
        (status = 404, description = "`shop_not_found`.", body = AdminError),
        (status = "4XX", description = "400 `invalid_shop_id`, 401, 403, 404 `admin_disabled`.", body = AdminError)
    ))]
#[allow(dead_code)]
fn rotate_webhook_secret() {}

/// The shop's latest delivery attempts (webhooks and Telegram), newest first.
#[utoipa::path(get, path = "/admin/shops/{id}/deliveries", tag = "admin", security(("admin_token" = [])),
    params(("id" = String, Path, description = "The shop id.")),
    responses(
        (status = 200, description = "The delivery log.", body = Deliveries),
        (status = 404, description = "`shop_not_found`.", body = AdminError),
        (status = "4XX", description = "400 `invalid_shop_id`, 401, 403, 404 `admin_disabled`.", body = AdminError)
    ))]
#[allow(dead_code)]
fn deliveries() {}

/// Put one of the shop's notifications back in the queue; the worker sends it on its next tick.
#[utoipa::path(post, path = "/admin/shops/{id}/deliveries/{notification_id}/redeliver", tag = "admin", security(("admin_token" = [])),
    params(
        ("id" = String, Path, description = "The shop id."),
        ("notification_id" = i64, Path, description = "From the delivery log.")
    ),
    responses(
        (status = 202, description = "Queued.", body = Redelivered),
        (status = 404, description = "`notification_not_found`.", body = AdminError),
        (status = "4XX", description = "400 `invalid_shop_id` or `invalid_payment_id`, 401, 403, 404 `admin_disabled`.", body = AdminError)
    ))]
#[allow(dead_code)]
fn redeliver() {}

/// Read an order by its code or `PAY_…` id.
#[utoipa::path(get, path = "/admin/orders/{code}", tag = "admin", security(("admin_token" = [])),
    params(("code" = String, Path, description = "Order code or `PAY_…` id.")),
    responses(
        (status = 200, description = "The order.", body = OrderJson),
        (status = 404, description = "`order_not_found`.", body = AdminError),
        (status = "4XX", description = "400 `invalid_order_code`, 401, 403, 404 `admin_disabled`.", body = AdminError)
    ))]
#[allow(dead_code)]
fn show_order() {}

/// The money arrived: pay a pending order and credit its shop, once.
#[utoipa::path(post, path = "/admin/orders/{code}/confirm", tag = "admin", security(("admin_token" = [])),
    params(("code" = String, Path, description = "Order code or `PAY_…` id.")),
    responses(
        (status = 200, description = "The paid order.", body = OrderJson),
        (status = 409, description = "Already paid, cancelled or expired: nothing credited.", body = OrderConflict),
        (status = 404, description = "`order_not_found`.", body = AdminError),
        (status = "4XX", description = "400 `invalid_order_code`, 401, 403, 404 `admin_disabled`.", body = AdminError)
    ))]
#[allow(dead_code)]
fn confirm_order() {}

/// Check `balance == sum(ledger)` for every shop.
#[utoipa::path(get, path = "/admin/verify", tag = "admin", security(("admin_token" = [])),
    responses(
        (status = 200, description = "The report.", body = VerifyReport,
            example = json!({"mismatches": [], "ok": true, "shops": 4})),
        (status = "4XX", description = "401, 403, 404 `admin_disabled`.", body = AdminError)
    ))]
#[allow(dead_code)]
fn verify() {}

/// Raw bank-notification text (HUMO, UzCard), one or more messages separated by blank lines;
/// each is recorded and settled in this request.
#[utoipa::path(post, path = "/admin/notifications", tag = "admin", security(("admin_token" = [])),
    request_body(content = String, content_type = "text/plain",
        example = json!("🎉 Пополнение\n➕ 4.000,00 UZS\n📍 HUMO2HUMO P2P\n💳 HUMOCARD *6224\n🕓 13:05 24.11.2026")),
    responses(
        (status = 200, description = "What became of each message.", body = IngestReport),
        (status = 400, description = "`invalid_text` (not UTF-8).", body = AdminError),
        (status = "4XX", description = "401, 403, 404 `admin_disabled`.", body = AdminError)
    ))]
#[allow(dead_code)]
fn ingest() {}

/// Unmatched payments and duplicates, kept for review.
#[utoipa::path(get, path = "/admin/payments/unmatched", tag = "admin", security(("admin_token" = [])),
    responses(
        (status = 200, description = "Open payments, oldest first.", body = Unmatched),
        (status = "4XX", description = "401, 403, 404 `admin_disabled`.", body = AdminError)
    ))]
#[allow(dead_code)]
fn unmatched() {}

/// Settle an open payment against a pending order (attaching to an expired order is 409).
#[utoipa::path(post, path = "/admin/payments/{id}/attach", tag = "admin", security(("admin_token" = [])),
    params(("id" = i64, Path, description = "The payment id.")),
    request_body = AttachBody,
    responses(
        (status = 200, description = "The payment and the order it paid.", body = Attached),
        (status = 409, description = "`payment_not_open`, `order_not_pending`.", body = AdminError),
        (status = 404, description = "`payment_not_found`, `order_not_found`.", body = AdminError),
        (status = "4XX", description = "400 `invalid_payment_id`, `invalid_json`, `invalid_order_code`; 401, 403, 404 `admin_disabled`.", body = AdminError)
    ))]
#[allow(dead_code)]
fn attach() {}

/// Close an open payment as refunded or ignored.
#[utoipa::path(post, path = "/admin/payments/{id}/resolve", tag = "admin", security(("admin_token" = [])),
    params(("id" = i64, Path, description = "The payment id.")),
    request_body = ResolveBody,
    responses(
        (status = 200, description = "The payment.", body = PaymentJson),
        (status = 409, description = "`payment_not_open`.", body = AdminError),
        (status = 404, description = "`payment_not_found`.", body = AdminError),
        (status = "4XX", description = "400 `invalid_payment_id`, `invalid_json`, `invalid_field`; 401, 403, 404 `admin_disabled`.", body = AdminError)
    ))]
#[allow(dead_code)]
fn resolve() {}
