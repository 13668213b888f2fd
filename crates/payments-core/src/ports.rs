//! The ports: what the domain needs from the world, as traits. `payments-store` implements
//! [`Store`] with diesel; an embedder may bring its own clock or ids (tests do), through
//! [`Payments::with_ports`](crate::Payments::with_ports).
//!
//! A fixed clock, for tests that must not wait for an order to expire:
//!
//! ```
//! use payments_core::Clock;
//! use std::sync::Mutex;
//! use time::{Duration, OffsetDateTime};
//!
//! #[derive(Debug)]
//! struct TestClock(Mutex<OffsetDateTime>);
//!
//! impl TestClock {
//!     fn advance(&self, by: Duration) {
//!         if let Ok(mut now) = self.0.lock() {
//!             *now += by;
//!         }
//!     }
//! }
//!
//! impl Clock for TestClock {
//!     fn now(&self) -> OffsetDateTime {
//!         self.0.lock().map(|t| *t).unwrap_or(OffsetDateTime::UNIX_EPOCH)
//!     }
//! }
//!
//! let clock = TestClock(Mutex::new(OffsetDateTime::UNIX_EPOCH));
//! clock.advance(Duration::minutes(6));
//! assert_eq!(clock.now().unix_timestamp(), 360);
//! ```

use crate::{
    DeliveryAttempt, DeliveryLog, IncomingPayment, KeyHash, Money, NewOrder, NewShop, NotifyPolicy,
    Order, OrderCode, OrderCodes, OrderPage, OrderStatus, OrderView, OutboxItem, Page, PayToken,
    PayablePlan, PaymentRecord, PaymentStatus, Resolution, Settlement, Shop, ShopId, ShopKey,
    ShopPatch, Transition,
};
use time::OffsetDateTime;

/// A failure of the storage itself (not of the request).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or timed out: worth retrying later (HTTP 503).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A unique value is taken already (a shop id, an order code).
    #[error("storage conflict: {0}")]
    Conflict(String),
    /// Anything else the storage reports.
    #[error("storage error: {0}")]
    Other(String),
}

/// What became of a transition asked of the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// It won: the order as it is now. For [`Transition::Pay`] the shop was credited and the
    /// ledger written in the same transaction.
    Done(Order),
    /// The order was no longer in the transition's `from` status; this is the status it has.
    Refused(OrderStatus),
    /// No such order.
    Missing,
}

/// What became of an operator's action on a recorded payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attached {
    /// Done: the payment as it is now (and for an attach, the order it paid).
    Done(Box<PaymentRecord>, Option<Box<Order>>),
    /// The payment is not open any more.
    PaymentNotOpen(PaymentStatus),
    /// The order could not take the payment: its status.
    OrderRefused(OrderStatus),
    /// No such payment or order.
    Missing,
}

/// One credit in a shop's ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The entry's own id.
    pub id: i64,
    /// The shop credited.
    pub shop_id: ShopId,
    /// The order paid ([`Order::id`]); unique in the ledger, so no order is credited twice.
    pub order_id: i64,
    /// The amount credited: the order's requested amount.
    pub amount: Money,
    /// When it was paid.
    pub created_at: OffsetDateTime,
}

/// A shop's stored balance beside the sum of its ledger. They must always be equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceLine {
    /// The shop.
    pub shop_id: ShopId,
    /// Its stored balance.
    pub balance: Money,
    /// The sum of its ledger entries.
    pub ledger_sum: Money,
}

impl BalanceLine {
    /// `balance == ledger_sum`.
    pub fn is_consistent(&self) -> bool {
        self.balance == self.ledger_sum
    }
}

/// Durable storage of shops, orders and the ledger.
///
/// Every method is blocking; async callers run them on a blocking thread pool.
///
/// `payments_store::DieselStore` is the implementation (SQLite or PostgreSQL). The rules the
/// domain relies on are the implementation's to keep, each within one transaction: a
/// transition is a conditional update; a payment credits the balance and writes the ledger
/// (one entry per order at most) together; notifications go into the outbox with the change
/// they announce; a payable amount is held on a card by the database, not by a check before an
/// insert.
pub trait Store: Send + Sync + 'static {
    /// Is the database reachable?
    fn ping(&self) -> Result<(), StoreError>;

    /// Stores a new shop with a zero balance; [`StoreError::Conflict`] if its id is taken.
    fn insert_shop(&self, shop: &NewShop) -> Result<Shop, StoreError>;
    /// A shop by id; `None` if there is none.
    fn shop(&self, id: ShopId) -> Result<Option<Shop>, StoreError>;
    /// Applies a patch; `None` if there is no such shop.
    fn update_shop(&self, id: ShopId, patch: &ShopPatch) -> Result<Option<Shop>, StoreError>;
    /// Replaces the key hash; `false` if there is no such shop.
    fn set_key_hash(&self, id: ShopId, hash: &KeyHash) -> Result<bool, StoreError>;

    /// Stores a new pending order with the first free payable amount of the plan on its card
    /// (held until `plan.hold_until`, enforced by the database so racing creates never share
    /// one). `None` when no step is free; [`StoreError::Conflict`] if a code is taken.
    fn insert_order(
        &self,
        order: &NewOrder,
        plan: &PayablePlan,
    ) -> Result<Option<Order>, StoreError>;
    /// Looks an order up by its code or its payment id.
    fn order(&self, code: &OrderCode) -> Result<Option<OrderView>, StoreError>;
    /// Looks an order up by its pay-page token.
    fn order_by_token(&self, token: &PayToken) -> Result<Option<OrderView>, StoreError>;
    /// One shop's orders, newest first.
    fn orders(&self, shop: ShopId, page: Page) -> Result<OrderPage, StoreError>;

    /// Performs one row of the transition table on one order: a single conditional update
    /// (`… WHERE status = from`) in a transaction; for [`Transition::Pay`] the shop's balance
    /// and ledger are written in that same transaction, so an order is credited at most once.
    /// The notifications `policy` asks for go into the outbox in the same transaction.
    fn apply(
        &self,
        order_id: i64,
        transition: Transition,
        at: OffsetDateTime,
        policy: &NotifyPolicy,
    ) -> Result<Applied, StoreError>;
    /// Expires up to `limit` pending orders whose `expires_at <= now`, found by index, with
    /// their notifications. Returns how many it expired.
    fn expire_due(
        &self,
        now: OffsetDateTime,
        limit: u32,
        policy: &NotifyPolicy,
    ) -> Result<u64, StoreError>;

    /// Records an incoming payment and settles it in one transaction: a duplicate reference is
    /// recorded as a duplicate; otherwise the candidates are found and
    /// [`decide`](crate::settlement::decide) says whether to pay one (credit, ledger, outbox)
    /// or keep the payment for review.
    fn settle(
        &self,
        payment: &IncomingPayment,
        policy: &NotifyPolicy,
    ) -> Result<Settlement, StoreError>;
    /// Recorded payments with this status, oldest first.
    fn payments(&self, status: PaymentStatus, limit: u32)
    -> Result<Vec<PaymentRecord>, StoreError>;
    /// A recorded payment by id; `None` if there is none.
    fn payment(&self, id: i64) -> Result<Option<PaymentRecord>, StoreError>;
    /// The operator attaches an open payment to an order: pays the order (if pending) and marks
    /// the payment matched, in one transaction.
    fn attach_payment(
        &self,
        payment_id: i64,
        order_id: i64,
        at: OffsetDateTime,
        policy: &NotifyPolicy,
    ) -> Result<Attached, StoreError>;
    /// The operator closes an open payment as refunded or ignored, with a note.
    fn resolve_payment(
        &self,
        payment_id: i64,
        resolution: Resolution,
        note: &str,
        at: OffsetDateTime,
    ) -> Result<Attached, StoreError>;

    /// Claims up to `limit` notifications due at `now` for this process until `lease_until`
    /// (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so several servers never send one twice at once.
    fn claim_outbox(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<OutboxItem>, StoreError>;
    /// Logs an attempt; `retry_at` schedules the next one (a failed attempt) or, when `None`,
    /// closes the notification as sent (`ok`) or failed.
    fn record_delivery(
        &self,
        outbox_id: i64,
        attempt: &DeliveryAttempt,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError>;
    /// A shop's most recent delivery attempts, newest first.
    fn deliveries(&self, shop: ShopId, limit: u32) -> Result<Vec<DeliveryLog>, StoreError>;
    /// Puts a shop's notification back in the queue now; `false` if there is none with this id.
    fn redeliver(
        &self,
        shop: ShopId,
        outbox_id: i64,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;
    /// Notifications not yet sent.
    fn outbox_backlog(&self) -> Result<u64, StoreError>;

    /// Paid orders, oldest first, for export.
    fn paid_orders(
        &self,
        shop: Option<ShopId>,
        since: Option<OffsetDateTime>,
    ) -> Result<Vec<Order>, StoreError>;

    /// A shop's ledger, oldest first.
    fn ledger(&self, shop: ShopId) -> Result<Vec<LedgerEntry>, StoreError>;
    /// Every shop's balance beside its ledger sum.
    fn balance_report(&self) -> Result<Vec<BalanceLine>, StoreError>;

    /// Runs `read` at once, on the calling thread, if this store can serve reads now without
    /// waiting for anything (a connection, the network, a lock), and returns `true`; otherwise
    /// returns `false` without calling it, and the caller runs the read on a blocking pool as
    /// usual. `read` may call this store's read methods any number of times; it must not
    /// write.
    ///
    /// This lets an async caller skip the hop to a blocking thread when a read costs less than
    /// the hop. The default cannot tell, so it never runs anything (`false`).
    /// `payments_store::DieselStore` runs it on SQLite (WAL: readers never wait for the writer)
    /// when a pooled connection is idle, and never on PostgreSQL (every query is a network
    /// round trip).
    fn read_now(&self, read: &mut dyn FnMut()) -> bool {
        let _ = read;
        false
    }
}

/// Where the domain reads the time.
pub trait Clock: Send + Sync + 'static {
    /// The current time (the domain works in UTC and drops sub-second parts).
    fn now(&self) -> OffsetDateTime;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// Where new codes, shop ids and keys come from.
///
/// [`RandomIds`](crate::RandomIds) is the one to use outside tests: anything predictable here
/// lets a stranger check, cancel or pay other people's orders.
pub trait IdGenerator: Send + Sync + 'static {
    /// A new order's code, payment id and pay-page token (each with at least 96 random bits).
    fn order_codes(&self, style: crate::CodeStyle, now: OffsetDateTime) -> OrderCodes;
    /// A new shop's id (when none is given).
    fn shop_id(&self) -> ShopId;
    /// A new shop key (when none is given, and on rotation).
    fn shop_key(&self) -> ShopKey;
    /// A random secret (webhook signing keys): 32 letters and digits, ≈ 190 bits.
    fn secret(&self) -> String {
        nanoid::nanoid!(32, &crate::ids_random::ALNUM)
    }
}
