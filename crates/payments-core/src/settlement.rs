//! Settlement: how an incoming payment becomes a paid order.
//!
//! Payers send the exact *payable amount* to the shop's receiving card; the bank reports the
//! incoming money (card suffix, amount, minute). Payable amounts are unique per card while they
//! can still be matched, so a payment matches at most one order: the one whose payable amount and
//! card it carries, created no later than the payment's minute and not expired before it.
//! Anything else — no order, several, an order no longer pending — is kept for review, never
//! guessed, never dropped.

use crate::{Money, Order, OrderStatus};
use std::fmt;
use time::{Duration, OffsetDateTime};

/// An incoming payment as a source reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingPayment {
    /// Which source it came from (`notification`, `sandbox`, or an embedder's name).
    pub source: String,
    /// What identifies it within its source, so the same payment reported twice is recorded
    /// once (for bank notifications: card, amount and minute).
    pub reference: String,
    /// The last four digits of the receiving card.
    pub card_last4: String,
    /// The amount received.
    pub amount: Money,
    /// When the payer paid, to the minute, if the source says.
    pub paid_at: Option<OffsetDateTime>,
    /// When Kassa learnt of it.
    pub received_at: OffsetDateTime,
    /// The source's raw text, kept for review.
    pub raw: Option<String>,
}

impl IncomingPayment {
    /// The minute the payment counts at: its own time, or the time it was received.
    pub fn minute(&self) -> OffsetDateTime {
        let t = self.paid_at.unwrap_or(self.received_at);
        t.replace_second(0)
            .and_then(|t| t.replace_nanosecond(0))
            .unwrap_or(t)
    }

    /// The reference of a bank notification: card, amount and minute identify it.
    pub fn notification_reference(
        card_last4: &str,
        amount: Money,
        minute: OffsetDateTime,
    ) -> String {
        format!(
            "{card_last4}:{}:{}",
            amount.tiyin(),
            minute.unix_timestamp().div_euclid(60)
        )
    }
}

/// An order that carries a payment's card and payable amount, and whose time window holds the
/// payment's minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// The order ([`Order::id`]).
    pub order_id: i64,
    /// Its status when the payment is settled.
    pub status: OrderStatus,
}

/// The window in which a payment made at `minute` can match an order: created before the end of
/// that minute, expiring no earlier than its start.
pub fn window(minute: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
    (minute + Duration::minutes(1), minute)
}

/// Why a payment matched no order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmatched {
    /// No order with this payable amount on this card in the payment's time window.
    NoOrder,
    /// Several orders could be meant (cards sharing their last four digits).
    Ambiguous,
    /// The order had expired.
    OrderExpired,
    /// The order was cancelled.
    OrderCancelled,
    /// The order was already paid.
    OrderPaid,
}

impl Unmatched {
    /// The stored (and reported) name: `no_order`, `ambiguous`, `order_expired`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            Unmatched::NoOrder => "no_order",
            Unmatched::Ambiguous => "ambiguous",
            Unmatched::OrderExpired => "order_expired",
            Unmatched::OrderCancelled => "order_cancelled",
            Unmatched::OrderPaid => "order_paid",
        }
    }

    /// From the stored name; `None` for any other text.
    pub fn parse(text: &str) -> Option<Unmatched> {
        [
            Unmatched::NoOrder,
            Unmatched::Ambiguous,
            Unmatched::OrderExpired,
            Unmatched::OrderCancelled,
            Unmatched::OrderPaid,
        ]
        .into_iter()
        .find(|u| u.as_str() == text)
    }

    /// A sentence for the operator.
    pub fn describe(self) -> &'static str {
        match self {
            Unmatched::NoOrder => "no order with this payable amount on this card at that time",
            Unmatched::Ambiguous => "several orders could be meant",
            Unmatched::OrderExpired => "the order had expired",
            Unmatched::OrderCancelled => "the order was cancelled",
            Unmatched::OrderPaid => "the order was already paid",
        }
    }
}

impl fmt::Display for Unmatched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to do with a payment, given its candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Pay this order ([`Order::id`]) with the payment.
    Pay(i64),
    /// Keep the payment for review, for this reason.
    Keep(Unmatched),
}

/// The matching rule, in one place: exactly one candidate, and it is pending.
///
/// ```
/// use payments_core::OrderStatus;
/// use payments_core::settlement::{Candidate, Decision, Unmatched, decide};
/// let pending = Candidate { order_id: 7, status: OrderStatus::Pending };
/// let expired = Candidate { order_id: 8, status: OrderStatus::Expired };
/// assert_eq!(decide(&[pending]), Decision::Pay(7));
/// assert_eq!(decide(&[expired]), Decision::Keep(Unmatched::OrderExpired));
/// assert_eq!(decide(&[]), Decision::Keep(Unmatched::NoOrder));
/// // Two cards sharing their last four digits: never guess.
/// assert_eq!(decide(&[pending, pending]), Decision::Keep(Unmatched::Ambiguous));
/// ```
pub fn decide(candidates: &[Candidate]) -> Decision {
    match candidates {
        [] => Decision::Keep(Unmatched::NoOrder),
        [one] => match one.status {
            OrderStatus::Pending => Decision::Pay(one.order_id),
            OrderStatus::Expired => Decision::Keep(Unmatched::OrderExpired),
            OrderStatus::Cancelled => Decision::Keep(Unmatched::OrderCancelled),
            OrderStatus::Paid => Decision::Keep(Unmatched::OrderPaid),
        },
        _ => Decision::Keep(Unmatched::Ambiguous),
    }
}

/// Where a recorded payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    /// It paid an order.
    Matched,
    /// Waiting for the operator.
    Unmatched,
    /// The same payment was recorded before; kept for review, credits nothing.
    Duplicate,
    /// The operator sent the money back.
    Refunded,
    /// The operator decided it needs nothing.
    Ignored,
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PaymentStatus {
    /// Every status.
    pub const ALL: [PaymentStatus; 5] = [
        PaymentStatus::Matched,
        PaymentStatus::Unmatched,
        PaymentStatus::Duplicate,
        PaymentStatus::Refunded,
        PaymentStatus::Ignored,
    ];

    /// The stored (and reported) name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Matched => "matched",
            PaymentStatus::Unmatched => "unmatched",
            PaymentStatus::Duplicate => "duplicate",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::Ignored => "ignored",
        }
    }

    /// From the stored name; `None` for any other text.
    pub fn parse(text: &str) -> Option<PaymentStatus> {
        PaymentStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Statuses the operator can still act on.
    pub fn is_open(self) -> bool {
        matches!(self, PaymentStatus::Unmatched | PaymentStatus::Duplicate)
    }
}

/// A recorded incoming payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    /// The payment's id (what the operator's attach and resolve take).
    pub id: i64,
    /// See [`IncomingPayment::source`].
    pub source: String,
    /// See [`IncomingPayment::reference`].
    pub reference: String,
    /// See [`IncomingPayment::card_last4`].
    pub card_last4: String,
    /// The amount received (the shop is credited its order's amount, not this).
    pub amount: Money,
    /// See [`IncomingPayment::paid_at`].
    pub paid_at: Option<OffsetDateTime>,
    /// See [`IncomingPayment::received_at`].
    pub received_at: OffsetDateTime,
    /// Where it stands.
    pub status: PaymentStatus,
    /// Why it matched nothing (unmatched payments).
    pub reason: Option<Unmatched>,
    /// The order it paid ([`Order::id`]), once matched.
    pub order_id: Option<i64>,
    /// For a duplicate: the payment it repeats.
    pub duplicate_of: Option<i64>,
    /// The operator's note on resolving it.
    pub note: Option<String>,
    /// See [`IncomingPayment::raw`].
    pub raw: Option<String>,
}

/// What became of a payment handed to the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// It paid this order (credited once, in the same transaction).
    Matched {
        /// The recorded payment's id.
        payment: i64,
        /// The order, now paid.
        order: Order,
    },
    /// Kept for review.
    Unmatched {
        /// The recorded payment's id.
        payment: i64,
        /// Why it matched nothing.
        reason: Unmatched,
    },
    /// Seen before: recorded as a duplicate of `of`, credits nothing.
    Duplicate {
        /// The recorded payment's id.
        payment: i64,
        /// The id of the payment first recorded with this source and reference.
        of: i64,
    },
}

/// The operator's decision on an open payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The money was sent back to the payer.
    Refunded,
    /// Nothing is to be done (a test transfer, a payment handled elsewhere).
    Ignored,
}

/// How a new order's payable amount is chosen: `amount + k × step` for the smallest `k` below
/// `steps` that is free on the card, held until `hold_until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayablePlan {
    /// The step added to the amount ([`PaymentsConfig::payable_step`](crate::PaymentsConfig::payable_step)).
    pub step: Money,
    /// How many steps may be tried ([`PaymentsConfig::payable_steps`](crate::PaymentsConfig::payable_steps)).
    pub steps: u32,
    /// Until when the chosen amount stays taken: the order's expiry plus the quarantine.
    pub hold_until: OffsetDateTime,
}

/// Where incoming payments come from. The worker pulls every source on each tick and settles
/// what it returns; `ack` tells the source those payments are durably recorded.
///
/// An embedder plugs in its own (an acquirer's API, a bank feed) and calls
/// [`Payments::settle_from`](crate::Payments::settle_from) with it. `pull` is called from a
/// blocking thread; it may do I/O.
///
/// The contract: `pull` returns the payments not yet acknowledged (returning one again is
/// harmless: the same `source` and `reference` is recorded as a duplicate and credits nothing);
/// `ack` is called once they are durably recorded, so the source may forget them. A crash
/// between the two loses nothing.
///
/// ```
/// use payments_core::{IncomingPayment, Money, PaymentSource, SourceError};
/// use std::sync::Mutex;
/// use time::OffsetDateTime;
///
/// /// Payments your code pushes in (from a webhook of your acquirer, say).
/// #[derive(Debug, Default)]
/// struct Queue(Mutex<Vec<IncomingPayment>>);
///
/// impl PaymentSource for Queue {
///     fn name(&self) -> &str {
///         "my-acquirer"
///     }
///     fn pull(&self) -> Result<Vec<IncomingPayment>, SourceError> {
///         let queue = self.0.lock().map_err(|_| SourceError("poisoned".into()))?;
///         Ok(queue.clone())
///     }
///     fn ack(&self, references: &[String]) {
///         if let Ok(mut queue) = self.0.lock() {
///             queue.retain(|p| !references.contains(&p.reference));
///         }
///     }
/// }
///
/// let queue = Queue::default();
/// let now = OffsetDateTime::now_utc();
/// queue.0.lock().unwrap().push(IncomingPayment {
///     source: queue.name().into(),
///     reference: "txn-42".into(),
///     card_last4: "6224".into(),
///     amount: Money::from_tiyin(5_000_000),
///     paid_at: Some(now),
///     received_at: now,
///     raw: None,
/// });
/// assert_eq!(queue.pull().unwrap().len(), 1);
/// queue.ack(&["txn-42".to_owned()]);
/// assert!(queue.pull().unwrap().is_empty());
/// ```
pub trait PaymentSource: Send + Sync + 'static {
    /// The source's name, recorded with each payment (`bank-feed`; `notification` and
    /// `sandbox` are the server's own).
    fn name(&self) -> &str;
    /// The payments to settle now. An error skips this source for this round; nothing is
    /// recorded.
    fn pull(&self) -> Result<Vec<IncomingPayment>, SourceError>;
    /// The payments with these references are recorded (matched, kept or duplicate).
    fn ack(&self, _references: &[String]) {}
}

/// A source could not be read this tick.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("payment source failed: {0}")]
pub struct SourceError(
    /// What went wrong, for the log.
    pub String,
);

#[cfg(test)]
mod tests {
    use super::*;

    fn c(order_id: i64, status: OrderStatus) -> Candidate {
        Candidate { order_id, status }
    }

    #[test]
    fn one_pending_candidate_is_paid_anything_else_is_kept() {
        assert_eq!(decide(&[]), Decision::Keep(Unmatched::NoOrder));
        assert_eq!(decide(&[c(7, OrderStatus::Pending)]), Decision::Pay(7));
        assert_eq!(
            decide(&[c(7, OrderStatus::Expired)]),
            Decision::Keep(Unmatched::OrderExpired)
        );
        assert_eq!(
            decide(&[c(7, OrderStatus::Cancelled)]),
            Decision::Keep(Unmatched::OrderCancelled)
        );
        assert_eq!(
            decide(&[c(7, OrderStatus::Paid)]),
            Decision::Keep(Unmatched::OrderPaid)
        );
        assert_eq!(
            decide(&[c(7, OrderStatus::Pending), c(8, OrderStatus::Pending)]),
            Decision::Keep(Unmatched::Ambiguous)
        );
    }

    #[test]
    fn minute_and_reference() {
        let t = OffsetDateTime::from_unix_timestamp(1_750_000_000 + 59).expect("t");
        let p = IncomingPayment {
            source: "x".into(),
            reference: "r".into(),
            card_last4: "6224".into(),
            amount: Money::from_tiyin(400_000),
            paid_at: None,
            received_at: t,
            raw: None,
        };
        assert_eq!(p.minute().second(), 0);
        assert_eq!(
            IncomingPayment::notification_reference("6224", p.amount, p.minute()),
            format!("6224:400000:{}", (1_750_000_000 + 59) / 60)
        );
        let (created_before, expires_not_before) = window(p.minute());
        assert_eq!(created_before - expires_not_before, Duration::minutes(1));
    }
}
