//! Reading a notification's number exactly: `1.010,00`, `8 000.00`, `220,118.00`,
//! `3 300 000,00` (U+202F), never through a float.

use crate::{AmountError, Money};

/// Spaces that may group thousands (and that may surround the number on its line): ASCII
/// space, no-break space U+00A0, narrow no-break space U+202F, thin space U+2009.
pub(super) fn is_inline_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{00A0}' | '\u{202F}' | '\u{2009}')
}

/// A character that may stand between digit groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    Dot,
    Comma,
    Space,
}

impl Sep {
    fn of(c: char) -> Option<Sep> {
        match c {
            '.' => Some(Sep::Dot),
            ',' => Some(Sep::Comma),
            c if is_inline_space(c) && c != '\t' => Some(Sep::Space),
            _ => None,
        }
    }

    fn char(self) -> char {
        match self {
            Sep::Dot => '.',
            Sep::Comma => ',',
            Sep::Space => ' ',
        }
    }
}

/// A number as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Reading {
    /// The amount, positive.
    pub money: Money,
    /// The decimal separator, `'.'` or `','`, when the number has decimals.
    pub decimal: Option<char>,
}

/// Reads `text` (the number alone, surrounding spaces allowed) as an amount of som.
///
/// Digits in groups: when thousands are separated, the first group has one to three digits and
/// every other group exactly three, all separated by the same kind of separator (`.`, `,`, or a
/// space of any kind). A final `,` or `.` followed by exactly two digits is the decimal
/// separator; it must differ from the thousands separator. Without decimals the amount is
/// whole. The error is a short phrase saying what is wrong.
pub(super) fn read_number(text: &str) -> Result<Reading, &'static str> {
    let text = text.trim_matches(is_inline_space);
    if text.is_empty() {
        return Err("there is no number");
    }
    let mut groups: Vec<&str> = Vec::new();
    let mut seps: Vec<Sep> = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c.is_ascii_digit() {
            continue;
        }
        let sep = Sep::of(c).ok_or("it holds a character that is not a digit or a separator")?;
        let group = text.get(start..i).unwrap_or_default();
        if group.is_empty() {
            return Err(if groups.is_empty() {
                "it starts with a separator"
            } else {
                "it has two separators in a row"
            });
        }
        groups.push(group);
        seps.push(sep);
        start = i + c.len_utf8();
    }
    let last = text.get(start..).unwrap_or_default();
    if last.is_empty() {
        return Err("it ends with a separator");
    }
    groups.push(last);

    let last_sep = seps.last().copied();
    let decimal = match last_sep {
        Some(sep @ (Sep::Dot | Sep::Comma)) if last.len() == 2 => Some(sep),
        Some(Sep::Dot | Sep::Comma) if last.len() != 3 => {
            return Err("its decimal part does not have exactly two digits");
        }
        _ => None,
    };
    let frac = if decimal.is_some() {
        groups.pop();
        seps.pop();
        last
    } else {
        "00"
    };

    if let Some(&thousands) = seps.first() {
        if seps.iter().any(|&s| s != thousands) {
            return Err("it mixes different thousands separators");
        }
        if Some(thousands) == decimal {
            return Err("the same separator marks thousands and decimals");
        }
        let head_ok = groups.first().is_some_and(|g| g.len() <= 3);
        if !head_ok || groups.iter().skip(1).any(|g| g.len() != 3) {
            return Err("its thousands groups do not have three digits each");
        }
    }
    let whole: String = groups.concat();
    if whole.len() > 1 && whole.starts_with('0') {
        return Err("its whole part starts with a zero");
    }
    let money = Money::parse(&format!("{whole}.{frac}")).map_err(|e| match e {
        AmountError::Zero => "it is zero",
        AmountError::TooLarge => "it has more than 15 whole digits",
        AmountError::Empty | AmountError::Malformed | AmountError::TooManyDecimals => {
            "it is malformed"
        }
    })?;
    Ok(Reading {
        money,
        decimal: decimal.map(Sep::char),
    })
}
