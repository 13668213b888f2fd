//! Shops: who takes payments, and whether they may.

use crate::{CardNumber, KeyHash, Money, ShopId};
use time::OffsetDateTime;

/// `api` shops call the API only; `page` shops also hand their payers a hosted pay page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShopKind {
    Api,
    Page,
}

/// Admission of a shop by the operator. Only `Confirm` shops take payments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShopStatus {
    Pending,
    Confirm,
    Blocked,
}

/// Whether this month's fee is paid. Shown as the original service shows it: `Toʻlandi`
/// (with U+02BB) or `Toʻlanmagan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MonthStatus {
    Paid,
    Unpaid,
}

macro_rules! named_enum {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shop {
    pub id: ShopId,
    pub name: String,
    /// The owner's Telegram user id.
    pub user_id: i64,
    pub kind: ShopKind,
    pub status: ShopStatus,
    pub month_status: MonthStatus,
    /// The card payers send money to.
    pub card: Option<CardNumber>,
    pub callback_url: Option<String>,
    /// Keys the signatures of webhooks to `callback_url` (made when a callback URL is first set).
    pub webhook_secret: Option<String>,
    pub balance: Money,
    pub key_hash: KeyHash,
    pub created_at: OffsetDateTime,
}

/// Everything needed to store a new shop (its key already hashed).
#[derive(Clone, Debug)]
pub struct NewShop {
    pub id: ShopId,
    pub name: String,
    pub user_id: i64,
    pub kind: ShopKind,
    pub status: ShopStatus,
    pub month_status: MonthStatus,
    pub card: Option<CardNumber>,
    pub callback_url: Option<String>,
    pub webhook_secret: Option<String>,
    pub key_hash: KeyHash,
    pub created_at: OffsetDateTime,
}

/// A change to a shop: `None` leaves a field as it is; `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct ShopPatch {
    pub name: Option<String>,
    pub user_id: Option<i64>,
    pub kind: Option<ShopKind>,
    pub status: Option<ShopStatus>,
    pub month_status: Option<MonthStatus>,
    pub card: Option<Option<CardNumber>>,
    pub callback_url: Option<Option<String>>,
    pub webhook_secret: Option<Option<String>>,
}

impl ShopPatch {
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
