//! The domain's one error type. Each dialect maps it, once, to its own body and wording.

use crate::{Money, OrderStatus, ShopStatus, StoreError, TransitionRefused};

/// Why a payments operation did not happen. Nothing was changed when one of these is returned.
///
/// The variants are the domain's reasons, not wording: each dialect maps them, in one place, to
/// its own message and stable `code`. An embedder matches on them the same way:
///
/// ```
/// use payments_core::{OrderStatus, PaymentError, StoreError};
///
/// fn describe(e: &PaymentError) -> &'static str {
///     match e {
///         PaymentError::InvalidCredentials => "check shop id and key",
///         PaymentError::Throttled { .. } => "too many wrong keys, wait",
///         PaymentError::Refused(r) if r.current == OrderStatus::Paid => "already paid",
///         PaymentError::Store(StoreError::Unavailable(_)) => "database down, retry later",
///         _ => "refused",
///     }
/// }
/// assert_eq!(describe(&PaymentError::InvalidCredentials), "check shop id and key");
/// assert_eq!(
///     describe(&StoreError::Unavailable("timeout".into()).into()),
///     "database down, retry later"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// Unknown shop id or wrong key: deliberately one case, so no caller learns which shops exist.
    #[error("unknown shop or wrong key")]
    InvalidCredentials,
    /// Administrative look-ups (behind the admin token) may say plainly that a shop is missing.
    #[error("no such shop")]
    ShopNotFound,
    /// The shop exists and the key is right, but the operator has not confirmed it (or blocked
    /// it): the status it has.
    #[error("shop is not confirmed (status {0})")]
    ShopNotActive(ShopStatus),
    /// The shop's monthly fee is not paid ([`MonthStatus::Unpaid`](crate::MonthStatus)).
    #[error("shop's monthly fee is not paid")]
    FeeUnpaid,
    /// The shop has no receiving card, so a payer would not know where to send the money.
    #[error("shop has no receiving card")]
    NoReceivingCard,
    /// The amount is above [`PaymentsConfig::max_amount`](crate::PaymentsConfig::max_amount).
    #[error("amount is above the maximum of {max}")]
    AmountAboveMaximum {
        /// The largest amount allowed.
        max: Money,
    },
    /// Every payable amount near this amount is held on the shop's card: try another amount or
    /// wait (at most `wait_minutes`).
    #[error(
        "an active payment of {amount} exists; choose another amount or wait {wait_minutes} minutes"
    )]
    NoFreePayableAmount {
        /// The amount asked for.
        amount: Money,
        /// The longest any of the held amounts stays taken (order TTL + quarantine), in minutes.
        wait_minutes: i64,
    },
    /// No order has this code, payment id or pay-page token.
    #[error("no such order")]
    OrderNotFound,
    /// The order's status does not allow the change (already paid, cancelled or expired).
    #[error(transparent)]
    Refused(#[from] TransitionRefused),
    /// Too many wrong keys from this client for this shop; try again after `retry_after` seconds.
    #[error("too many wrong keys; retry after {retry_after} s")]
    Throttled {
        /// Seconds until this client may try this shop again.
        retry_after: u64,
    },
    /// No recorded incoming payment has this id.
    #[error("no such payment")]
    PaymentNotFound,
    /// The payment was resolved already (matched, refunded or ignored).
    #[error("payment is {0}, not open")]
    PaymentNotOpen(crate::PaymentStatus),
    /// [`Payments::add_shop`](crate::Payments::add_shop) was given an id another shop has.
    #[error("shop id is taken")]
    ShopIdTaken,
    /// The storage failed; see [`StoreError`] (unavailable: retry later; anything else: a
    /// fault to log).
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
