//! Settlement in the database: recording incoming payments, matching them to orders, and the
//! operator's review, each in one transaction.

use crate::DieselStore;
use crate::conn::WriteTx;
use crate::errors::from_diesel;
use crate::models::secs;
use crate::models_settlement::{NewPaymentRow, PaymentRow, unique_ref};
use crate::schema::{incoming_payments, orders};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use payments_core::settlement::{Candidate, Decision, decide, window};
use payments_core::{
    Attached, IncomingPayment, NotifyPolicy, OrderStatus, PaymentRecord, PaymentStatus, Resolution,
    Settlement, StoreError, Transition, Unmatched,
};
use time::OffsetDateTime;

/// Records what settlement decided about a payment row (inside the caller's transaction).
macro_rules! mark {
    ($c:ident, $id:expr, $status:expr, $reason:expr, $order_id:expr, $at:expr) => {{
        let status: PaymentStatus = $status;
        let reason: Option<Unmatched> = $reason;
        let resolved = (status == PaymentStatus::Matched).then_some($at);
        diesel::update(incoming_payments::table.filter(incoming_payments::id.eq($id)))
            .set((
                incoming_payments::status.eq(status.as_str()),
                incoming_payments::reason.eq(reason.map(Unmatched::as_str)),
                incoming_payments::order_id.eq($order_id),
                incoming_payments::resolved_at.eq(resolved),
            ))
            .execute($c)
    }};
}

/// Why an operator's action on a payment did not apply: it is gone or no longer open.
macro_rules! not_open {
    ($c:ident, $payment_id:expr) => {{
        let status: Option<String> = incoming_payments::table
            .find($payment_id)
            .select(incoming_payments::status)
            .get_result($c)
            .optional()?;
        match status.as_deref().and_then(PaymentStatus::parse) {
            Some(s) => Attached::PaymentNotOpen(s),
            None => Attached::Missing,
        }
    }};
}

/// What the settling transaction decided, before rows become domain values.
enum Outcome {
    Matched(i64, crate::models::OrderRow),
    Kept(i64, Unmatched),
    Duplicate(i64, i64),
}

impl DieselStore {
    pub(crate) fn settle_payment(
        &self,
        payment: &IncomingPayment,
        policy: &NotifyPolicy,
    ) -> Result<Settlement, StoreError> {
        // Two reports of one payment racing: the loser's insert hits the unique reference and
        // its whole transaction rolls back; the retry then records it as a duplicate.
        let mut tries = 0;
        loop {
            match self.settle_once(payment, policy) {
                Err(StoreError::Conflict(_)) if tries < 3 => tries += 1,
                other => return other,
            }
        }
    }

    fn settle_once(
        &self,
        payment: &IncomingPayment,
        policy: &NotifyPolicy,
    ) -> Result<Settlement, StoreError> {
        let key = unique_ref(payment);
        let (created_before, expires_not_before) = window(payment.minute());
        let (created_before, expires_not_before) = (secs(created_before), secs(expires_not_before));
        let at = secs(payment.received_at);
        with_conn!(self, |conn| {
            let outcome = conn.write_tx(|c| {
                let earlier: Option<i64> = incoming_payments::table
                    .filter(incoming_payments::unique_ref.eq(&key))
                    .select(incoming_payments::id)
                    .get_result(c)
                    .optional()?;
                if let Some(of) = earlier {
                    let id: i64 = diesel::insert_into(incoming_payments::table)
                        .values(NewPaymentRow::duplicate(payment, of))
                        .returning(incoming_payments::id)
                        .get_result(c)?;
                    return Ok(Outcome::Duplicate(id, of));
                }
                let id: i64 = diesel::insert_into(incoming_payments::table)
                    .values(NewPaymentRow::first(payment))
                    .returning(incoming_payments::id)
                    .get_result(c)?;
                let candidates: Vec<(i64, String)> = orders::table
                    .filter(orders::card_last4.eq(&payment.card_last4))
                    .filter(orders::payable_amount.eq(payment.amount.tiyin()))
                    .filter(orders::expires_at.ge(expires_not_before))
                    .filter(orders::created_at.lt(created_before))
                    .select((orders::id, orders::status))
                    .load(c)?;
                let candidates: Vec<Candidate> = candidates
                    .into_iter()
                    .filter_map(|(order_id, s)| {
                        OrderStatus::from_stored(&s).map(|status| Candidate { order_id, status })
                    })
                    .collect();
                let single = match candidates.as_slice() {
                    [one] => Some(one.order_id),
                    _ => None,
                };
                let reason = match decide(&candidates) {
                    Decision::Pay(order_id) => {
                        match transition_in_tx!(c, order_id, Transition::Pay, at, policy) {
                            Ok(row) => {
                                mark!(c, id, PaymentStatus::Matched, None, Some(order_id), at)?;
                                return Ok(Outcome::Matched(id, row));
                            }
                            // Changed since it was read (a racing cancel or sweep): keep for review.
                            Err(current) => {
                                match current.as_deref().and_then(OrderStatus::from_stored) {
                                    Some(OrderStatus::Paid) => Unmatched::OrderPaid,
                                    Some(OrderStatus::Cancelled) => Unmatched::OrderCancelled,
                                    _ => Unmatched::OrderExpired,
                                }
                            }
                        }
                    }
                    Decision::Keep(reason) => reason,
                };
                mark!(c, id, PaymentStatus::Unmatched, Some(reason), single, at)?;
                Ok(Outcome::Kept(id, reason))
            });
            match outcome.map_err(from_diesel)? {
                Outcome::Matched(payment, row) => Ok(Settlement::Matched {
                    payment,
                    order: row.into_order()?,
                }),
                Outcome::Kept(payment, reason) => Ok(Settlement::Unmatched { payment, reason }),
                Outcome::Duplicate(payment, of) => Ok(Settlement::Duplicate { payment, of }),
            }
        })
    }

    pub(crate) fn payments_with(
        &self,
        status: PaymentStatus,
        limit: u32,
    ) -> Result<Vec<PaymentRecord>, StoreError> {
        with_conn!(self, |conn| {
            incoming_payments::table
                .filter(incoming_payments::status.eq(status.as_str()))
                .order(incoming_payments::id)
                .limit(i64::from(limit))
                .select(PaymentRow::as_select())
                .load(conn)
                .map_err(from_diesel)?
                .into_iter()
                .map(PaymentRow::into_record)
                .collect()
        })
    }

    pub(crate) fn payment_by_id(&self, id: i64) -> Result<Option<PaymentRecord>, StoreError> {
        with_conn!(self, |conn| {
            incoming_payments::table
                .find(id)
                .select(PaymentRow::as_select())
                .get_result(conn)
                .optional()
                .map_err(from_diesel)?
                .map(PaymentRow::into_record)
                .transpose()
        })
    }

    pub(crate) fn attach(
        &self,
        payment_id: i64,
        order_id: i64,
        at: OffsetDateTime,
        policy: &NotifyPolicy,
    ) -> Result<Attached, StoreError> {
        let at = secs(at);
        let open = [
            PaymentStatus::Unmatched.as_str(),
            PaymentStatus::Duplicate.as_str(),
        ];
        with_conn!(self, |conn| {
            let mut refused: Option<Attached> = None;
            let outcome = conn.write_tx(|c| {
                let claimed = diesel::update(
                    incoming_payments::table
                        .filter(incoming_payments::id.eq(payment_id))
                        .filter(incoming_payments::status.eq_any(open)),
                )
                .set((
                    incoming_payments::status.eq(PaymentStatus::Matched.as_str()),
                    incoming_payments::order_id.eq(Some(order_id)),
                    incoming_payments::reason.eq(None::<String>),
                    incoming_payments::resolved_at.eq(Some(at)),
                ))
                .execute(c)?;
                if claimed == 0 {
                    refused = Some(not_open!(c, payment_id));
                    return Err(DieselError::RollbackTransaction);
                }
                match transition_in_tx!(c, order_id, Transition::Pay, at, policy) {
                    Ok(row) => Ok(row),
                    Err(current) => {
                        refused = Some(
                            match current.as_deref().and_then(OrderStatus::from_stored) {
                                Some(status) => Attached::OrderRefused(status),
                                None => Attached::Missing,
                            },
                        );
                        Err(DieselError::RollbackTransaction)
                    }
                }
            });
            match (outcome, refused) {
                (Ok(row), _) => {
                    let payment = self
                        .payment_by_id(payment_id)?
                        .ok_or_else(|| StoreError::Other("payment vanished".into()))?;
                    Ok(Attached::Done(
                        Box::new(payment),
                        Some(Box::new(row.into_order()?)),
                    ))
                }
                (Err(DieselError::RollbackTransaction), Some(refused)) => Ok(refused),
                (Err(e), _) => Err(from_diesel(e)),
            }
        })
    }

    pub(crate) fn resolve(
        &self,
        payment_id: i64,
        resolution: Resolution,
        note: &str,
        at: OffsetDateTime,
    ) -> Result<Attached, StoreError> {
        let at = secs(at);
        let status = match resolution {
            Resolution::Refunded => PaymentStatus::Refunded,
            Resolution::Ignored => PaymentStatus::Ignored,
        };
        let open = [
            PaymentStatus::Unmatched.as_str(),
            PaymentStatus::Duplicate.as_str(),
        ];
        let done = with_conn!(self, |conn| {
            conn.write_tx(|c| {
                let n = diesel::update(
                    incoming_payments::table
                        .filter(incoming_payments::id.eq(payment_id))
                        .filter(incoming_payments::status.eq_any(open)),
                )
                .set((
                    incoming_payments::status.eq(status.as_str()),
                    incoming_payments::note.eq(Some(note)),
                    incoming_payments::resolved_at.eq(Some(at)),
                ))
                .execute(c)?;
                if n == 1 {
                    Ok(None)
                } else {
                    Ok(Some(not_open!(c, payment_id)))
                }
            })
            .map_err(from_diesel)
        })?;
        match done {
            Some(refused) => Ok(refused),
            None => {
                let payment = self
                    .payment_by_id(payment_id)?
                    .ok_or_else(|| StoreError::Other("payment vanished".into()))?;
                Ok(Attached::Done(Box::new(payment), None))
            }
        }
    }
}
