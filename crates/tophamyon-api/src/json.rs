//! A small JSON object writer, so each answer is written exactly as the dialect wants it:
//! fields in the document's order and amounts as number tokens with two decimals
//! (`50000.00`), straight from tiyin — a float never comes near them.

use payments_core::Money;
use std::fmt::Write as _;
use time::OffsetDateTime;

/// Builds one JSON object, field by field.
#[derive(Debug)]
pub struct Object {
    buf: String,
    empty: bool,
}

impl Default for Object {
    fn default() -> Self {
        Object::new()
    }
}

impl Object {
    pub fn new() -> Object {
        // Room for a whole `check_payment` answer: no reallocation while it is written.
        let mut buf = String::with_capacity(512);
        buf.push('{');
        Object { buf, empty: true }
    }

    fn key(&mut self, key: &str) -> &mut String {
        if !self.empty {
            self.buf.push(',');
        }
        self.empty = false;
        write_string(&mut self.buf, key);
        self.buf.push(':');
        &mut self.buf
    }

    pub fn str(&mut self, key: &str, value: &str) -> &mut Object {
        write_string(self.key(key), value);
        self
    }

    /// A string, or `null` when absent.
    pub fn opt_str(&mut self, key: &str, value: Option<&str>) -> &mut Object {
        match value {
            Some(v) => self.str(key, v),
            None => self.raw(key, "null"),
        }
    }

    /// An amount as a JSON number token with exactly two decimals: `50000.00`.
    pub fn money(&mut self, key: &str, value: Money) -> &mut Object {
        push_fixed2(self.key(key), value);
        self
    }

    /// An amount as the document's formatted string: `"50000.00 UZS"`.
    pub fn money_formatted(&mut self, key: &str, value: Money) -> &mut Object {
        let buf = self.key(key);
        buf.push('"');
        push_fixed2(buf, value);
        buf.push_str(" UZS\"");
        self
    }

    pub fn int(&mut self, key: &str, value: i64) -> &mut Object {
        let buf = self.key(key);
        let _ = write!(buf, "{value}");
        self
    }

    pub fn uint(&mut self, key: &str, value: u64) -> &mut Object {
        let buf = self.key(key);
        let _ = write!(buf, "{value}");
        self
    }

    pub fn bool(&mut self, key: &str, value: bool) -> &mut Object {
        self.raw(key, if value { "true" } else { "false" })
    }

    /// A time as the document shows it, `YYYY-MM-DD HH:MM:SS` (already in the display offset).
    pub fn time(&mut self, key: &str, value: OffsetDateTime) -> &mut Object {
        // Digits, `-`, ` ` and `:`: nothing to escape.
        let buf = self.key(key);
        buf.push('"');
        push_datetime(buf, value);
        buf.push('"');
        self
    }

    /// A value that is already JSON text (an array written by [`array()`], an object).
    pub fn raw(&mut self, key: &str, json: &str) -> &mut Object {
        self.key(key).push_str(json);
        self
    }

    pub fn finish(&mut self) -> String {
        let mut out = std::mem::take(&mut self.buf);
        out.push('}');
        self.empty = true;
        self.buf.push('{');
        out
    }
}

/// A JSON array of values that are already JSON text.
pub fn array<I: IntoIterator<Item = String>>(items: I) -> String {
    let mut out = String::from("[");
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&item);
    }
    out.push(']');
    out
}

/// The number token of an amount: digits, a dot, two digits (`-` first only if negative).
pub fn money_token(value: Money) -> String {
    value.fixed2()
}

/// `"50000.00 UZS"`.
pub fn money_formatted(value: Money) -> String {
    format!("{} UZS", value.fixed2())
}

/// `YYYY-MM-DD HH:MM:SS` of a time in its own offset.
pub fn datetime(t: OffsetDateTime) -> String {
    let mut out = String::with_capacity(19);
    push_datetime(&mut out, t);
    out
}

/// Appends `YYYY-MM-DD HH:MM:SS` (the year as `{:04}` writes it), digit by digit: the
/// formatting machinery cost more than the rest of a `check_payment` answer.
fn push_datetime(buf: &mut String, t: OffsetDateTime) {
    let (year, month, day) = t.to_calendar_date();
    let (hour, minute, second) = t.to_hms();
    match u16::try_from(year) {
        Ok(y) if y <= 9999 => {
            push_two(buf, (y / 100) as u8);
            push_two(buf, (y % 100) as u8);
        }
        _ => {
            let _ = write!(buf, "{year:04}");
        }
    }
    buf.push('-');
    push_two(buf, u8::from(month));
    buf.push('-');
    push_two(buf, day);
    buf.push(' ');
    push_two(buf, hour);
    buf.push(':');
    push_two(buf, minute);
    buf.push(':');
    push_two(buf, second);
}

/// Appends a number below 100 as two digits.
fn push_two(buf: &mut String, n: u8) {
    buf.push(char::from(b'0' + n / 10 % 10));
    buf.push(char::from(b'0' + n % 10));
}

/// Appends an amount as [`Money::fixed2`] writes it (`-` first only if negative).
fn push_fixed2(buf: &mut String, value: Money) {
    let tiyin = value.tiyin();
    if tiyin < 0 {
        buf.push('-');
    }
    let abs = tiyin.unsigned_abs();
    let mut whole = abs / 100;
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (whole % 10) as u8;
        whole /= 10;
        if whole == 0 {
            break;
        }
    }
    for &d in &digits[start..] {
        buf.push(char::from(d));
    }
    buf.push('.');
    push_two(buf, (abs % 100) as u8);
}

/// Writes `text` as a JSON string: quotes, backslashes and control characters escaped.
pub fn write_string(buf: &mut String, text: &str) {
    buf.push('"');
    // Runs of text that need no escape are copied whole (most strings are one run). Every
    // byte that may need one is ASCII or starts a character, so `i` is a char boundary.
    let bytes = text.as_bytes();
    let mut plain = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (escape, len, code): (&str, usize, u32) = match b {
            b'"' => ("\\\"", 1, 0),
            b'\\' => ("\\\\", 1, 0),
            b'\n' => ("\\n", 1, 0),
            b'\r' => ("\\r", 1, 0),
            b'\t' => ("\\t", 1, 0),
            0x00..=0x1f => ("", 1, u32::from(b)),
            // U+2028/2029 (E2 80 A8/A9) are valid JSON but break JavaScript string literals;
            // escape them too.
            0xe2 if bytes.get(i + 1) == Some(&0x80)
                && matches!(bytes.get(i + 2), Some(0xa8 | 0xa9)) =>
            {
                ("", 3, 0x2000 + u32::from(bytes[i + 2] - 0x80))
            }
            _ => {
                i += 1;
                continue;
            }
        };
        buf.push_str(&text[plain..i]);
        if escape.is_empty() {
            let _ = write!(buf, "\\u{code:04x}");
        } else {
            buf.push_str(escape);
        }
        i += len;
        plain = i;
    }
    buf.push_str(&text[plain..]);
    buf.push('"');
}

#[cfg(test)]
mod reference {
    //! The formatting writers the byte-wise ones replaced, to compare against.
    use std::fmt::Write as _;
    use time::OffsetDateTime;

    pub fn datetime(t: OffsetDateTime) -> String {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }

    pub fn write_string(text: &str) -> String {
        let mut buf = String::from('"');
        let mut plain = 0;
        for (i, c) in text.char_indices() {
            let escape = match c {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => "",
                _ => continue,
            };
            buf.push_str(&text[plain..i]);
            if escape.is_empty() {
                let _ = write!(buf, "\\u{:04x}", c as u32);
            } else {
                buf.push_str(escape);
            }
            plain = i + c.len_utf8();
        }
        buf.push_str(&text[plain..]);
        buf.push('"');
        buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn writes_amount_tokens_exactly() {
        let m = |t| money_token(Money::from_tiyin(t));
        assert_eq!(m(5_000_000), "50000.00");
        assert_eq!(m(100_000), "1000.00");
        assert_eq!(m(100_050), "1000.50");
        assert_eq!(m(1), "0.01");
        assert_eq!(m(0), "0.00");
        assert_eq!(
            money_formatted(Money::from_tiyin(5_000_000)),
            "50000.00 UZS"
        );
    }

    #[test]
    fn builds_objects_in_order() {
        let body = Object::new()
            .bool("success", true)
            .str("shop_id", "101")
            .money("balance", Money::from_tiyin(5_000_000))
            .money_formatted("balance_formatted", Money::from_tiyin(5_000_000))
            .int("expires_in", 300)
            .uint("total", 7)
            .opt_str("finished_at", None)
            .raw("payments", &array(vec!["{}".to_owned(), "{}".to_owned()]))
            .finish();
        assert_eq!(
            body,
            r#"{"success":true,"shop_id":"101","balance":50000.00,"balance_formatted":"50000.00 UZS","expires_in":300,"total":7,"finished_at":null,"payments":[{},{}]}"#
        );
        assert_eq!(Object::new().finish(), "{}");
        assert_eq!(array(Vec::new()), "[]");
    }

    #[test]
    fn formats_times_like_the_document() {
        assert_eq!(
            datetime(datetime!(2024-01-01 12:00:00 +05:00)),
            "2024-01-01 12:00:00"
        );
        assert_eq!(
            datetime(datetime!(2026-12-31 07:08:09.999 UTC)),
            "2026-12-31 07:08:09"
        );
    }

    #[test]
    fn escapes_strings() {
        let mut s = String::new();
        write_string(&mut s, "Test Do'kon \"1\" \\ \n\u{0}\u{2028}д");
        assert_eq!(s, r#""Test Do'kon \"1\" \\ \n\u0000\u2028д""#);
    }

    proptest! {
        #[test]
        fn amount_tokens_are_exact_json_numbers(t in 0i64..=99_999_999_999_999_999) {
            let token = money_token(Money::from_tiyin(t));
            let (whole, frac) = token.split_once('.').expect("has a dot");
            prop_assert!(!whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()));
            prop_assert_eq!(frac.len(), 2);
            prop_assert!(frac.bytes().all(|b| b.is_ascii_digit()));
            prop_assert!(whole == "0" || !whole.starts_with('0'));
            // The token is valid JSON, and exact: parsing it back gives the same tiyin.
            let body = Object::new().money("amount", Money::from_tiyin(t)).finish();
            let v: serde_json::Value = serde_json::from_str(&body).expect("valid JSON");
            prop_assert!(v["amount"].is_number());
            if t > 0 {
                prop_assert_eq!(Money::parse(&token), Ok(Money::from_tiyin(t)));
            }
        }

        #[test]
        fn any_tiyin_renders_without_panic(t in any::<i64>()) {
            let body = Object::new().money("amount", Money::from_tiyin(t)).finish();
            prop_assert!(serde_json::from_str::<serde_json::Value>(&body).is_ok());
        }

        /// The byte-wise writers write what the formatting ones they replaced wrote.
        #[test]
        fn writers_match_their_reference(s in "\\PC*|[\\x00-\\x1f\"\\\\\u{2028}\u{2029}a-zд]*", t in any::<i64>(), secs in -377_705_116_800i64..=253_402_300_799) {
            let mut fast = String::new();
            write_string(&mut fast, &s);
            prop_assert_eq!(fast, reference::write_string(&s));
            prop_assert_eq!(
                Object::new().money("a", Money::from_tiyin(t)).money_formatted("b", Money::from_tiyin(t)).finish(),
                format!("{{\"a\":{},\"b\":\"{} UZS\"}}", Money::from_tiyin(t).fixed2(), Money::from_tiyin(t).fixed2())
            );
            let at = OffsetDateTime::from_unix_timestamp(secs).expect("in range");
            prop_assert_eq!(datetime(at), reference::datetime(at));
        }

        #[test]
        fn strings_round_trip_through_json(s in "\\PC*|[\\x00-\\x1f\"\\\\]*") {
            let body = Object::new().str("k", &s).finish();
            let v: serde_json::Value = serde_json::from_str(&body).expect("valid JSON");
            prop_assert_eq!(v["k"].as_str(), Some(s.as_str()));
        }
    }
}
