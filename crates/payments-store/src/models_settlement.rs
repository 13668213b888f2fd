//! Rows of settlement and notification: incoming payments, the outbox, delivery attempts.

use crate::models::secs;
use crate::schema::{deliveries, incoming_payments, outbox};
use diesel::prelude::*;
use payments_core::{
    Channel, IncomingPayment, Money, OrderStatus, OutboxStatus, PaymentRecord, PaymentStatus,
    StoreError, Unmatched,
};
use time::OffsetDateTime;

fn time(s: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp(s)
        .map_err(|_| StoreError::Other(format!("stored time is invalid: {s}")))
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Other(format!("stored {what} is invalid: {value}"))
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = incoming_payments)]
pub(crate) struct PaymentRow {
    id: i64,
    source: String,
    reference: String,
    duplicate_of: Option<i64>,
    card_last4: String,
    amount: i64,
    paid_at: Option<i64>,
    received_at: i64,
    status: String,
    reason: Option<String>,
    order_id: Option<i64>,
    note: Option<String>,
    raw: Option<String>,
}

impl PaymentRow {
    pub(crate) fn into_record(self) -> Result<PaymentRecord, StoreError> {
        Ok(PaymentRecord {
            id: self.id,
            status: PaymentStatus::parse(&self.status)
                .ok_or_else(|| corrupt("payment status", &self.status))?,
            reason: self.reason.as_deref().and_then(Unmatched::parse),
            source: self.source,
            reference: self.reference,
            card_last4: self.card_last4,
            amount: Money::from_tiyin(self.amount),
            paid_at: self.paid_at.map(time).transpose()?,
            received_at: time(self.received_at)?,
            order_id: self.order_id,
            duplicate_of: self.duplicate_of,
            note: self.note,
            raw: self.raw,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = incoming_payments)]
pub(crate) struct NewPaymentRow<'a> {
    source: &'a str,
    reference: &'a str,
    unique_ref: Option<String>,
    duplicate_of: Option<i64>,
    card_last4: &'a str,
    amount: i64,
    paid_at: Option<i64>,
    received_at: i64,
    status: &'static str,
    reason: Option<&'static str>,
    raw: Option<&'a str>,
}

impl<'a> NewPaymentRow<'a> {
    /// The first report of a payment (status decided later in the same transaction).
    pub(crate) fn first(p: &'a IncomingPayment) -> Self {
        NewPaymentRow::new(p, Some(unique_ref(p)), None, PaymentStatus::Unmatched)
    }

    pub(crate) fn duplicate(p: &'a IncomingPayment, of: i64) -> Self {
        NewPaymentRow::new(p, None, Some(of), PaymentStatus::Duplicate)
    }

    fn new(
        p: &'a IncomingPayment,
        unique_ref: Option<String>,
        duplicate_of: Option<i64>,
        status: PaymentStatus,
    ) -> Self {
        NewPaymentRow {
            source: &p.source,
            reference: &p.reference,
            unique_ref,
            duplicate_of,
            card_last4: &p.card_last4,
            amount: p.amount.tiyin(),
            paid_at: p.paid_at.map(secs),
            received_at: secs(p.received_at),
            status: status.as_str(),
            reason: None,
            raw: p.raw.as_deref(),
        }
    }
}

pub(crate) fn unique_ref(p: &IncomingPayment) -> String {
    format!("{}:{}", p.source, p.reference)
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub(crate) struct OutboxRow {
    pub(crate) id: i64,
    pub(crate) channel: String,
    pub(crate) event: String,
    pub(crate) order_id: i64,
    pub(crate) shop_id: i64,
    pub(crate) attempts: i32,
}

impl OutboxRow {
    pub(crate) fn channel(&self) -> Result<Channel, StoreError> {
        Channel::parse(&self.channel).ok_or_else(|| corrupt("channel", &self.channel))
    }

    pub(crate) fn event(&self) -> Result<OrderStatus, StoreError> {
        OrderStatus::from_stored(&self.event).ok_or_else(|| corrupt("event", &self.event))
    }
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
pub(crate) struct NewOutboxRow {
    channel: &'static str,
    event: &'static str,
    order_id: i64,
    shop_id: i64,
    status: &'static str,
    attempts: i32,
    next_attempt_at: i64,
    created_at: i64,
}

impl NewOutboxRow {
    pub(crate) fn new(
        channel: Channel,
        event: OrderStatus,
        order_id: i64,
        shop_id: i64,
        at: i64,
    ) -> Self {
        NewOutboxRow {
            channel: channel.as_str(),
            event: event.as_str(),
            order_id,
            shop_id,
            status: OutboxStatus::Pending.as_str(),
            attempts: 0,
            next_attempt_at: at,
            created_at: at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = deliveries)]
pub(crate) struct NewDeliveryRow<'a> {
    pub(crate) outbox_id: i64,
    pub(crate) attempt: i32,
    pub(crate) at: i64,
    pub(crate) ok: i32,
    pub(crate) status_code: Option<i32>,
    pub(crate) error: Option<&'a str>,
}
