//! Orders: one payment a shop asked for.

use crate::{CardNumber, Money, OrderStatus, ShopId};
use time::OffsetDateTime;

/// How a new order's public code looks, so each dialect's clients see the codes they know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeStyle {
    /// RasmiyPay: lowercase letters and digits (`abc123xyz…`).
    Rasmiy,
    /// TopHamyon: `ORD_<unix>_<random>`.
    TopHamyon,
}

/// The public references of a new order. Each random part carries at least 96 bits, because
/// check and cancel take a code alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderCodes {
    /// The order code the shop uses (`order`, `order_id`).
    pub code: String,
    /// TopHamyon's `PAY_<unix>_<random>`; looks the order up as well as the code.
    pub payment_id: String,
    /// The pay page's token: not the order code, so a payer holding the page cannot cancel.
    pub pay_token: String,
}

/// An order as stored.
///
/// Its `status` is what storage last wrote; what a client should be shown is
/// [`effective_status`](Order::effective_status), which counts a pending order past its
/// deadline as expired before the worker's sweep records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    /// Internal numeric id (RasmiyPay's `insert_id`).
    pub id: i64,
    /// Its public references.
    pub codes: OrderCodes,
    /// The shop it is for.
    pub shop_id: ShopId,
    /// What the shop asked for, and what its balance is credited.
    pub amount: Money,
    /// What the payer must send (the settlement may make it differ from `amount`).
    pub payable_amount: Money,
    /// The card the payer sends to, as it was when the order was made.
    pub card: Option<CardNumber>,
    /// The stored status (see [`Order::effective_status`]).
    pub status: OrderStatus,
    /// When it was made (UTC, to the second).
    pub created_at: OffsetDateTime,
    /// When it expires if still unpaid: `created_at` + the order TTL.
    pub expires_at: OffsetDateTime,
    /// When it reached a final status.
    pub finished_at: Option<OffsetDateTime>,
}

impl Order {
    /// A pending order whose time is up counts as expired even before the worker's sweep.
    pub fn effective_status(&self, now: OffsetDateTime) -> OrderStatus {
        if self.is_overdue(now) {
            OrderStatus::Expired
        } else {
            self.status
        }
    }

    /// Pending, and its time is up.
    pub fn is_overdue(&self, now: OffsetDateTime) -> bool {
        self.status == OrderStatus::Pending && now >= self.expires_at
    }

    /// Whole seconds left before expiry (0 once due or final).
    pub fn seconds_left(&self, now: OffsetDateTime) -> i64 {
        if self.status != OrderStatus::Pending {
            return 0;
        }
        (self.expires_at - now).whole_seconds().max(0)
    }
}

/// Everything needed to store a new order (the store picks its payable amount).
///
/// Made by [`Payments::create_order`](crate::Payments::create_order); only a
/// [`Store`](crate::Store) implementation reads it.
#[derive(Clone, Debug)]
pub struct NewOrder {
    /// Its public references, fresh from the [`IdGenerator`](crate::IdGenerator).
    pub codes: OrderCodes,
    /// The shop it is for.
    pub shop_id: ShopId,
    /// What the shop asked for.
    pub amount: Money,
    /// The shop's receiving card now.
    pub card: Option<CardNumber>,
    /// Now.
    pub created_at: OffsetDateTime,
    /// Now + the order TTL.
    pub expires_at: OffsetDateTime,
}

/// An order with the name of its shop, as the check calls show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderView {
    /// The order.
    pub order: Order,
    /// Its shop's name.
    pub shop_name: String,
}

/// A page of one shop's orders, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderPage {
    /// How many orders the shop has in all.
    pub total: u64,
    /// The orders of this page.
    pub orders: Vec<Order>,
}

/// Which page: `limit` orders after skipping `offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    /// Orders at most.
    pub limit: u32,
    /// Orders skipped first.
    pub offset: u64,
}
