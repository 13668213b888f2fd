//! Typed identifiers parsed at the edge: a request's raw text becomes one of these or an error.

use std::fmt;

/// Why a text is not a valid identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Empty (or only whitespace where whitespace is trimmed).
    #[error("value is missing")]
    Empty,
    /// Present, but with characters or a length it may not have.
    #[error("value has characters or a length it may not have")]
    Malformed,
}

/// A shop's public id: 1 to 18 digits, no sign, no leading zero (`695008`, `101`).
///
/// ```
/// use payments_core::{IdError, ShopId};
/// let id = ShopId::parse(" 695008 ")?;
/// assert_eq!(id.get(), 695008);
/// assert_eq!(id.to_string(), "695008");
/// assert_eq!(ShopId::parse(""), Err(IdError::Empty));
/// assert_eq!(ShopId::parse("0101"), Err(IdError::Malformed));
/// assert_eq!(ShopId::parse("-1"), Err(IdError::Malformed));
/// assert_eq!(ShopId::from_i64(0), None);
/// # Ok::<(), IdError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShopId(pub(crate) i64);

impl ShopId {
    /// Parses a shop id as a client sends it; surrounding ASCII whitespace is ignored.
    pub fn parse(text: &str) -> Result<ShopId, IdError> {
        let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
        if text.is_empty() {
            return Err(IdError::Empty);
        }
        if text.len() > 18 || text.starts_with('0') || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::Malformed);
        }
        text.parse().map(ShopId).map_err(|_| IdError::Malformed)
    }

    /// From a stored value; `None` for values no shop id can have.
    pub fn from_i64(id: i64) -> Option<ShopId> {
        (id > 0).then_some(ShopId(id))
    }

    /// The number, as stored.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for ShopId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A shop's secret key as a client sent it. Never printed: `Debug` hides it.
///
/// Kassa stores only a keyed hash of it ([`KeyHasher`](crate::KeyHasher)); the clear key is
/// shown once, when a shop is created or its key rotated.
///
/// ```
/// use payments_core::{IdError, ShopKey};
/// let key = ShopKey::presented("Z631XLBO7O")?;
/// assert_eq!(format!("{key:?}"), "ShopKey(***)");
/// assert_eq!(key.expose(), "Z631XLBO7O");
/// // Any printable key may be presented (a short one is just a wrong key)…
/// assert!(ShopKey::presented("short").is_ok());
/// // …but an operator may not set one shorter than MIN_LEN.
/// assert_eq!(ShopKey::new_secret("short"), Err(IdError::Malformed));
/// assert_eq!(ShopKey::presented("has space"), Err(IdError::Malformed));
/// # Ok::<(), IdError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ShopKey(pub(crate) String);

impl ShopKey {
    /// Keys the server generates are 16 characters; imported ones (the documents' test keys,
    /// `test_key_123`) may be as short as 10. Printable ASCII only, at most 128 bytes.
    pub const MIN_LEN: usize = 10;
    /// The longest key, in bytes.
    pub const MAX_LEN: usize = 128;

    /// A key as presented by a client: anything non-empty and printable up to the maximum.
    /// (A too-short key is simply a wrong key; it must not be told apart from one.)
    pub fn presented(text: &str) -> Result<ShopKey, IdError> {
        if text.is_empty() {
            return Err(IdError::Empty);
        }
        if text.len() > Self::MAX_LEN || !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(IdError::Malformed);
        }
        Ok(ShopKey(text.to_owned()))
    }

    /// A key an operator sets for a shop: also at least [`ShopKey::MIN_LEN`] characters.
    pub fn new_secret(text: &str) -> Result<ShopKey, IdError> {
        let key = ShopKey::presented(text)?;
        if key.0.len() < Self::MIN_LEN {
            return Err(IdError::Malformed);
        }
        Ok(key)
    }

    /// The key in clear: to hash it, or to show it to the operator once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ShopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ShopKey(***)")
    }
}

/// A public order reference: an order code (`abc123…`, `ORD_<unix>_<random>`) or a payment id
/// (`PAY_<unix>_<random>`). ASCII letters, digits and `_`, 1 to 64 characters.
///
/// Parsing only checks the shape; whether an order has it is the store's answer.
///
/// ```
/// use payments_core::{IdError, OrderCode};
/// assert_eq!(OrderCode::parse("ORD_1701234567_xyz789")?.as_str(), "ORD_1701234567_xyz789");
/// assert!(OrderCode::parse("jy5q8q5mwmuq51cvw7ty3xak").is_ok());
/// assert_eq!(OrderCode::parse("a'; DROP TABLE orders;--"), Err(IdError::Malformed));
/// # Ok::<(), IdError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OrderCode(String);

impl OrderCode {
    /// Parses an order reference; surrounding ASCII whitespace is ignored.
    pub fn parse(text: &str) -> Result<OrderCode, IdError> {
        let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
        if text.is_empty() {
            return Err(IdError::Empty);
        }
        if text.len() > 64 || !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(IdError::Malformed);
        }
        Ok(OrderCode(text.to_owned()))
    }

    /// The reference as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrderCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The pay page's token (`/pay/<token>`): lowercase letters and digits, 16 to 64 characters.
/// Not an order code: it shows an order but cannot check or cancel it through the APIs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PayToken(String);

impl PayToken {
    /// Parses the last path segment of a `pay_url` (no trimming: it comes from a path).
    pub fn parse(text: &str) -> Result<PayToken, IdError> {
        if text.is_empty() {
            return Err(IdError::Empty);
        }
        if !(16..=64).contains(&text.len())
            || !text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return Err(IdError::Malformed);
        }
        Ok(PayToken(text.to_owned()))
    }

    /// The token as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A receiving card number: 16 digits (spaces allowed when typed, dropped when stored).
///
/// ```
/// use payments_core::{CardNumber, IdError};
/// let card = CardNumber::parse("8600 3104 9512 6224")?;
/// assert_eq!(card.as_str(), "8600310495126224");
/// assert_eq!(card.last4(), "6224");
/// assert_eq!(CardNumber::parse("8600"), Err(IdError::Malformed));
/// # Ok::<(), IdError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CardNumber(String);

impl CardNumber {
    /// Parses a card number; whitespace anywhere is dropped.
    pub fn parse(text: &str) -> Result<CardNumber, IdError> {
        let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() {
            return Err(IdError::Empty);
        }
        if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::Malformed);
        }
        Ok(CardNumber(digits))
    }

    /// The 16 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four digits: what a bank notification shows (`*6224`).
    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }
}

impl fmt::Display for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shop_ids() {
        assert_eq!(ShopId::parse("695008").map(ShopId::get), Ok(695008));
        assert_eq!(ShopId::parse(""), Err(IdError::Empty));
        for bad in [
            "0",
            "0101",
            "-1",
            "+1",
            "1e3",
            "12a",
            "1234567890123456789",
            "１",
        ] {
            assert_eq!(ShopId::parse(bad), Err(IdError::Malformed), "{bad}");
        }
    }

    #[test]
    fn keys_hide_in_debug() {
        let k = ShopKey::presented("Z631XLBO7O").expect("key");
        assert_eq!(format!("{k:?}"), "ShopKey(***)");
        assert!(ShopKey::new_secret("short").is_err());
        assert!(ShopKey::presented("has space").is_err());
        assert!(ShopKey::presented("nul\0").is_err());
    }

    #[test]
    fn order_codes() {
        assert!(OrderCode::parse("ORD_1701234567_xyz789").is_ok());
        assert!(OrderCode::parse("abc123xyz").is_ok());
        assert_eq!(OrderCode::parse(""), Err(IdError::Empty));
        assert!(OrderCode::parse("a'; DROP TABLE orders;--").is_err());
        assert!(OrderCode::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn cards() {
        let c = CardNumber::parse("8600 1234 5678 6224").expect("card");
        assert_eq!(c.as_str(), "8600123456786224");
        assert_eq!(c.last4(), "6224");
        assert!(CardNumber::parse("8600").is_err());
    }
}
