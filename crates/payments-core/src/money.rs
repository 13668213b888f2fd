//! Money as an exact count of tiyin (1 UZS = 100 tiyin). No floats anywhere.

use std::fmt;

/// An amount of Uzbek som, held as an integer number of tiyin.
///
/// There is no float anywhere on the way in or out: text is parsed digit by digit, and the
/// three text forms (`Display`, [`fixed2`](Money::fixed2),
/// [`grouped`](Money::grouped)) are computed from the integer.
///
/// ```
/// use payments_core::{AmountError, Money};
/// let m = Money::parse("1000.5")?;
/// assert_eq!(m.tiyin(), 100_050);
/// assert_eq!(m.to_string(), "1000.50");
/// assert_eq!(Money::parse("50000.00")?.to_string(), "50000");
/// assert_eq!(Money::parse("50000")?.fixed2(), "50000.00");
/// assert_eq!(Money::from_tiyin(5_000_001).grouped(), "50 000.01");
/// assert_eq!(Money::from_som(25_000), Some(Money::parse("25000")?));
/// assert_eq!(Money::parse("1e3"), Err(AmountError::Malformed));
/// assert_eq!(Money::parse("1.001"), Err(AmountError::TooManyDecimals));
///
/// let total: Money = [Money::from_tiyin(150), Money::from_tiyin(50)].into_iter().sum();
/// assert_eq!(total.to_string(), "2");
/// # Ok::<(), AmountError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

/// Why a text is not an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Empty or only whitespace.
    #[error("amount is missing")]
    Empty,
    /// Not digits with an optional `.` and decimals: signs, exponents, separators, `NaN`, a
    /// leading or trailing dot.
    #[error("amount must be digits with at most two decimals, like 50000 or 1000.50")]
    Malformed,
    /// More than two decimals (`1.001`): tiyin are the smallest unit.
    #[error("amount has more than two decimals")]
    TooManyDecimals,
    /// Zero (`0`, `0.00`): an order must ask for something.
    #[error("amount must be greater than zero")]
    Zero,
    /// More than 15 whole digits. (The configured maximum of one order is checked later, by
    /// [`Payments::create_order`](crate::Payments::create_order).)
    #[error("amount is too large")]
    TooLarge,
}

/// Longest whole part accepted: keeps every sum far from `i64` overflow.
const MAX_WHOLE_DIGITS: usize = 15;

impl Money {
    /// Nothing.
    pub const ZERO: Money = Money(0);

    /// An exact number of tiyin (1 som = 100 tiyin). May be zero or negative (sums and
    /// differences); only [`Money::parse`] insists on a positive amount.
    pub const fn from_tiyin(tiyin: i64) -> Money {
        Money(tiyin)
    }

    /// Whole som; `None` on overflow.
    pub const fn from_som(som: i64) -> Option<Money> {
        match som.checked_mul(100) {
            Some(t) => Some(Money(t)),
            None => None,
        }
    }

    /// The exact number of tiyin: what storage keeps.
    pub const fn tiyin(self) -> i64 {
        self.0
    }

    /// The sum; `None` on overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// The difference; `None` on overflow.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// Parses a positive amount exactly: `50000`, `1000.5`, `1000.50`.
    ///
    /// Rejected: empty text, signs, exponents, thousands separators, `NaN`, a leading
    /// or trailing dot, more than two decimals, zero, more than 15 whole digits.
    /// Surrounding ASCII whitespace is ignored.
    pub fn parse(text: &str) -> Result<Money, AmountError> {
        let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
        if text.is_empty() {
            return Err(AmountError::Empty);
        }
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (text, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || frac.is_some_and(|f| !all_digits(f)) {
            return Err(AmountError::Malformed);
        }
        let frac = frac.unwrap_or("");
        if frac.len() > 2 {
            return Err(AmountError::TooManyDecimals);
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > MAX_WHOLE_DIGITS {
            return Err(AmountError::TooLarge);
        }
        let mut tiyin: i64 = 0;
        for b in whole
            .bytes()
            .chain(frac.bytes())
            .chain("00"[frac.len()..].bytes())
        {
            tiyin = tiyin * 10 + i64::from(b - b'0');
        }
        if tiyin == 0 {
            return Err(AmountError::Zero);
        }
        Ok(Money(tiyin))
    }

    /// Always two decimals: `50000.00`. The form TopHamyon writes as a JSON number token.
    pub fn fixed2(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// Whole som with the thousands grouped by spaces, for people: `50 000.01`.
    pub fn grouped(self) -> String {
        let plain = self.to_string();
        let (sign, rest) = plain.split_at(usize::from(plain.starts_with('-')));
        let (whole, frac) = rest.split_once('.').unwrap_or((rest, ""));
        let mut out = String::with_capacity(plain.len() + whole.len() / 3);
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        let frac = if frac.is_empty() {
            String::new()
        } else {
            format!(".{frac}")
        };
        format!("{sign}{out}{frac}")
    }
}

/// The canonical text: whole sums without decimals (`50000`), otherwise two (`50000.50`).
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 % 100 == 0 {
            write!(f, "{}", self.0 / 100)
        } else {
            f.write_str(&self.fixed2())
        }
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        Money(iter.map(|m| m.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_exactly() {
        assert_eq!(Money::parse("50000"), Ok(Money(5_000_000)));
        assert_eq!(Money::parse("1000.00"), Ok(Money(100_000)));
        assert_eq!(Money::parse("1000.5"), Ok(Money(100_050)));
        assert_eq!(Money::parse("0.01"), Ok(Money(1)));
        assert_eq!(Money::parse(" 7 "), Ok(Money(700)));
        assert_eq!(Money::parse("007"), Ok(Money(700)));
    }

    #[test]
    fn rejects_what_is_not_an_amount() {
        use AmountError::*;
        for (text, err) in [
            ("", Empty),
            ("  ", Empty),
            ("1e3", Malformed),
            ("-5", Malformed),
            ("+5", Malformed),
            ("NaN", Malformed),
            ("inf", Malformed),
            ("1,000", Malformed),
            ("1 000", Malformed),
            (".5", Malformed),
            ("5.", Malformed),
            ("1.2.3", Malformed),
            ("٥", Malformed),
            ("1.001", TooManyDecimals),
            ("0", Zero),
            ("0.00", Zero),
            ("1234567890123456", TooLarge),
        ] {
            assert_eq!(Money::parse(text), Err(err), "{text:?}");
        }
    }

    #[test]
    fn formats() {
        assert_eq!(Money(5_000_000).to_string(), "50000");
        assert_eq!(Money(5_000_050).to_string(), "50000.50");
        assert_eq!(Money(5_000_001).to_string(), "50000.01");
        assert_eq!(Money(5_000_000).fixed2(), "50000.00");
        assert_eq!(Money(1).fixed2(), "0.01");
        assert_eq!(Money(-150).fixed2(), "-1.50");
        assert_eq!(Money(5_000_001).grouped(), "50 000.01");
        assert_eq!(Money(100_000_000).grouped(), "1 000 000");
        assert_eq!(Money(99_900).grouped(), "999");
    }

    proptest! {
        #[test]
        fn display_round_trips(t in 1i64..=999_999_999_999_999) {
            let m = Money(t);
            prop_assert_eq!(Money::parse(&m.to_string()), Ok(m));
            prop_assert_eq!(Money::parse(&m.fixed2()), Ok(m));
        }

        #[test]
        fn parse_never_panics(s in "\\PC*") {
            let _ = Money::parse(&s);
        }

        #[test]
        fn parse_accepts_only_digit_forms(s in "[0-9.,+eE -]{0,20}") {
            if let Ok(m) = Money::parse(&s) {
                prop_assert!(m.tiyin() > 0);
                let t = s.trim();
                prop_assert!(t.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
            }
        }
    }
}
