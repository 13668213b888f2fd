//! Statements that run inside a caller's transaction, shared by every path that changes an
//! order's status (the API, the operator, settlement, expiry).

/// Performs one row of the transition table on one order inside the current transaction: the
/// conditional update, then for *pay* the credit and the ledger row, then the outbox rows the
/// policy asks for. Evaluates to `Ok(row)` when it won, `Err(current status)` when it did not;
/// diesel errors propagate with `?`.
macro_rules! transition_in_tx {
    ($c:ident, $order_id:expr, $transition:expr, $at:expr, $policy:expr) => {{
        use $crate::schema::{ledger, orders, outbox, shops};
        let transition: payments_core::Transition = $transition;
        let (order_id, at): (i64, i64) = ($order_id, $at);
        let won: Option<$crate::models::OrderRow> = diesel::update(
            orders::table
                .filter(orders::id.eq(order_id))
                .filter(orders::status.eq(transition.from().as_str())),
        )
        .set((
            orders::status.eq(transition.to().as_str()),
            orders::finished_at.eq(Some(at)),
        ))
        .returning($crate::models::OrderRow::as_returning())
        .get_result($c)
        .optional()?;
        match won {
            None => {
                let current: Option<String> = orders::table
                    .find(order_id)
                    .select(orders::status)
                    .get_result($c)
                    .optional()?;
                Err(current)
            }
            Some(row) => {
                let (shop_id, amount) = (row.shop_id(), row.amount());
                if transition == payments_core::Transition::Pay {
                    diesel::update(shops::table.find(shop_id))
                        .set(shops::balance.eq(shops::balance + amount))
                        .execute($c)?;
                    diesel::insert_into(ledger::table)
                        .values($crate::models::NewLedgerRow {
                            shop_id,
                            order_id,
                            amount,
                            created_at: at,
                        })
                        .execute($c)?;
                }
                let (callback, owner): (Option<String>, i64) = shops::table
                    .find(shop_id)
                    .select((shops::callback_url, shops::user_id))
                    .get_result($c)?;
                let rows: Vec<$crate::models_settlement::NewOutboxRow> = $policy
                    .channels(transition.to(), callback.is_some(), owner > 0)
                    .into_iter()
                    .map(|ch| {
                        $crate::models_settlement::NewOutboxRow::new(
                            ch,
                            transition.to(),
                            order_id,
                            shop_id,
                            at,
                        )
                    })
                    .collect();
                for r in &rows {
                    diesel::insert_into(outbox::table).values(r).execute($c)?;
                }
                Ok(row)
            }
        }
    }};
}

/// Takes a shop's next order number (1, 2, 3, … in the order its orders are made) and counts
/// the order, inside the current transaction; the shop's count row stays locked until commit.
/// With a count `$k`, takes the next `$k` numbers and evaluates to the last of them.
/// Evaluates to `Result<i64, diesel::result::Error>`.
macro_rules! next_shop_seq {
    ($c:ident, $shop_id:expr) => {
        next_shop_seq!($c, $shop_id, 1_i64)
    };
    ($c:ident, $shop_id:expr, $k:expr) => {{
        use $crate::schema::shop_order_counts as counts;
        let (shop_id, k): (i64, i64) = ($shop_id, $k);
        diesel::insert_into(counts::table)
            .values((counts::shop_id.eq(shop_id), counts::orders.eq(k)))
            .on_conflict(counts::shop_id)
            .do_update()
            .set(counts::orders.eq(counts::orders + k))
            .returning(counts::orders)
            .get_result::<i64>($c)
    }};
}

/// Inserts a new order with the first payable amount among `candidates` whose hold on `card` is
/// free (or has lapsed), and takes that hold — inside the current transaction. Evaluates to
/// `Ok(Some(row))`, `Ok(None)` when every candidate is held, or a diesel error.
macro_rules! insert_with_hold {
    ($c:ident, $order:expr, $card:expr, $candidates:expr, $now:expr, $hold_until:expr) => {{
        use $crate::schema::{orders, payable_holds};
        let (order, card, candidates, now, hold_until): (
            &payments_core::NewOrder,
            &String,
            &Vec<i64>,
            i64,
            i64,
        ) = ($order, $card, $candidates, $now, $hold_until);
        // Every hold on these amounts: the ones still running are taken; a lapsed one is
        // deleted when its amount is tried (and only then: one statement less per create).
        // By range (the candidates are in order), not by list: one statement whatever their
        // number, prepared once.
        let (lo, hi) = match (candidates.first(), candidates.last()) {
            (Some(&lo), Some(&hi)) => (lo, hi),
            _ => (0, -1),
        };
        let holds: Vec<(i64, i64)> = payable_holds::table
            .filter(payable_holds::card.eq(card))
            .filter(payable_holds::payable_amount.between(lo, hi))
            .select((payable_holds::payable_amount, payable_holds::hold_until))
            .load($c)?;
        let held = |p: i64| {
            holds
                .iter()
                .find(|(amount, _)| *amount == p)
                .map(|(_, until)| *until)
        };
        let mut inserted = None;
        for &payable in candidates
            .iter()
            .filter(|&&p| held(p).is_none_or(|until| until <= now))
        {
            // A savepoint per try: losing a race for a hold undoes only this try.
            let attempt = $c.transaction(|c| {
                if held(payable).is_some() {
                    diesel::delete(
                        payable_holds::table
                            .filter(payable_holds::card.eq(card))
                            .filter(payable_holds::payable_amount.eq(payable))
                            .filter(payable_holds::hold_until.le(now)),
                    )
                    .execute(c)?;
                }
                // The shop's next order number first, then the order: the count row stays
                // locked until commit, so one shop's numbers follow its ids.
                let seq = next_shop_seq!(c, order.shop_id.get())?;
                let row: $crate::models::OrderRow = diesel::insert_into(orders::table)
                    .values($crate::models::NewOrderRow::new(order, payable, seq))
                    .returning($crate::models::OrderRow::as_returning())
                    .get_result(c)?;
                diesel::insert_into(payable_holds::table)
                    .values((
                        payable_holds::card.eq(card),
                        payable_holds::payable_amount.eq(payable),
                        payable_holds::hold_until.eq(hold_until),
                        payable_holds::order_id.eq(row.id()),
                    ))
                    .execute(c)?;
                Ok(row)
            });
            match attempt {
                Ok(row) => {
                    inserted = Some(row);
                    break;
                }
                Err(e) if $crate::store::is_hold_conflict(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok::<_, diesel::result::Error>(inserted)
    }};
}
