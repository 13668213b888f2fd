//! Sends what the outbox holds: signed webhooks to shops' callback URLs and Telegram messages
//! to shop owners, through the Bot API (`KASSA_TELEGRAM_API_URL`, so tests use a local fake).

use payments_core::outbox::webhook_signature;
use payments_core::{Channel, Order, OrderStatus, OutboxItem, Payments, Shop};
use serde_json::json;
use std::time::Duration;
use time::macros::format_description;

/// Where and how notifications are sent.
#[derive(Clone)]
pub struct Notifier {
    agent: ureq::Agent,
    telegram_api: String,
    telegram_token: Option<String>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("telegram_api", &self.telegram_api)
            .finish_non_exhaustive()
    }
}

/// The outcome of one attempt: ok, the HTTP status if there was one, the error if any.
type Sent = (bool, Option<u16>, Option<String>);

impl Notifier {
    pub fn new(telegram_api: &str, telegram_token: Option<String>) -> Notifier {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(10))
            .redirects(0)
            .build();
        Notifier {
            agent,
            telegram_api: telegram_api.trim_end_matches('/').to_owned(),
            telegram_token,
        }
    }

    /// Sends one claimed notification and records the attempt (blocking).
    pub fn deliver(
        &self,
        payments: &Payments,
        item: &OutboxItem,
    ) -> Result<(), payments_core::PaymentError> {
        let (ok, status, error) = match item.channel {
            Channel::Webhook => self.webhook(payments, item),
            Channel::Telegram => self.telegram(payments, item),
        };
        if !ok {
            tracing::warn!(
                outbox_id = item.id,
                channel = item.channel.as_str(),
                status,
                error = error.as_deref().unwrap_or(""),
                "notification not delivered; will retry"
            );
        }
        payments.record_delivery(item, ok, status, error)
    }

    fn webhook(&self, payments: &Payments, item: &OutboxItem) -> Sent {
        let (Some(url), Some(secret)) = (&item.shop.callback_url, &item.shop.webhook_secret) else {
            return (false, None, Some("the shop has no callback URL now".into()));
        };
        let body = webhook_body(payments, item).to_string();
        let t = payments.now().unix_timestamp();
        let result = self
            .agent
            .post(url)
            .set("Content-Type", "application/json")
            .set("Kassa-Signature", &webhook_signature(secret, t, &body))
            .set("Kassa-Event", &event_name(item.event))
            .send_string(&body);
        outcome(result)
    }

    fn telegram(&self, payments: &Payments, item: &OutboxItem) -> Sent {
        let Some(token) = &self.telegram_token else {
            return (
                false,
                None,
                Some("KASSA_TELEGRAM_BOT_TOKEN is not set".into()),
            );
        };
        let url = format!("{}/bot{token}/sendMessage", self.telegram_api);
        let body = json!({ "chat_id": item.shop.user_id, "text": telegram_text(payments, &item.order, &item.shop, item.event) });
        let result = self.agent.post(&url).send_json(body);
        // The URL holds the token: never let it reach a log.
        let (ok, status, error) = outcome(result);
        (ok, status, error.map(|e| e.replace(token, "***")))
    }
}

fn outcome(result: Result<ureq::Response, ureq::Error>) -> Sent {
    match result {
        Ok(r) if (200..300).contains(&r.status()) => (true, Some(r.status()), None),
        Ok(r) => (
            false,
            Some(r.status()),
            Some(format!("HTTP {}", r.status())),
        ),
        Err(ureq::Error::Status(code, _)) => (false, Some(code), Some(format!("HTTP {code}"))),
        Err(e) => (false, None, Some(e.to_string())),
    }
}

fn event_name(event: OrderStatus) -> String {
    format!("order.{}", event.as_str())
}

fn local(payments: &Payments, t: time::OffsetDateTime) -> String {
    payments
        .local(t)
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap_or_default()
}

/// The webhook's JSON: the event and the order as both dialects show it.
pub fn webhook_body(payments: &Payments, item: &OutboxItem) -> serde_json::Value {
    let o = &item.order;
    json!({
        "event": event_name(item.event),
        "order": o.codes.code,
        "order_id": o.codes.code,
        "payment_id": o.codes.payment_id,
        "insert_id": o.id,
        "shop_id": o.shop_id.to_string(),
        "amount": o.amount.to_string(),
        "amount_tiyin": o.amount.tiyin(),
        "payable_amount": o.payable_amount.to_string(),
        "status": o.status.as_str(),
        "created_at": local(payments, o.created_at),
        "finished_at": o.finished_at.map(|t| local(payments, t)),
        "notification_id": item.id,
    })
}

/// The owner's Telegram message, in Uzbek.
pub fn telegram_text(
    payments: &Payments,
    order: &Order,
    shop: &Shop,
    event: OrderStatus,
) -> String {
    let when = local(payments, order.finished_at.unwrap_or(order.created_at));
    match event {
        OrderStatus::Paid => format!(
            "✅ To'lov qabul qilindi\nDo'kon: {}\nBuyurtma: {}\nSumma: {} so'm\nVaqt: {when}",
            shop.name,
            order.codes.code,
            order.amount.grouped()
        ),
        OrderStatus::Expired => format!(
            "⌛ To'lov muddati tugadi\nDo'kon: {}\nBuyurtma: {}\nSumma: {} so'm\nVaqt: {when}",
            shop.name,
            order.codes.code,
            order.amount.grouped()
        ),
        other => format!("Buyurtma {}: {}", order.codes.code, other.as_str()),
    }
}
