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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    /// Internal numeric id (RasmiyPay's `insert_id`).
    pub id: i64,
    pub codes: OrderCodes,
    pub shop_id: ShopId,
    /// What the shop asked for, and what its balance is credited.
    pub amount: Money,
    /// What the payer must send (the settlement may make it differ from `amount`).
    pub payable_amount: Money,
    /// The card the payer sends to, as it was when the order was made.
    pub card: Option<CardNumber>,
    pub status: OrderStatus,
    pub created_at: OffsetDateTime,
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
#[derive(Clone, Debug)]
pub struct NewOrder {
    pub codes: OrderCodes,
    pub shop_id: ShopId,
    pub amount: Money,
    pub card: Option<CardNumber>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// An order with the name of its shop, as the check calls show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderView {
    pub order: Order,
    pub shop_name: String,
}

/// A page of one shop's orders, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderPage {
    pub total: u64,
    pub orders: Vec<Order>,
}

/// Which page: `limit` orders after skipping `offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub limit: u32,
    pub offset: u64,
}
