//! The domain's one error type. Each dialect maps it, once, to its own body and wording.

use crate::{Money, OrderStatus, ShopStatus, StoreError, TransitionRefused};

/// Why a payments operation did not happen. Nothing was changed when one of these is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// Unknown shop id or wrong key: deliberately one case, so no caller learns which shops exist.
    #[error("unknown shop or wrong key")]
    InvalidCredentials,
    /// Administrative look-ups (behind the admin token) may say plainly that a shop is missing.
    #[error("no such shop")]
    ShopNotFound,
    #[error("shop is not confirmed (status {0})")]
    ShopNotActive(ShopStatus),
    #[error("shop's monthly fee is not paid")]
    FeeUnpaid,
    #[error("shop has no receiving card")]
    NoReceivingCard,
    #[error("amount is above the maximum of {max}")]
    AmountAboveMaximum { max: Money },
    /// Every payable amount near this amount is held on the shop's card: try another amount or
    /// wait (at most `wait_minutes`).
    #[error(
        "an active payment of {amount} exists; choose another amount or wait {wait_minutes} minutes"
    )]
    NoFreePayableAmount { amount: Money, wait_minutes: i64 },
    #[error("no such order")]
    OrderNotFound,
    /// The order's status does not allow the change (already paid, cancelled or expired).
    #[error(transparent)]
    Refused(#[from] TransitionRefused),
    /// Too many wrong keys from this client for this shop; try again after `retry_after` seconds.
    #[error("too many wrong keys; retry after {retry_after} s")]
    Throttled { retry_after: u64 },
    #[error("no such payment")]
    PaymentNotFound,
    /// The payment was resolved already (matched, refunded or ignored).
    #[error("payment is {0}, not open")]
    PaymentNotOpen(crate::PaymentStatus),
    #[error("shop id is taken")]
    ShopIdTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PaymentError {
    /// For `Refused`: the status the order already has.
    pub fn current_status(&self) -> Option<OrderStatus> {
        match self {
            PaymentError::Refused(r) => Some(r.current),
            _ => None,
        }
    }
}
