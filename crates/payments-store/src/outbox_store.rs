//! The outbox in the database: claiming due notifications (with `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, so several servers share the work without sending one twice at once), logging
//! attempts, the delivery log and manual redelivery.

use crate::DieselStore;
use crate::conn::WriteTx;
use crate::connect::Pools;
use crate::errors::{from_diesel, from_pool};
use crate::models::{OrderRow, ShopRow, secs};
use crate::models_settlement::{NewDeliveryRow, OutboxRow};
use crate::schema::{deliveries, orders, outbox, shops};
use diesel::prelude::*;
use payments_core::{DeliveryAttempt, DeliveryLog, OutboxItem, OutboxStatus, ShopId, StoreError};
use time::OffsetDateTime;

const PENDING: &str = "pending";

impl DieselStore {
    pub(crate) fn claim(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let (now, lease) = (secs(now), secs(lease_until));
        let limit = i64::from(limit);
        // The claim: due rows get their next attempt moved to the lease's end, so no other
        // process takes them until this one has reported (or died and the lease ran out).
        let rows: Vec<OutboxRow> = match &self.pools {
            Pools::Postgres(pool) => {
                let mut conn = pool.get().map_err(from_pool)?;
                conn.write_tx(|c| {
                    let ids: Vec<i64> = outbox::table
                        .filter(outbox::status.eq(PENDING))
                        .filter(outbox::next_attempt_at.le(now))
                        .order(outbox::id)
                        .limit(limit)
                        .select(outbox::id)
                        .for_update()
                        .skip_locked()
                        .load(c)?;
                    diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
                        .set(outbox::next_attempt_at.eq(lease))
                        .returning(OutboxRow::as_returning())
                        .get_results(c)
                })
                .map_err(from_diesel)?
            }
            Pools::Sqlite(pool) => {
                let mut conn = pool.get().map_err(from_pool)?;
                // BEGIN IMMEDIATE: one writer at a time, so the claim is exclusive already.
                conn.write_tx(|c| {
                    let ids: Vec<i64> = outbox::table
                        .filter(outbox::status.eq(PENDING))
                        .filter(outbox::next_attempt_at.le(now))
                        .order(outbox::id)
                        .limit(limit)
                        .select(outbox::id)
                        .load(c)?;
                    diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
                        .set(outbox::next_attempt_at.eq(lease))
                        .returning(OutboxRow::as_returning())
                        .get_results(c)
                })
                .map_err(from_diesel)?
            }
        };
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let (order, shop) = with_conn!(self, |conn| {
                let order: OrderRow = orders::table
                    .find(row.order_id)
                    .select(OrderRow::as_select())
                    .get_result(conn)
                    .map_err(from_diesel)?;
                let shop: ShopRow = shops::table
                    .find(row.shop_id)
                    .select(ShopRow::as_select())
                    .get_result(conn)
                    .map_err(from_diesel)?;
                Ok::<_, StoreError>((order, shop))
            })?;
            items.push(OutboxItem {
                id: row.id,
                channel: row.channel()?,
                event: row.event()?,
                attempts: u32::try_from(row.attempts).unwrap_or(0),
                order: order.into_order()?,
                shop: shop.into_shop()?,
            });
        }
        Ok(items)
    }

    pub(crate) fn record_attempt(
        &self,
        outbox_id: i64,
        attempt: &DeliveryAttempt,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError> {
        let at = secs(attempt.at);
        let status = match (attempt.ok, retry_at) {
            (true, _) => OutboxStatus::Sent,
            (false, Some(_)) => OutboxStatus::Pending,
            (false, None) => OutboxStatus::Failed,
        };
        let next = retry_at.map(secs).unwrap_or(at);
        let error = attempt.error.as_deref().map(|e| truncate(e, 500));
        with_conn!(self, |conn| {
            conn.write_tx(|c| {
                let attempts: i32 = diesel::update(outbox::table.find(outbox_id))
                    .set((
                        outbox::attempts.eq(outbox::attempts + 1),
                        outbox::status.eq(status.as_str()),
                        outbox::next_attempt_at.eq(next),
                        outbox::last_error.eq(error),
                        outbox::sent_at.eq(attempt.ok.then_some(at)),
                    ))
                    .returning(outbox::attempts)
                    .get_result(c)?;
                diesel::insert_into(deliveries::table)
                    .values(NewDeliveryRow {
                        outbox_id,
                        attempt: attempts,
                        at,
                        ok: i32::from(attempt.ok),
                        status_code: attempt.status_code.map(i32::from),
                        error,
                    })
                    .execute(c)
                    .map(|_| ())
            })
            .map_err(from_diesel)
        })
    }

    pub(crate) fn delivery_log(
        &self,
        shop: ShopId,
        limit: u32,
    ) -> Result<Vec<DeliveryLog>, StoreError> {
        type Line = (
            i64,
            String,
            String,
            String,
            i32,
            i64,
            i32,
            Option<i32>,
            Option<String>,
            String,
        );
        let rows: Vec<Line> = with_conn!(self, |conn| {
            deliveries::table
                .inner_join(outbox::table.inner_join(orders::table))
                .filter(outbox::shop_id.eq(shop.get()))
                .order(deliveries::id.desc())
                .limit(i64::from(limit))
                .select((
                    outbox::id,
                    outbox::channel,
                    outbox::event,
                    outbox::status,
                    deliveries::attempt,
                    deliveries::at,
                    deliveries::ok,
                    deliveries::status_code,
                    deliveries::error,
                    orders::code,
                ))
                .load(conn)
                .map_err(from_diesel)
        })?;
        rows.into_iter()
            .map(
                |(outbox_id, channel, event, status, attempt, at, ok, code, error, order_code)| {
                    let bad = |what: &str| StoreError::Other(format!("stored {what} is invalid"));
                    Ok(DeliveryLog {
                        outbox_id,
                        channel: payments_core::Channel::parse(&channel)
                            .ok_or_else(|| bad("channel"))?,
                        event: payments_core::OrderStatus::from_stored(&event)
                            .ok_or_else(|| bad("event"))?,
                        outbox_status: OutboxStatus::parse(&status)
                            .ok_or_else(|| bad("outbox status"))?,
                        order_code,
                        attempt: u32::try_from(attempt).unwrap_or(0),
                        at: OffsetDateTime::from_unix_timestamp(at).map_err(|_| bad("time"))?,
                        ok: ok != 0,
                        status_code: code.and_then(|c| u16::try_from(c).ok()),
                        error,
                    })
                },
            )
            .collect()
    }

    pub(crate) fn requeue(
        &self,
        shop: ShopId,
        outbox_id: i64,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let now = secs(now);
        with_conn!(self, |conn| {
            diesel::update(
                outbox::table
                    .filter(outbox::id.eq(outbox_id))
                    .filter(outbox::shop_id.eq(shop.get())),
            )
            .set((outbox::status.eq(PENDING), outbox::next_attempt_at.eq(now)))
            .execute(conn)
            .map(|n| n == 1)
            .map_err(from_diesel)
        })
    }

    pub(crate) fn backlog(&self) -> Result<u64, StoreError> {
        with_conn!(self, |conn| {
            outbox::table
                .filter(outbox::status.eq(PENDING))
                .count()
                .get_result::<i64>(conn)
                .map(i64::unsigned_abs)
                .map_err(from_diesel)
        })
    }
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}
