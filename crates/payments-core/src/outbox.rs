//! Notifications through an outbox: rows written in the same transaction as the status change
//! they announce, sent afterwards with retries. A crash between commit and send loses nothing;
//! a receiver that is down gets them later. Delivery is at least once: receivers dedupe by the
//! webhook's `notification_id`.
//!
//! A receiver checks a webhook with [`verify_webhook`].

use crate::{Order, OrderStatus, Shop};
use time::{Duration, OffsetDateTime};

/// Where a notification goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// A signed JSON POST to the shop's callback URL, on every status change.
    Webhook,
    /// A message to the shop owner's Telegram user id.
    Telegram,
}

impl Channel {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Webhook => "webhook",
            Channel::Telegram => "telegram",
        }
    }

    /// From the stored name; `None` for any other text.
    pub fn parse(text: &str) -> Option<Channel> {
        [Channel::Webhook, Channel::Telegram]
            .into_iter()
            .find(|c| c.as_str() == text)
    }
}

/// Which events write which notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifyPolicy {
    /// A Telegram message to the owner when an order is paid (when a bot is configured).
    pub telegram_paid: bool,
    /// Also when an order expires (`KASSA_NOTIFY_EXPIRED=1`).
    pub telegram_expired: bool,
}

/// Off by default: Telegram needs a bot token, which the server's configuration brings.
impl Default for NotifyPolicy {
    fn default() -> Self {
        NotifyPolicy {
            telegram_paid: false,
            telegram_expired: false,
        }
    }
}

impl NotifyPolicy {
    /// The channels an event on this shop's order goes to.
    pub fn channels(
        &self,
        event: OrderStatus,
        has_callback: bool,
        has_owner: bool,
    ) -> Vec<Channel> {
        let mut out = Vec::new();
        if has_callback && event.is_final() {
            out.push(Channel::Webhook);
        }
        let telegram = match event {
            OrderStatus::Paid => self.telegram_paid,
            OrderStatus::Expired => self.telegram_expired,
            _ => false,
        };
        if telegram && has_owner {
            out.push(Channel::Telegram);
        }
        out
    }
}

/// Where an outbox row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// Delivered.
    Sent,
    /// Every retry failed; an operator may redeliver it.
    Failed,
}

impl OutboxStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }

    /// From the stored name; `None` for any other text.
    pub fn parse(text: &str) -> Option<OutboxStatus> {
        [
            OutboxStatus::Pending,
            OutboxStatus::Sent,
            OutboxStatus::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A notification claimed for sending, with what is needed to write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// The notification's id (the webhook's `notification_id`).
    pub id: i64,
    /// Where it goes.
    pub channel: Channel,
    /// The status the order reached.
    pub event: OrderStatus,
    /// Attempts made before this one.
    pub attempts: u32,
    /// The order, as it is now.
    pub order: Order,
    /// Its shop, as it is now (callback URL, webhook secret, owner).
    pub shop: Shop,
}

/// The outcome of one attempt to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    /// When it was made.
    pub at: OffsetDateTime,
    /// Whether the receiver took it (a 2xx answer).
    pub ok: bool,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<u16>,
    /// What went wrong, if anything.
    pub error: Option<String>,
}

/// One line of a shop's delivery log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryLog {
    /// The notification ([`OutboxItem::id`]).
    pub outbox_id: i64,
    /// Where it went.
    pub channel: Channel,
    /// The status the order reached.
    pub event: OrderStatus,
    /// The order's code.
    pub order_code: String,
    /// Where the notification stands now.
    pub outbox_status: OutboxStatus,
    /// Which attempt this was (1 for the first).
    pub attempt: u32,
    /// See [`DeliveryAttempt::at`].
    pub at: OffsetDateTime,
    /// See [`DeliveryAttempt::ok`].
    pub ok: bool,
    /// See [`DeliveryAttempt::status_code`].
    pub status_code: Option<u16>,
    /// See [`DeliveryAttempt::error`].
    pub error: Option<String>,
}

/// Waits between attempts: 10 s, 1 min, 5 min, 30 min, 2 h, then every 6 h; after 10 attempts
/// (about a day) the notification is marked failed for manual redelivery.
pub const RETRY_SCHEDULE: [i64; 9] = [10, 60, 300, 1800, 7200, 21600, 21600, 21600, 21600];

/// When to try again after `attempts` failed attempts, or `None` to give up.
///
/// ```
/// use payments_core::outbox::next_attempt;
/// use time::{Duration, OffsetDateTime};
/// let now = OffsetDateTime::UNIX_EPOCH;
/// assert_eq!(next_attempt(1, now), Some(now + Duration::seconds(10)));
/// assert_eq!(next_attempt(3, now), Some(now + Duration::minutes(5)));
/// assert_eq!(next_attempt(10, now), None); // failed; an operator may redeliver
/// ```
pub fn next_attempt(attempts: u32, now: OffsetDateTime) -> Option<OffsetDateTime> {
    let index = usize::try_from(attempts).ok()?.checked_sub(1)?;
    RETRY_SCHEDULE
        .get(index)
        .map(|s| now + Duration::seconds(*s))
}

/// How long a claimed notification is reserved for the process sending it; after that another
/// process may take it (the sender died).
pub const CLAIM_LEASE: Duration = Duration::seconds(60);

/// The `Kassa-Signature` header value of a webhook body sent at unix time `t`:
/// `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, keyed with the UTF-8 bytes of the shop's
/// webhook secret.
///
/// ```
/// use payments_core::outbox::webhook_signature;
/// let header = webhook_signature("whsec", 1_750_000_000, "{}");
/// assert!(header.starts_with("t=1750000000,v1="));
/// assert_eq!(header.len(), "t=1750000000,v1=".len() + 64);
/// ```
pub fn webhook_signature(secret: &str, t: i64, body: &str) -> String {
    format!(
        "t={t},v1={}",
        hex::encode(hmac_sha256(
            secret.as_bytes(),
            format!("{t}.{body}").as_bytes()
        ))
    )
}

/// What a receiver does: checks a `Kassa-Signature` header against the body, in constant time,
/// and that its time is within `tolerance_secs` of `now` (so a captured webhook cannot be
/// replayed later).
///
/// `body` must be the raw request body, byte for byte as received (not re-serialised JSON);
/// `secret` is the shop's webhook secret (shown by `GET /admin/shops/{id}`); `now` is the
/// receiver's unix time. A malformed header is simply `false`.
///
/// ```
/// use payments_core::outbox::{verify_webhook, webhook_signature};
/// let header = webhook_signature("whsec", 1_750_000_000, r#"{"event":"order.paid"}"#);
/// assert!(verify_webhook("whsec", &header, r#"{"event":"order.paid"}"#, 1_750_000_010, 300));
/// assert!(!verify_webhook("whsec", &header, r#"{"event":"order.cancelled"}"#, 1_750_000_010, 300));
/// assert!(!verify_webhook("whsec", &header, r#"{"event":"order.paid"}"#, 1_750_009_999, 300));
/// ```
pub fn verify_webhook(
    secret: &str,
    header: &str,
    body: &str,
    now: i64,
    tolerance_secs: i64,
) -> bool {
    use subtle::ConstantTimeEq;
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => v1 = Some(value),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    if (now - t).abs() > tolerance_secs {
        return false;
    }
    let expected = hex::encode(hmac_sha256(
        secret.as_bytes(),
        format!("{t}.{body}").as_bytes(),
    ));
    expected.as_bytes().ct_eq(v1.as_bytes()).into()
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    match Hmac::<sha2::Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().into()
        }
        // HMAC takes keys of any length.
        Err(_) => [0; 32],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_then_give_up() {
        let now = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(next_attempt(1, now), Some(now + Duration::seconds(10)));
        assert_eq!(next_attempt(2, now), Some(now + Duration::minutes(1)));
        assert_eq!(next_attempt(6, now), Some(now + Duration::hours(6)));
        assert_eq!(next_attempt(9, now), Some(now + Duration::hours(6)));
        assert_eq!(next_attempt(10, now), None);
        assert_eq!(next_attempt(0, now), None);
    }

    #[test]
    fn channels_follow_the_policy() {
        assert_eq!(
            NotifyPolicy::default().channels(OrderStatus::Paid, true, true),
            vec![Channel::Webhook]
        );
        let p = NotifyPolicy {
            telegram_paid: true,
            telegram_expired: false,
        };
        assert_eq!(
            p.channels(OrderStatus::Paid, true, true),
            vec![Channel::Webhook, Channel::Telegram]
        );
        assert_eq!(
            p.channels(OrderStatus::Expired, true, true),
            vec![Channel::Webhook]
        );
        assert_eq!(p.channels(OrderStatus::Cancelled, false, true), vec![]);
        let all = NotifyPolicy {
            telegram_expired: true,
            ..p
        };
        assert_eq!(
            all.channels(OrderStatus::Expired, false, true),
            vec![Channel::Telegram]
        );
        assert_eq!(p.channels(OrderStatus::Paid, false, false), vec![]);
    }
}
