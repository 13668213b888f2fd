//! The success bodies, field for field as the document shows them (in its order), with Kassa's
//! additions at the top level only, never inside `data`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder};
use payments_core::{Order, OrderStatus, Shop, ShopKey, ShopKind};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// Serialises a body; the types here cannot fail to serialise, but if one ever did the
/// client still gets the dialect's error shape.
pub fn json<T: Serialize>(mut builder: HttpResponseBuilder, body: &T) -> HttpResponse {
    match serde_json::to_string(body) {
        Ok(text) => builder.content_type("application/json").body(text),
        Err(_) => HttpResponse::build(StatusCode::INTERNAL_SERVER_ERROR)
            .content_type("application/json")
            .body(r#"{"status":"error","message":"Ichki xatolik yuz berdi!","code":"internal_error"}"#),
    }
}

pub fn ok<T: Serialize>(body: &T) -> HttpResponse {
    json(HttpResponse::Ok(), body)
}

/// `YYYY-MM-DD HH:MM:SS`, as the original server wrote its dates (the caller picks the offset).
pub fn datetime(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// RasmiyPay's order status: `pending`, `paid`, or `cancel` for cancelled and expired alike.
pub fn status_name(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Pending => "pending",
        OrderStatus::Paid => "paid",
        OrderStatus::Cancelled | OrderStatus::Expired => "cancel",
    }
}

/// What a render needs besides the core's answer: the time and how to show it.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub now: OffsetDateTime,
    pub offset: time::UtcOffset,
}

impl Clock {
    fn local(&self, t: OffsetDateTime) -> String {
        datetime(t.to_offset(self.offset))
    }
}

/// `create`'s answer. `data` holds exactly the document's three fields; Kassa's additions are
/// at the top level.
#[derive(Serialize, ToSchema)]
#[schema(as = RasmiyCreated)]
pub(crate) struct Created<'a> {
    #[schema(example = "success")]
    status: &'static str,
    /// The order code (24 lowercase letters and digits): what `check` and `cancel` take.
    #[schema(example = "jy5q8q5mwmuq51cvw7ty3xak")]
    order: &'a str,
    /// The order's internal number.
    #[schema(example = 1)]
    insert_id: i64,
    data: CreatedData<'a>,
    /// Page shops only: the hosted pay page, `{KASSA_PUBLIC_URL}/pay/{token}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "http://127.0.0.1:8080/pay/jtqkywuwm0g0umb5h26wc5ufbmlt8hyo")]
    pay_url: Option<String>,
    /// Kassa: what the payer must transfer to the card, as som text (`"50000"`, `"50000.01"`).
    #[schema(example = "50000")]
    payable_amount: String,
    /// Kassa: the shop's receiving card (16 digits) as it was when the order was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "8600310495126224")]
    card: Option<&'a str>,
    /// Kassa: when the order expires if unpaid, `YYYY-MM-DD HH:MM:SS` in the server's offset.
    #[schema(example = "2026-11-24 13:07:28")]
    expires_at: String,
    /// Kassa: seconds until then.
    #[schema(example = 300)]
    expires_in: i64,
}

/// The document's `data` of `create`.
#[derive(Serialize, ToSchema)]
#[schema(as = RasmiyCreatedData)]
pub(crate) struct CreatedData<'a> {
    /// The amount asked, as canonical som text: whole sums without decimals (`"50000"`),
    /// others with two (`"1000.50"`).
    #[schema(example = "50000")]
    amount: String,
    #[schema(example = "695008")]
    shop_id: String,
    /// The key the client sent, echoed as in the document.
    #[schema(example = "Z631XLBO7O")]
    shop_key: &'a str,
}

/// `create`: `data` echoes the amount (canonical), the shop id and the key the client sent.
pub fn created(
    order: &Order,
    shop: &Shop,
    key: &ShopKey,
    public_url: &str,
    clock: Clock,
) -> HttpResponse {
    let pay_url = (shop.kind == ShopKind::Page).then(|| {
        format!(
            "{}/pay/{}",
            public_url.trim_end_matches('/'),
            order.codes.pay_token
        )
    });
    ok(&Created {
        status: "success",
        order: &order.codes.code,
        insert_id: order.id,
        data: CreatedData {
            amount: order.amount.to_string(),
            shop_id: shop.id.to_string(),
            shop_key: key.expose(),
        },
        pay_url,
        payable_amount: order.payable_amount.to_string(),
        card: order.card.as_ref().map(|c| c.as_str()),
        expires_at: clock.local(order.expires_at),
        expires_in: order.seconds_left(clock.now),
    })
}

/// `check`'s answer.
#[derive(Serialize, ToSchema)]
#[schema(as = RasmiyChecked)]
pub(crate) struct Checked<'a> {
    #[schema(example = "success")]
    status: &'static str,
    /// The order's own code (also when it was looked up by its `PAY_…` id).
    #[schema(example = "iu2dia2cbqf82yis0za4i4ax")]
    order: &'a str,
    data: CheckedData,
    /// Kassa: what the payer must transfer, as som text.
    #[schema(example = "50000")]
    payable_amount: String,
    /// Kassa: `YYYY-MM-DD HH:MM:SS` in the server's offset.
    #[schema(example = "2026-11-24 13:07:28")]
    expires_at: String,
    /// Kassa: seconds until expiry; 0 once the order is final.
    #[schema(example = 300)]
    expires_in: i64,
}

/// The document's `data` of `check`.
#[derive(Serialize, ToSchema)]
#[schema(as = RasmiyCheckedData)]
pub(crate) struct CheckedData {
    /// The amount asked, as som text.
    #[schema(example = "50000")]
    amount: String,
    /// `pending`, `paid`, or `cancel` (cancelled or expired; an overdue order shows `cancel`
    /// before the worker's sweep).
    #[schema(example = "pending")]
    status: &'static str,
    /// When the order was made, `YYYY-MM-DD HH:MM:SS` in the server's offset.
    #[schema(example = "2026-11-24 13:02:28")]
    date: String,
}

/// `check`: an overdue pending order already shows `cancel`, before the worker's sweep.
pub fn checked(order: &Order, clock: Clock) -> HttpResponse {
    let status = order.effective_status(clock.now);
    ok(&Checked {
        status: "success",
        order: &order.codes.code,
        data: CheckedData {
            amount: order.amount.to_string(),
            status: status_name(status),
            date: clock.local(order.created_at),
        },
        payable_amount: order.payable_amount.to_string(),
        expires_at: clock.local(order.expires_at),
        expires_in: order.seconds_left(clock.now),
    })
}

/// `cancel`'s answer.
#[derive(Serialize, ToSchema)]
#[schema(as = RasmiyCancelled)]
pub(crate) struct Cancelled<'a> {
    #[schema(example = "success")]
    status: &'static str,
    #[schema(example = "Buyurtma muvaffaqiyatli bekor qilindi.")]
    message: &'static str,
    #[schema(example = "iu2dia2cbqf82yis0za4i4ax")]
    order: &'a str,
}

pub fn cancelled(order: &Order) -> HttpResponse {
    ok(&Cancelled {
        status: "success",
        message: "Buyurtma muvaffaqiyatli bekor qilindi.",
        order: &order.codes.code,
    })
}

/// The shop-information answer (no `method`).
#[derive(Serialize, ToSchema)]
#[schema(as = RasmiyShopInfo)]
pub(crate) struct ShopInfo<'a> {
    #[schema(example = "success")]
    status: &'static str,
    data: ShopData<'a>,
}

/// The document's `data` of the shop-information call.
#[derive(Serialize, ToSchema)]
#[schema(as = RasmiyShopData)]
pub(crate) struct ShopData<'a> {
    /// The owner's Telegram user id.
    #[schema(example = 123456789)]
    user_id: i64,
    #[schema(example = "695008")]
    shop_id: String,
    #[schema(example = "Do'kon nomi")]
    shop_name: &'a str,
    /// The sum of the shop's paid orders, as som text.
    #[schema(example = "50000")]
    balance: String,
    /// `pending`, `confirm` or `blocked`; only `confirm` shops take payments.
    #[schema(example = "confirm")]
    status: &'static str,
    /// `Toʻlandi` (fee paid) or `Toʻlanmagan`, spelled with U+02BB as the original.
    #[schema(example = "Toʻlandi")]
    month_status: &'static str,
}

pub fn shop_info(shop: &Shop) -> HttpResponse {
    ok(&ShopInfo {
        status: "success",
        data: ShopData {
            user_id: shop.user_id,
            shop_id: shop.id.to_string(),
            shop_name: &shop.name,
            balance: shop.balance.to_string(),
            status: shop.status.as_str(),
            month_status: shop.month_status.as_str(),
        },
    })
}
