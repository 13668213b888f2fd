//! Shops: who takes payments, and whether they may.

use crate::{CardNumber, KeyHash, Money, ShopId};
use time::OffsetDateTime;

/// `api` shops call the API only; `page` shops also hand their payers a hosted pay page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShopKind {
    /// The shop shows the payer the card and amount itself (`create` answers without `pay_url`).
    Api,
    /// The shop sends its payers to Kassa's hosted pay page (`create` answers with `pay_url`).
    Page,
}

/// Admission of a shop by the operator. Only `Confirm` shops take payments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShopStatus {
    /// Registered, waiting for the operator.
    Pending,
    /// Confirmed: may take payments (given a paid fee and a card).
    Confirm,
    /// Stopped by the operator. Its credentials still work for reading.
    Blocked,
}

/// Whether this month's fee is paid. Shown as the original service shows it: `Toʻlandi`
/// (with U+02BB) or `Toʻlanmagan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MonthStatus {
    /// `Toʻlandi`: the fee is paid; the shop may take payments.
    Paid,
    /// `Toʻlanmagan`: the fee is not paid; creating orders is refused.
    Unpaid,
}

macro_rules! named_enum {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// The stored (and displayed) name.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
            /// From the stored name, exactly; `None` for any other text.
            pub fn parse(text: &str) -> Option<$ty> {
                match text { $($name => Some($ty::$variant),)+ _ => None }
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_enum!(ShopKind { Api => "api", Page => "page" });
named_enum!(ShopStatus { Pending => "pending", Confirm => "confirm", Blocked => "blocked" });
named_enum!(MonthStatus { Paid => "Toʻlandi", Unpaid => "Toʻlanmagan" });

impl MonthStatus {
    /// Also takes the spellings people type: any apostrophe, or `paid` / `unpaid`.
    ///
    /// ```
    /// use payments_core::MonthStatus;
    /// assert_eq!(MonthStatus::Paid.as_str(), "To\u{2bb}landi");
    /// assert_eq!(MonthStatus::parse("To'landi"), None);
    /// assert_eq!(MonthStatus::parse_lenient("To'landi"), Some(MonthStatus::Paid));
    /// assert_eq!(MonthStatus::parse_lenient("UNPAID"), Some(MonthStatus::Unpaid));
    /// ```
    pub fn parse_lenient(text: &str) -> Option<MonthStatus> {
        let folded: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, '\'' | '’' | '‘' | '`' | 'ʻ' | '´'))
            .flat_map(char::to_lowercase)
            .collect();
        match folded.as_str() {
            "tolandi" | "paid" => Some(MonthStatus::Paid),
            "tolanmagan" | "unpaid" => Some(MonthStatus::Unpaid),
            _ => None,
        }
    }
}

/// A shop as stored.
///
/// Whether it may take payments is [`Payments::admit`](crate::Payments::admit)'s answer:
/// confirmed, fee paid, a receiving card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shop {
    /// Its public id.
    pub id: ShopId,
    /// Its name, as shown to payers and in the APIs.
    pub name: String,
    /// The owner's Telegram user id (0: none).
    pub user_id: i64,
    /// Whether its payers get the hosted pay page.
    pub kind: ShopKind,
    /// The operator's admission.
    pub status: ShopStatus,
    /// Whether this month's fee is paid.
    pub month_status: MonthStatus,
    /// The card payers send money to.
    pub card: Option<CardNumber>,
    /// Where signed webhooks go on every final status of its orders.
    pub callback_url: Option<String>,
    /// Keys the signatures of webhooks to `callback_url` (made when a callback URL is first set).
    pub webhook_secret: Option<String>,
    /// The sum of its paid orders, credited once each; always equal to the sum of its ledger.
    pub balance: Money,
    /// Its key, hashed with the server secret.
    pub key_hash: KeyHash,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

/// Everything needed to store a new shop (its key already hashed).
///
/// Made by [`Payments::add_shop`](crate::Payments::add_shop) from a
/// [`ShopDraft`](crate::ShopDraft); only a [`Store`](crate::Store) implementation reads it. The
/// fields are those of [`Shop`], less the balance (a new shop's is zero).
#[derive(Clone, Debug)]
pub struct NewShop {
    /// See [`Shop::id`].
    pub id: ShopId,
    /// See [`Shop::name`].
    pub name: String,
    /// See [`Shop::user_id`].
    pub user_id: i64,
    /// See [`Shop::kind`].
    pub kind: ShopKind,
    /// See [`Shop::status`].
    pub status: ShopStatus,
    /// See [`Shop::month_status`].
    pub month_status: MonthStatus,
    /// See [`Shop::card`].
    pub card: Option<CardNumber>,
    /// See [`Shop::callback_url`].
    pub callback_url: Option<String>,
    /// See [`Shop::webhook_secret`].
    pub webhook_secret: Option<String>,
    /// See [`Shop::key_hash`].
    pub key_hash: KeyHash,
    /// See [`Shop::created_at`].
    pub created_at: OffsetDateTime,
}

/// A change to a shop: `None` leaves a field as it is; `Some(None)` clears an optional one.
///
/// ```
/// use payments_core::{ShopKind, ShopPatch};
/// // Make a shop a page shop and remove its callback URL; leave the rest.
/// let patch = ShopPatch {
///     kind: Some(ShopKind::Page),
///     callback_url: Some(None),
///     ..ShopPatch::default()
/// };
/// assert!(!patch.is_empty());
/// assert!(ShopPatch::default().is_empty());
/// ```
#[derive(Clone, Debug, Default)]
pub struct ShopPatch {
    /// A new name.
    pub name: Option<String>,
    /// A new owner's Telegram user id.
    pub user_id: Option<i64>,
    /// A new kind.
    pub kind: Option<ShopKind>,
    /// A new admission status.
    pub status: Option<ShopStatus>,
    /// A new fee status.
    pub month_status: Option<MonthStatus>,
    /// A new receiving card, or `Some(None)` to remove it.
    pub card: Option<Option<CardNumber>>,
    /// A new callback URL, or `Some(None)` to remove it. Through
    /// [`Payments::update_shop`](crate::Payments::update_shop), setting one on a shop without a
    /// webhook secret also makes a secret.
    pub callback_url: Option<Option<String>>,
    /// A new webhook secret, or `Some(None)` to remove it.
    pub webhook_secret: Option<Option<String>>,
}

impl ShopPatch {
    /// Changes nothing.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.user_id.is_none()
            && self.kind.is_none()
            && self.status.is_none()
            && self.month_status.is_none()
            && self.card.is_none()
            && self.callback_url.is_none()
            && self.webhook_secret.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_status_spellings() {
        assert_eq!(MonthStatus::Paid.as_str(), "To\u{02bb}landi");
        assert_eq!(MonthStatus::parse("Toʻlandi"), Some(MonthStatus::Paid));
        assert_eq!(
            MonthStatus::parse_lenient("To'landi"),
            Some(MonthStatus::Paid)
        );
        assert_eq!(
            MonthStatus::parse_lenient("unpaid"),
            Some(MonthStatus::Unpaid)
        );
        assert_eq!(MonthStatus::parse_lenient("maybe"), None);
        assert_eq!(ShopStatus::parse("confirm"), Some(ShopStatus::Confirm));
        assert_eq!(ShopKind::parse("page"), Some(ShopKind::Page));
    }
}
