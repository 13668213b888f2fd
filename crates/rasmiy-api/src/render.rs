//! The success bodies, field for field as the document shows them (in its order), with Kassa's
//! additions at the top level only, never inside `data`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder};
use payments_core::{Order, OrderStatus, Shop, ShopKey, ShopKind};
use serde::Serialize;
use time::OffsetDateTime;

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

#[derive(Serialize)]
struct Created<'a> {
    status: &'static str,
    order: &'a str,
    insert_id: i64,
    data: CreatedData<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pay_url: Option<String>,
    payable_amount: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    card: Option<&'a str>,
    expires_at: String,
    expires_in: i64,
}

#[derive(Serialize)]
struct CreatedData<'a> {
    amount: String,
    shop_id: String,
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

#[derive(Serialize)]
struct Checked<'a> {
    status: &'static str,
    order: &'a str,
    data: CheckedData,
    payable_amount: String,
    expires_at: String,
    expires_in: i64,
}

#[derive(Serialize)]
struct CheckedData {
    amount: String,
    status: &'static str,
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

#[derive(Serialize)]
struct Cancelled<'a> {
    status: &'static str,
    message: &'static str,
    order: &'a str,
}

pub fn cancelled(order: &Order) -> HttpResponse {
    ok(&Cancelled {
        status: "success",
        message: "Buyurtma muvaffaqiyatli bekor qilindi.",
        order: &order.codes.code,
    })
}

#[derive(Serialize)]
struct ShopInfo<'a> {
    status: &'static str,
    data: ShopData<'a>,
}

#[derive(Serialize)]
struct ShopData<'a> {
    user_id: i64,
    shop_id: String,
    shop_name: &'a str,
    balance: String,
    status: &'static str,
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
