//! The order status machine: one table of transitions, used by every path that changes status.

use std::fmt;

/// Where an order stands. `Pending` is the only state that can change; the others are final.
///
/// The dialects show these with their own words (RasmiyPay shows cancelled and expired both as
/// `cancel`); the stored names are [`OrderStatus::as_str`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// Waiting for its payment.
    Pending,
    /// Paid: the shop was credited (once).
    Paid,
    /// Called off by the shop.
    Cancelled,
    /// Not paid in time.
    Expired,
}

/// A change of status an order can go through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transition {
    /// The money arrived (an operator's confirmation or a matched payment): credits the shop.
    Pay,
    /// The shop called it off.
    Cancel,
    /// Its time ran out.
    Expire,
}

/// The transition table: `(transition, from, to)`. Storage turns each row into one
/// conditional update (`… SET status = to WHERE status = from`), so two racing transitions
/// cannot both win.
///
/// | transition | from | to |
/// |---|---|---|
/// | [`Pay`](Transition::Pay) | `pending` | `paid` |
/// | [`Cancel`](Transition::Cancel) | `pending` | `cancelled` |
/// | [`Expire`](Transition::Expire) | `pending` | `expired` |
///
/// Every other pair is refused; the three arrival statuses are final.
///
/// ```
/// use payments_core::{OrderStatus, TRANSITIONS, Transition};
/// // Every row leaves from pending; nothing leaves a final status.
/// assert!(TRANSITIONS.iter().all(|&(_, from, _)| from == OrderStatus::Pending));
/// assert_eq!(OrderStatus::Pending.apply(Transition::Pay), Ok(OrderStatus::Paid));
/// let refused = OrderStatus::Paid.apply(Transition::Cancel).unwrap_err();
/// assert_eq!(refused.current, OrderStatus::Paid);
/// assert_eq!(refused.to_string(), "order is paid, it cannot take Cancel");
/// assert!(OrderStatus::ALL.iter().filter(|s| s.is_final()).count() == 3);
/// ```
pub const TRANSITIONS: [(Transition, OrderStatus, OrderStatus); 3] = [
    (Transition::Pay, OrderStatus::Pending, OrderStatus::Paid),
    (
        Transition::Cancel,
        OrderStatus::Pending,
        OrderStatus::Cancelled,
    ),
    (
        Transition::Expire,
        OrderStatus::Pending,
        OrderStatus::Expired,
    ),
];

impl Transition {
    fn row(self) -> (OrderStatus, OrderStatus) {
        TRANSITIONS
            .iter()
            .find(|(t, _, _)| *t == self)
            .map(|&(_, from, to)| (from, to))
            .unwrap_or((OrderStatus::Pending, OrderStatus::Pending))
    }

    /// The one status this transition leaves from.
    pub fn from(self) -> OrderStatus {
        self.row().0
    }

    /// The status it arrives at.
    pub fn to(self) -> OrderStatus {
        self.row().1
    }
}

/// A transition was asked of an order whose status does not allow it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("order is {current}, it cannot take {transition:?}")]
pub struct TransitionRefused {
    /// The status the order has.
    pub current: OrderStatus,
    /// What was asked of it.
    pub transition: Transition,
}

impl OrderStatus {
    /// Every status, pending first.
    pub const ALL: [OrderStatus; 4] = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Cancelled,
        OrderStatus::Expired,
    ];

    /// The table's answer: the new status, or why not.
    pub fn apply(self, transition: Transition) -> Result<OrderStatus, TransitionRefused> {
        if transition.from() == self {
            Ok(transition.to())
        } else {
            Err(TransitionRefused {
                current: self,
                transition,
            })
        }
    }

    /// No transition leaves from it.
    pub fn is_final(self) -> bool {
        !TRANSITIONS.iter().any(|(_, from, _)| *from == self)
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Expired => "expired",
        }
    }

    /// From the stored name; `None` for any other text (`cancel` included: that is a dialect's
    /// word, not a stored name).
    pub fn from_stored(text: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pending_moves() {
        for status in OrderStatus::ALL {
            for t in [Transition::Pay, Transition::Cancel, Transition::Expire] {
                let result = status.apply(t);
                if status == OrderStatus::Pending {
                    assert_eq!(result, Ok(t.to()));
                } else {
                    assert!(result.is_err(), "{status} must refuse {t:?}");
                }
            }
        }
    }

    #[test]
    fn finals() {
        assert!(!OrderStatus::Pending.is_final());
        assert!(OrderStatus::Paid.is_final());
        assert!(OrderStatus::Cancelled.is_final());
        assert!(OrderStatus::Expired.is_final());
        assert_eq!(Transition::Pay.to(), OrderStatus::Paid);
        assert_eq!(Transition::Expire.from(), OrderStatus::Pending);
    }

    #[test]
    fn stored_names_round_trip() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::from_stored(s.as_str()), Some(s));
        }
        assert_eq!(OrderStatus::from_stored("cancel"), None);
    }
}
