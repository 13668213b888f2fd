//! The success bodies of the five endpoints: the document's fields first, in its order, with
//! its types; Kassa's additions after them.

use crate::errors::admission_reason;
use crate::json::{Object, array};
use payments_core::{Order, OrderPage, OrderStatus, Page, PaymentError, Shop, ShopKind};
use time::{OffsetDateTime, UtcOffset};

/// The time of the answer and the offset times are shown in.
#[derive(Clone, Copy, Debug)]
pub struct Times {
    pub now: OffsetDateTime,
    pub offset: UtcOffset,
}

impl Times {
    fn local(&self, t: OffsetDateTime) -> OffsetDateTime {
        t.to_offset(self.offset)
    }
}

/// The Uzbek description of a status, as the document's `status_description`.
pub fn status_description(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Pending => "To'lov kutilmoqda",
        OrderStatus::Paid => "To'lov muvaffaqiyatli",
        OrderStatus::Cancelled => "To'lov bekor qilingan",
        OrderStatus::Expired => "To'lov muddati tugagan",
    }
}

/// `check_shop`: valid credentials, and whether the shop may take payments (and if not, why).
pub fn shop_check(shop: &Shop, admission: Result<(), PaymentError>) -> String {
    let mut obj = Object::new();
    obj.bool("success", true)
        .bool("valid", true)
        .str("shop_id", &shop.id.to_string())
        .str("shop_name", &shop.name);
    match admission.as_ref().err().and_then(admission_reason) {
        None => obj.bool("can_accept_payments", true),
        Some((code, text)) => obj
            .bool("can_accept_payments", false)
            .str("reason", code)
            .str("message", &text),
    };
    obj.finish()
}

/// `get_balance`.
pub fn balance(shop: &Shop) -> String {
    Object::new()
        .bool("success", true)
        .str("shop_id", &shop.id.to_string())
        .money("balance", shop.balance)
        .money_formatted("balance_formatted", shop.balance)
        .finish()
}

/// `create_payment`. `pay_url` is given for page shops.
pub fn created(order: &Order, shop: &Shop, times: Times, public_url: &str) -> String {
    let mut obj = Object::new();
    obj.bool("success", true)
        .str("payment_id", &order.codes.payment_id)
        .str("order_id", &order.codes.code)
        .str("shop_id", &order.shop_id.to_string())
        .money("amount", order.amount)
        .money_formatted("amount_formatted", order.amount)
        .time("created_at", times.local(order.created_at))
        .str("status", order.effective_status(times.now).as_str())
        .money("payable_amount", order.payable_amount)
        .money_formatted("payable_amount_formatted", order.payable_amount)
        .opt_str("card", order.card.as_ref().map(|c| c.as_str()))
        .time("expires_at", times.local(order.expires_at))
        .int("expires_in", order.seconds_left(times.now));
    if shop.kind == ShopKind::Page {
        obj.str(
            "pay_url",
            &format!("{public_url}/pay/{}", order.codes.pay_token),
        );
    }
    obj.finish()
}

/// The fields of one order as `check_payment` shows it (without `success`).
fn payment_fields(obj: &mut Object, order: &Order, shop_name: &str, times: Times) {
    let status = order.effective_status(times.now);
    obj.str("order_id", &order.codes.code)
        .str("shop_id", &order.shop_id.to_string())
        .str("shop_name", shop_name)
        .money("amount", order.amount)
        .str("status", status.as_str())
        .str("status_description", status_description(status))
        .time("created_at", times.local(order.created_at))
        .str("payment_id", &order.codes.payment_id)
        .money_formatted("amount_formatted", order.amount)
        .money("payable_amount", order.payable_amount)
        .money_formatted("payable_amount_formatted", order.payable_amount)
        .time("expires_at", times.local(order.expires_at))
        .int("expires_in", order.seconds_left(times.now));
    let finished = match status {
        OrderStatus::Pending => None,
        // Overdue but not yet swept: it ended at its deadline.
        _ => Some(order.finished_at.unwrap_or(order.expires_at)),
    };
    obj.opt_str(
        "finished_at",
        finished
            .map(|t| crate::json::datetime(times.local(t)))
            .as_deref(),
    );
}

/// `check_payment`.
pub fn payment(order: &Order, shop_name: &str, times: Times) -> String {
    let mut obj = Object::new();
    obj.bool("success", true);
    payment_fields(&mut obj, order, shop_name, times);
    obj.finish()
}

/// `get_payments`: one page of a shop's orders, newest first.
pub fn payments(shop: &Shop, page: Page, found: &OrderPage, times: Times) -> String {
    let items = found.orders.iter().map(|order| {
        let mut obj = Object::new();
        payment_fields(&mut obj, order, &shop.name, times);
        obj.finish()
    });
    Object::new()
        .bool("success", true)
        .str("shop_id", &shop.id.to_string())
        .uint("total", found.total)
        .uint("limit", u64::from(page.limit))
        .uint("offset", page.offset)
        .raw("payments", &array(items))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use payments_core::{CardNumber, KeyHash, Money, MonthStatus, OrderCodes, ShopId, ShopStatus};
    use time::macros::{datetime, offset};

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
    fn balance_is_the_documents() {
        assert_eq!(
            balance(&shop(ShopKind::Api)),
            r#"{"success":true,"shop_id":"101","balance":50000.00,"balance_formatted":"50000.00 UZS"}"#
        );
    }

    #[test]
    fn created_payment() {
        let body = created(
            &order(OrderStatus::Pending),
            &shop(ShopKind::Api),
            TIMES,
            "https://k.uz",
        );
        assert_eq!(
            body,
            r#"{"success":true,"payment_id":"PAY_1704110400_abc123","order_id":"ORD_1704110400_xyz789","shop_id":"101","amount":10000.00,"amount_formatted":"10000.00 UZS","created_at":"2024-01-01 12:00:00","status":"pending","payable_amount":10000.00,"payable_amount_formatted":"10000.00 UZS","card":"8600123456786224","expires_at":"2024-01-01 12:05:00","expires_in":240}"#
        );
        let page = created(
            &order(OrderStatus::Pending),
            &shop(ShopKind::Page),
            TIMES,
            "https://k.uz",
        );
        assert!(
            page.ends_with(r#","pay_url":"https://k.uz/pay/tok"}"#),
            "{page}"
        );
    }

    #[test]
    fn checked_payment_uses_the_effective_status() {
        let body = payment(&order(OrderStatus::Paid), "My Shop", TIMES);
        assert!(body.starts_with(
            r#"{"success":true,"order_id":"ORD_1704110400_xyz789","shop_id":"101","shop_name":"My Shop","amount":10000.00,"status":"paid","status_description":"To'lov muvaffaqiyatli","created_at":"2024-01-01 12:00:00","#
        ), "{body}");
        let late = Times {
            now: datetime!(2024-01-01 07:06 UTC),
            ..TIMES
        };
        let body = payment(&order(OrderStatus::Pending), "My Shop", late);
        assert!(
            body.contains(r#""status":"expired","status_description":"To'lov muddati tugagan""#)
        );
        assert!(
            body.contains(r#""expires_in":0,"finished_at":"2024-01-01 12:05:00""#),
            "{body}"
        );
        let body = payment(&order(OrderStatus::Pending), "My Shop", TIMES);
        assert!(
            body.contains(r#""expires_in":240,"finished_at":null"#),
            "{body}"
        );
    }

    #[test]
    fn check_shop_says_why_not() {
        let mut s = shop(ShopKind::Api);
        assert_eq!(
            shop_check(&s, Ok(())),
            r#"{"success":true,"valid":true,"shop_id":"101","shop_name":"Test Do'kon 1","can_accept_payments":true}"#
        );
        s.status = ShopStatus::Blocked;
        assert!(
            shop_check(&s, Err(PaymentError::ShopNotActive(ShopStatus::Blocked))).ends_with(
                r#""can_accept_payments":false,"reason":"shop_not_active","message":"Shop is blocked"}"#
            )
        );
    }

    #[test]
    fn empty_page() {
        let body = payments(
            &shop(ShopKind::Api),
            Page {
                limit: 10,
                offset: 50,
            },
            &OrderPage {
                total: 3,
                orders: vec![],
            },
            TIMES,
        );
        assert_eq!(
            body,
            r#"{"success":true,"shop_id":"101","total":3,"limit":10,"offset":50,"payments":[]}"#
        );
    }
}
