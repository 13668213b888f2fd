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
        Object {
            buf: String::from("{"),
            empty: true,
        }
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
        let token = money_token(value);
        self.raw(key, &token)
    }

    /// An amount as the document's formatted string: `"50000.00 UZS"`.
    pub fn money_formatted(&mut self, key: &str, value: Money) -> &mut Object {
        self.str(key, &money_formatted(value))
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
        self.str(key, &datetime(value))
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

/// Writes `text` as a JSON string: quotes, backslashes and control characters escaped.
pub fn write_string(buf: &mut String, text: &str) {
    buf.push('"');
    // Runs of text that need no escape are copied whole (most strings are one run).
    let mut plain = 0;
    for (i, c) in text.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            // U+2028/2029 are valid JSON but break JavaScript string literals; escape them too.
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

        #[test]
        fn strings_round_trip_through_json(s in "\\PC*|[\\x00-\\x1f\"\\\\]*") {
            let body = Object::new().str("k", &s).finish();
            let v: serde_json::Value = serde_json::from_str(&body).expect("valid JSON");
            prop_assert_eq!(v["k"].as_str(), Some(s.as_str()));
        }
    }
}
