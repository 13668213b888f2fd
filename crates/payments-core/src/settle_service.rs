//! The services of settlement and notification: recording and matching incoming payments, the
//! operator's review, the outbox.

use crate::{
    Attached, DeliveryAttempt, DeliveryLog, IncomingPayment, Order, OrderCode, OrderStatus,
    OutboxItem, PayToken, PaymentError, PaymentRecord, PaymentSource, PaymentStatus, Payments,
    Resolution, Settlement, ShopId, Transition, TransitionRefused, outbox,
};
use time::OffsetDateTime;

/// What one pull of a source came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullReport {
    /// Payments that paid an order.
    pub matched: usize,
    /// Payments kept for review.
    pub unmatched: usize,
    /// Payments seen before (credit nothing).
    pub duplicates: usize,
}

impl Payments {
    /// Records a payment and settles it (see [`Store::settle`](crate::Store::settle)).
    ///
    /// One transaction: the payment is recorded and, when exactly one pending order on its
    /// card carries its amount as payable amount in its time window, that order is paid and its
    /// shop credited (the order's requested amount). Otherwise the payment is kept for the
    /// operator ([`Settlement::Unmatched`]) or, seen before, recorded as a
    /// [`Settlement::Duplicate`]. Never credits twice.
    pub fn settle(&self, payment: &IncomingPayment) -> Result<Settlement, PaymentError> {
        Ok(self
            .inner
            .store
            .settle(payment, &self.inner.config.notify)?)
    }

    /// Pulls one source and settles what it returns; acknowledges what was recorded.
    ///
    /// A failed pull is reported as [`StoreError::Unavailable`](crate::StoreError::Unavailable)
    /// (try again later). If settling one payment fails, the call stops there and acknowledges
    /// nothing: the next pull returns those payments again, and the ones already recorded come
    /// back as duplicates.
    pub fn settle_from(&self, source: &dyn PaymentSource) -> Result<PullReport, PaymentError> {
        let payments = source.pull().map_err(|e| {
            PaymentError::Store(crate::StoreError::Unavailable(format!(
                "{}: {e}",
                source.name()
            )))
        })?;
        let mut report = PullReport::default();
        let mut recorded = Vec::with_capacity(payments.len());
        for payment in &payments {
            match self.settle(payment)? {
                Settlement::Matched { .. } => report.matched += 1,
                Settlement::Unmatched { .. } => report.unmatched += 1,
                Settlement::Duplicate { .. } => report.duplicates += 1,
            }
            recorded.push(payment.reference.clone());
        }
        if !recorded.is_empty() {
            source.ack(&recorded);
        }
        Ok(report)
    }

    /// The sandbox (demo mode): the payer "sends" exactly the payable amount to the card, now.
    /// Goes through the same matching as a real payment.
    pub fn sandbox_pay(&self, token: &PayToken) -> Result<Settlement, PaymentError> {
        let order = self.order_by_token(token)?.order;
        let now = self.now();
        let card_last4 = order
            .card
            .as_ref()
            .map(|c| c.last4().to_owned())
            .unwrap_or_default();
        let payment = IncomingPayment {
            source: "sandbox".into(),
            reference: format!("sandbox:{}", order.id),
            card_last4,
            amount: order.payable_amount,
            paid_at: Some(now),
            received_at: now,
            raw: None,
        };
        self.settle(&payment)
    }

    /// Recorded payments with a status, oldest first.
    pub fn payments(
        &self,
        status: PaymentStatus,
        limit: u32,
    ) -> Result<Vec<PaymentRecord>, PaymentError> {
        Ok(self.inner.store.payments(status, limit)?)
    }

    /// A recorded payment by id; [`PaymentError::PaymentNotFound`] if there is none.
    pub fn payment(&self, id: i64) -> Result<PaymentRecord, PaymentError> {
        self.inner
            .store
            .payment(id)?
            .ok_or(PaymentError::PaymentNotFound)
    }

    /// The operator attaches an open payment to a pending order, which settles it.
    pub fn attach_payment(
        &self,
        payment_id: i64,
        code: &OrderCode,
    ) -> Result<(PaymentRecord, Order), PaymentError> {
        let order = self.order(code)?.order;
        let policy = self.inner.config.notify;
        match self
            .inner
            .store
            .attach_payment(payment_id, order.id, self.now(), &policy)?
        {
            Attached::Done(payment, Some(order)) => Ok((*payment, *order)),
            Attached::Done(..) | Attached::Missing => Err(PaymentError::PaymentNotFound),
            Attached::PaymentNotOpen(status) => Err(PaymentError::PaymentNotOpen(status)),
            Attached::OrderRefused(current) => Err(TransitionRefused {
                current,
                transition: Transition::Pay,
            }
            .into()),
        }
    }

    /// The operator closes an open payment as refunded or ignored.
    pub fn resolve_payment(
        &self,
        payment_id: i64,
        resolution: Resolution,
        note: &str,
    ) -> Result<PaymentRecord, PaymentError> {
        match self
            .inner
            .store
            .resolve_payment(payment_id, resolution, note, self.now())?
        {
            Attached::Done(payment, _) => Ok(*payment),
            Attached::PaymentNotOpen(status) => Err(PaymentError::PaymentNotOpen(status)),
            Attached::OrderRefused(_) | Attached::Missing => Err(PaymentError::PaymentNotFound),
        }
    }

    /// Notifications due now, reserved for this process for [`outbox::CLAIM_LEASE`].
    pub fn claim_outbox(&self, limit: u32) -> Result<Vec<OutboxItem>, PaymentError> {
        let now = self.now();
        Ok(self
            .inner
            .store
            .claim_outbox(now, now + outbox::CLAIM_LEASE, limit)?)
    }

    /// Logs an attempt to send `item` and schedules what follows: nothing after a success, the
    /// next retry after a failure, or failed for good when the schedule is spent.
    pub fn record_delivery(
        &self,
        item: &OutboxItem,
        ok: bool,
        status_code: Option<u16>,
        error: Option<String>,
    ) -> Result<(), PaymentError> {
        let now = self.now();
        let attempt = DeliveryAttempt {
            at: now,
            ok,
            status_code,
            error,
        };
        let retry_at = if ok {
            None
        } else {
            outbox::next_attempt(item.attempts + 1, now)
        };
        Ok(self
            .inner
            .store
            .record_delivery(item.id, &attempt, retry_at)?)
    }

    /// A shop's most recent delivery attempts, newest first.
    pub fn deliveries(&self, shop: ShopId, limit: u32) -> Result<Vec<DeliveryLog>, PaymentError> {
        Ok(self.inner.store.deliveries(shop, limit)?)
    }

    /// Sends a shop's notification again (on the next worker tick).
    pub fn redeliver(&self, shop: ShopId, outbox_id: i64) -> Result<(), PaymentError> {
        if self.inner.store.redeliver(shop, outbox_id, self.now())? {
            Ok(())
        } else {
            Err(PaymentError::OrderNotFound)
        }
    }

    /// How many notifications are not yet sent.
    pub fn outbox_backlog(&self) -> Result<u64, PaymentError> {
        Ok(self.inner.store.outbox_backlog()?)
    }

    /// Paid orders for export, oldest first.
    pub fn paid_orders(
        &self,
        shop: Option<ShopId>,
        since: Option<OffsetDateTime>,
    ) -> Result<Vec<Order>, PaymentError> {
        let orders = self.inner.store.paid_orders(shop, since)?;
        debug_assert!(orders.iter().all(|o| o.status == OrderStatus::Paid));
        Ok(orders)
    }
}
