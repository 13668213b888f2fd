//! Money as an integer count of tiyin (1 so'm = 100 tiyin): parsed from text exactly, shown as
//! text, never a float.

/// An amount of money in tiyin.
pub type Tiyin = u64;

/// Tiyin in one so'm.
pub const TIYIN_PER_SOM: Tiyin = 100;

/// Why what a user typed is not an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    /// Nothing was typed.
    Empty,
    /// A minus sign: `-5`.
    Negative,
    /// Zero: `0`, `0.00`.
    Zero,
    /// An exponent: `1e3`.
    Exponent,
    /// Thousands separators or a decimal comma: `1,000`, `1 000`, `1'000`, `1_000`, `1,5`.
    Separator,
    /// More than two digits after the point: `1.005`.
    TooManyDecimals,
    /// Larger than any amount can be.
    TooLarge,
    /// Anything else that is not digits with at most two decimals: `abc`, `+5`, `.5`, `5.`.
    NotANumber,
}

/// Parses an amount in so'm, as a user types it after `/topup` and as Kassa answers it:
/// digits, optionally a point and one or two more digits (`50000`, `50000.5`, `50000.01`).
pub fn parse_som(text: &str) -> Result<Tiyin, AmountError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(AmountError::Empty);
    }
    let numeric_ish = |t: &str| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | 'e' | 'E' | '+' | '-'))
    };
    if let Some(rest) = s.strip_prefix('-') {
        if numeric_ish(rest.trim_start()) {
            return Err(AmountError::Negative);
        }
        return Err(AmountError::NotANumber);
    }
    let has_digit = s.chars().any(|c| c.is_ascii_digit());
    if has_digit
        && s.chars().any(|c| c == 'e' || c == 'E')
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
    {
        return Err(AmountError::Exponent);
    }
    if has_digit
        && s.chars()
            .any(|c| matches!(c, ',' | ' ' | '\'' | '_' | '\u{a0}' | '\u{202f}'))
        && s.chars().all(|c| {
            c.is_ascii_digit() || matches!(c, '.' | ',' | ' ' | '\'' | '_' | '\u{a0}' | '\u{202f}')
        })
    {
        return Err(AmountError::Separator);
    }
    let (whole, fraction) = match s.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) {
        return Err(AmountError::NotANumber);
    }
    let fraction_tiyin = match fraction {
        None => 0,
        Some(f) if !digits(f) => return Err(AmountError::NotANumber),
        Some(f) if f.len() > 2 => return Err(AmountError::TooManyDecimals),
        Some(f) => {
            let mut value = 0;
            for (i, b) in f.bytes().enumerate() {
                let digit = Tiyin::from(b - b'0');
                value += if i == 0 { digit * 10 } else { digit };
            }
            value
        }
    };
    let mut som: Tiyin = 0;
    for b in whole.bytes() {
        som = som
            .checked_mul(10)
            .and_then(|v| v.checked_add(Tiyin::from(b - b'0')))
            .ok_or(AmountError::TooLarge)?;
    }
    let total = som
        .checked_mul(TIYIN_PER_SOM)
        .and_then(|v| v.checked_add(fraction_tiyin))
        .ok_or(AmountError::TooLarge)?;
    if total == 0 {
        return Err(AmountError::Zero);
    }
    Ok(total)
}

/// Parses an amount as Kassa answers it (`"50000"`, `"1000.50"`); zero is allowed here.
pub fn parse_kassa(text: &str) -> Option<Tiyin> {
    match parse_som(text) {
        Ok(v) => Some(v),
        Err(AmountError::Zero) => Some(0),
        Err(_) => None,
    }
}

/// The form Kassa takes and answers: `50000`, `1000.50`.
pub fn to_kassa(amount: Tiyin) -> String {
    let (som, tiyin) = (amount / TIYIN_PER_SOM, amount % TIYIN_PER_SOM);
    if tiyin == 0 {
        som.to_string()
    } else {
        format!("{som}.{tiyin:02}")
    }
}

/// For people: `50 000`, `1 000.50`.
pub fn display(amount: Tiyin) -> String {
    let (som, tiyin) = (amount / TIYIN_PER_SOM, amount % TIYIN_PER_SOM);
    let digits = som.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    if tiyin == 0 {
        grouped
    } else {
        format!("{grouped}.{tiyin:02}")
    }
}

/// Serde as Kassa's text form (`"50000"`, `"1000.50"`), so files hold exact amounts.
pub mod kassa_text {
    use super::Tiyin;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(amount: &Tiyin, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::to_kassa(*amount))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tiyin, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_kassa(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not an amount: {text:?}")))
    }
}
