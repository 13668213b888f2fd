//! Creates, many in a few statements: what the group-commit writer (`group_commit`) runs for
//! each batch of waiting creates.
//!
//! A batch costs a few statements whatever its size, where creating its orders one by one took
//! eight each (two savepoints among them):
//!
//! - SQLite (in process, where a statement costs its work, not a round trip): in one
//!   `BEGIN IMMEDIATE` transaction, one prepared range read of the holds per create, one count
//!   per shop, one multi-row insert of the orders and one of their holds.
//! - PostgreSQL (where every statement is a round trip, and `BEGIN` and `COMMIT` are two more):
//!   one read of the holds, then **one** statement that takes the shops' order numbers, inserts
//!   the orders and takes their holds, atomic on its own. Both are functions of the migration
//!   `create_batch` taking arrays, so the server plans them once per connection.
//!
//! The amounts are chosen from what the read saw. On SQLite nothing can change under it (the
//! writer holds the write lock); on PostgreSQL another server's writer may take one of the same
//! holds in between. Then the batch fails as a whole, nothing of it written, and its creates
//! are run one at a time by `create_one`, which tries each candidate in a savepoint of its own.

use crate::models::{NewOrderRow, OrderColumns, OrderRow};
use diesel::connection::Connection;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::{Array, BigInt, Nullable, Text};
use payments_core::NewOrder;
use std::collections::{HashMap, HashSet};

/// A create waiting for the writer.
pub(crate) struct CreateJob {
    pub(crate) order: NewOrder,
    /// The payable amount to take on the shop's card; `None` for a shop without a card, whose
    /// orders are payable at their amount.
    pub(crate) hold: Option<HoldPlan>,
}

/// Which payable amounts an order may take on its card, and until when.
pub(crate) struct HoldPlan {
    pub(crate) card: String,
    /// `amount + k × step` for `k` in `0..steps`, ascending.
    pub(crate) candidates: Vec<i64>,
    pub(crate) now: i64,
    pub(crate) hold_until: i64,
}

impl HoldPlan {
    /// The range the candidates lie in (they are in order).
    fn range(&self) -> (i64, i64) {
        match (self.candidates.first(), self.candidates.last()) {
            (Some(&lo), Some(&hi)) => (lo, hi),
            _ => (0, -1),
        }
    }
}

/// A hold as the batch's read sees it.
#[derive(QueryableByName)]
pub(crate) struct HeldRow {
    #[diesel(sql_type = Text)]
    card: String,
    #[diesel(sql_type = BigInt)]
    payable_amount: i64,
    #[diesel(sql_type = BigInt)]
    hold_until: i64,
}

/// A hold the SQLite batch takes: card, payable amount, until, order id.
type NewHold<'a> = (&'a str, i64, i64, i64);

/// A hold the SQLite batch's insert took (only counted).
#[derive(QueryableByName)]
struct TakenRow {
    #[diesel(sql_type = BigInt)]
    #[allow(dead_code)]
    payable_amount: i64,
}

/// A writer connection's two ways to create orders.
pub(crate) trait CreateWriter: Connection + Send + 'static {
    /// Creates every job's order and commits: `Some(row)` per job in order, `None` where every
    /// payable amount of its card is held. On failure nothing of the batch was written (unless
    /// the connection was lost, when that is unknown).
    fn create_batch(&mut self, jobs: &[&CreateJob]) -> Result<Vec<Option<OrderRow>>, DieselError>;

    /// Creates one job's order in a transaction of its own, trying its candidates one by one
    /// (each in a savepoint), so that losing a hold to another writer only moves it on to the
    /// next amount.
    fn create_one(&mut self, job: &CreateJob) -> Result<Option<OrderRow>, DieselError>;
}

/// Per job, its payable amount, or `None` when none is free: the first candidate not held (or
/// whose hold has lapsed by the batch's [`batch_now`], as the write will judge it) and not taken
/// by an earlier create of the batch.
fn choose_amounts(jobs: &[&CreateJob], held: &[HeldRow]) -> Vec<Option<i64>> {
    let now = batch_now(jobs);
    let held_until: HashMap<(&str, i64), i64> = held
        .iter()
        .map(|h| ((h.card.as_str(), h.payable_amount), h.hold_until))
        .collect();
    let mut chosen: HashSet<(&str, i64)> = HashSet::new();
    jobs.iter()
        .map(|job| match &job.hold {
            None => Some(job.order.amount.tiyin()),
            Some(plan) => {
                let pick = plan.candidates.iter().copied().find(|&p| {
                    let key = (plan.card.as_str(), p);
                    !chosen.contains(&key) && held_until.get(&key).is_none_or(|&until| until <= now)
                });
                if let Some(p) = pick {
                    chosen.insert((plan.card.as_str(), p));
                }
                pick
            }
        })
        .collect()
}

/// The rows a batch inserted, by order code (an insert returns them in no promised order).
fn by_code(rows: Vec<OrderRow>) -> HashMap<String, OrderRow> {
    rows.into_iter()
        .map(|row| (row.code().to_owned(), row))
        .collect()
}

/// Each job's order, in the jobs' order: `None` for those that got no amount.
fn in_job_order(
    jobs: &[&CreateJob],
    amounts: &[Option<i64>],
    mut inserted: HashMap<String, OrderRow>,
) -> Vec<Option<OrderRow>> {
    jobs.iter()
        .zip(amounts)
        .map(|(job, amount)| amount.and_then(|_| inserted.remove(job.order.codes.code.as_str())))
        .collect()
}

/// A hold counts as lapsed for a batch only if it has for the batch's earliest create.
fn batch_now(jobs: &[&CreateJob]) -> i64 {
    jobs.iter()
        .filter_map(|j| j.hold.as_ref().map(|p| p.now))
        .min()
        .unwrap_or(0)
}

/// One create alone, the same on both backends.
macro_rules! create_one_body {
    ($c:ident, $job:ident) => {{
        let order = &$job.order;
        match &$job.hold {
            // No card, nothing to match on: the payable amount is the amount.
            None => {
                let seq = next_shop_seq!($c, order.shop_id.get())?;
                diesel::insert_into(crate::schema::orders::table)
                    .values(NewOrderRow::new(order, order.amount.tiyin(), seq))
                    .returning(OrderRow::as_returning())
                    .get_result($c)
                    .map(Some)
            }
            Some(plan) => insert_with_hold!(
                $c,
                order,
                &plan.card,
                &plan.candidates,
                plan.now,
                plan.hold_until
            ),
        }
    }};
}

/// The upsert that takes a hold: a lapsed one is replaced, a running one is not.
const TAKE_HOLD: &str = "ON CONFLICT (card, payable_amount) DO UPDATE \
     SET hold_until = excluded.hold_until, order_id = excluded.order_id \
     WHERE payable_holds.hold_until <= ";

impl CreateWriter for diesel::sqlite::SqliteConnection {
    fn create_batch(&mut self, jobs: &[&CreateJob]) -> Result<Vec<Option<OrderRow>>, DieselError> {
        self.immediate_transaction(|c| sqlite_batch(c, jobs))
    }

    fn create_one(&mut self, job: &CreateJob) -> Result<Option<OrderRow>, DieselError> {
        self.immediate_transaction(|c| create_one_body!(c, job))
    }
}

/// The SQLite batch, inside its transaction.
fn sqlite_batch(
    c: &mut diesel::sqlite::SqliteConnection,
    jobs: &[&CreateJob],
) -> Result<Vec<Option<OrderRow>>, DieselError> {
    use crate::schema::{orders, payable_holds as h};

    // 1. The holds on each create's candidates: a prepared range read each.
    let mut held = Vec::new();
    for plan in jobs.iter().filter_map(|j| j.hold.as_ref()) {
        let (lo, hi) = plan.range();
        let rows: Vec<(String, i64, i64)> = h::table
            .filter(h::card.eq(&plan.card))
            .filter(h::payable_amount.between(lo, hi))
            .select((h::card, h::payable_amount, h::hold_until))
            .load(c)?;
        held.extend(
            rows.into_iter()
                .map(|(card, payable_amount, hold_until)| HeldRow {
                    card,
                    payable_amount,
                    hold_until,
                }),
        );
    }
    let amounts = choose_amounts(jobs, &held);

    // 2. The shops' order numbers, `k` at once per shop.
    let mut per_shop: Vec<(i64, i64)> = Vec::new();
    for (job, amount) in jobs.iter().zip(&amounts) {
        if amount.is_some() {
            let shop = job.order.shop_id.get();
            match per_shop.iter_mut().find(|(s, _)| *s == shop) {
                Some((_, k)) => *k += 1,
                None => per_shop.push((shop, 1)),
            }
        }
    }
    // Shop → the next number to hand out.
    let mut next: HashMap<i64, i64> = HashMap::new();
    for &(shop, k) in &per_shop {
        let last = next_shop_seq!(c, shop, k)?;
        next.insert(shop, last - k + 1);
    }

    // 3. The orders, numbered in the batch's order (so a shop's numbers follow its ids).
    let mut rows = Vec::new();
    for (job, amount) in jobs.iter().zip(&amounts) {
        if let Some(payable) = *amount {
            let shop = job.order.shop_id.get();
            let seq = next.get(&shop).copied().unwrap_or(1);
            next.insert(shop, seq + 1);
            rows.push(NewOrderRow::new(&job.order, payable, seq));
        }
    }
    let inserted = if rows.is_empty() {
        HashMap::new()
    } else {
        by_code(
            diesel::insert_into(orders::table)
                .values(&rows)
                .returning(OrderRow::as_returning())
                .get_results::<OrderRow>(c)?,
        )
    };

    // 4. Their holds.
    let mut holds: Vec<NewHold<'_>> = Vec::new();
    for (job, amount) in jobs.iter().zip(&amounts) {
        if let (Some(plan), Some(payable)) = (&job.hold, *amount) {
            let id = inserted
                .get(job.order.codes.code.as_str())
                .map(OrderRow::id)
                .ok_or(DieselError::NotFound)?;
            holds.push((plan.card.as_str(), payable, plan.hold_until, id));
        }
    }
    if !holds.is_empty() {
        let mut sql = String::from(
            "INSERT INTO payable_holds (card, payable_amount, hold_until, order_id) VALUES ",
        );
        for i in 0..holds.len() {
            sql.push_str(if i == 0 {
                "(?, ?, ?, ?)"
            } else {
                ", (?, ?, ?, ?)"
            });
        }
        sql.push(' ');
        sql.push_str(TAKE_HOLD);
        sql.push_str("? RETURNING payable_amount");
        let mut query = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
        for &(card, payable, until, id) in &holds {
            query = query
                .bind::<Text, _>(card)
                .bind::<BigInt, _>(payable)
                .bind::<BigInt, _>(until)
                .bind::<BigInt, _>(id);
        }
        let taken = query
            .bind::<BigInt, _>(batch_now(jobs))
            .load::<TakenRow>(c)?;
        if taken.len() != holds.len() {
            // Cannot happen under the write lock; if it does, the creates run one by one.
            return Err(DieselError::RollbackTransaction);
        }
    }

    Ok(in_job_order(jobs, &amounts, inserted))
}

impl CreateWriter for diesel::pg::PgConnection {
    fn create_batch(&mut self, jobs: &[&CreateJob]) -> Result<Vec<Option<OrderRow>>, DieselError> {
        // 1. The holds on each create's candidates, read outside a transaction: what they
        // decide is checked again by the write, which takes each hold only if still free.
        let plans: Vec<&HoldPlan> = jobs.iter().filter_map(|j| j.hold.as_ref()).collect();
        let held: Vec<HeldRow> = if plans.is_empty() {
            Vec::new()
        } else {
            let cards: Vec<&str> = plans.iter().map(|p| p.card.as_str()).collect();
            let (los, his): (Vec<i64>, Vec<i64>) = plans.iter().map(|p| p.range()).unzip();
            diesel::sql_query("SELECT * FROM kassa_holds_on($1, $2, $3)")
                .bind::<Array<Text>, _>(cards)
                .bind::<Array<BigInt>, _>(los)
                .bind::<Array<BigInt>, _>(his)
                .load(self)?
        };
        let amounts = choose_amounts(jobs, &held);

        // 2. The write, one statement (so one transaction): numbers, orders, holds.
        let mut rows = Vec::new();
        let mut until = Vec::new();
        for (job, amount) in jobs.iter().zip(&amounts) {
            if let Some(payable) = *amount {
                // The number is the statement's to give; 0 is a placeholder.
                rows.push(NewOrderRow::new(&job.order, payable, 0));
                until.push(job.hold.as_ref().map(|p| p.hold_until));
            }
        }
        let inserted = if rows.is_empty() {
            HashMap::new()
        } else {
            let columns = OrderColumns::of(&rows);
            let rows = diesel::sql_query(
                "SELECT * FROM kassa_create_orders($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
                .bind::<Array<Text>, _>(columns.code)
                .bind::<Array<Text>, _>(columns.payment_id)
                .bind::<Array<Text>, _>(columns.pay_token)
                .bind::<Array<BigInt>, _>(columns.shop_id)
                .bind::<Array<BigInt>, _>(columns.amount)
                .bind::<Array<BigInt>, _>(columns.payable_amount)
                .bind::<Array<Nullable<Text>>, _>(columns.card)
                .bind::<Array<BigInt>, _>(columns.created_at)
                .bind::<Array<BigInt>, _>(columns.expires_at)
                .bind::<Array<Nullable<Text>>, _>(columns.card_last4)
                .bind::<Array<Nullable<BigInt>>, _>(until)
                .bind::<BigInt, _>(batch_now(jobs))
                .load::<OrderRow>(self)?;
            by_code(rows)
        };
        Ok(in_job_order(jobs, &amounts, inserted))
    }

    fn create_one(&mut self, job: &CreateJob) -> Result<Option<OrderRow>, DieselError> {
        self.transaction(|c| create_one_body!(c, job))
    }
}
