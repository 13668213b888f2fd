//! Strict parsing of `application/x-www-form-urlencoded` text (a query string or a form body)
//! into named parameters.
//!
//! Unlike the lenient decoders, a malformed escape (`%zz`), bytes that are not UTF-8, control
//! characters (NUL included), oversized names or values, too many parameters and one name given
//! twice with different values are errors, each with its own stable code. A name repeated with
//! the same value is accepted. Empty segments (`a=1&&b=2`) and empty names are skipped.

/// Most parameters one request may carry (query string and body together).
pub const MAX_PARAMS: usize = 64;
/// Longest parameter name, in bytes after decoding.
pub const MAX_NAME_LEN: usize = 64;
/// Longest parameter value, in bytes after decoding.
pub const MAX_VALUE_LEN: usize = 1024;

/// Why the parameters could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("Request parameters contain invalid percent-encoding")]
    BadEscape,
    #[error("Request parameters must be UTF-8 text")]
    NotUtf8,
    #[error("Parameter {0} contains control characters")]
    ControlCharacter(String),
    #[error(
        "Parameter {0} is too long (values at most {MAX_VALUE_LEN} bytes, names {MAX_NAME_LEN})"
    )]
    TooLong(String),
    #[error("Too many parameters (at most {MAX_PARAMS})")]
    TooMany,
    #[error("Parameter {0} is given more than once with different values")]
    Duplicate(String),
}

impl QueryError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            QueryError::BadEscape | QueryError::NotUtf8 => "invalid_encoding",
            QueryError::ControlCharacter(_) => "invalid_characters",
            QueryError::TooLong(_) => "parameter_too_long",
            QueryError::TooMany => "too_many_parameters",
            QueryError::Duplicate(_) => "duplicate_parameter",
        }
    }
}

/// A name as it may be shown back in an error message: only short, plain ones are echoed.
fn shown(name: &str) -> String {
    if !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
    {
        format!("'{name}'")
    } else {
        "(unnamed)".to_owned()
    }
}

/// Request parameters by name, in the order first seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses urlencoded text (`a=1&b=x%20y`).
    pub fn parse(text: &[u8]) -> Result<Params, QueryError> {
        let mut params = Params::default();
        params.extend_from(text)?;
        Ok(params)
    }

    /// Adds the parameters of more urlencoded text (a form body after the query string).
    pub fn extend_from(&mut self, text: &[u8]) -> Result<(), QueryError> {
        for segment in text.split(|&b| b == b'&') {
            if segment.is_empty() {
                continue;
            }
            let (name, value) = match segment.iter().position(|&b| b == b'=') {
                Some(i) => (&segment[..i], &segment[i + 1..]),
                None => (segment, &[][..]),
            };
            let name = decode(name)?;
            if name.is_empty() {
                continue;
            }
            if name.len() > MAX_NAME_LEN {
                return Err(QueryError::TooLong(shown(&name)));
            }
            // Bounded before decoding: a decoded value is at least a third of its raw text.
            if value.len() > MAX_VALUE_LEN * 3 {
                return Err(QueryError::TooLong(shown(&name)));
            }
            let value = decode(value)?;
            self.insert(name, value)?;
        }
        Ok(())
    }

    /// Adds one decoded parameter, checking it as [`Params::parse`] does.
    pub fn insert(&mut self, name: String, value: String) -> Result<(), QueryError> {
        if name.len() > MAX_NAME_LEN || value.len() > MAX_VALUE_LEN {
            return Err(QueryError::TooLong(shown(&name)));
        }
        if has_control(&name) || has_control(&value) {
            return Err(QueryError::ControlCharacter(shown(&name)));
        }
        match self.pairs.iter().find(|(n, _)| *n == name) {
            Some((_, existing)) if *existing == value => Ok(()),
            Some(_) => Err(QueryError::Duplicate(shown(&name))),
            None if self.pairs.len() >= MAX_PARAMS => Err(QueryError::TooMany),
            None => {
                self.pairs.push((name, value));
                Ok(())
            }
        }
    }

    /// The value of a parameter; an empty value counts as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes one name or value: `+` is a space, `%XX` a byte; the result must be UTF-8.
fn decode(raw: &[u8]) -> Result<String, QueryError> {
    // Bounded before allocating (names reach here unchecked).
    if raw.len() > MAX_VALUE_LEN * 3 {
        return Err(QueryError::TooLong("(unnamed)".to_owned()));
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = raw.get(i + 1).copied().and_then(hex);
                let lo = raw.get(i + 2).copied().and_then(hex);
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push(h << 4 | l),
                    _ => return Err(QueryError::BadEscape),
                }
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| QueryError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> Result<Params, QueryError> {
        Params::parse(text.as_bytes())
    }

    #[test]
    fn reads_the_documents_queries() {
        let p = parse("shop_id=101&shop_key=test_key_123&amount=1000.00").expect("parses");
        assert_eq!(p.get("shop_id"), Some("101"));
        assert_eq!(p.get("shop_key"), Some("test_key_123"));
        assert_eq!(p.get("amount"), Some("1000.00"));
        assert_eq!(p.get("limit"), None);
        assert_eq!(p.len(), 3);
    }

    #[test]
    fn decodes_escapes_and_plus() {
        let p = parse("a=x%20y+z&b=%D0%B4&c=%2B1&d").expect("parses");
        assert_eq!(p.get("a"), Some("x y z"));
        assert_eq!(p.get("b"), Some("д"));
        assert_eq!(p.get("c"), Some("+1"));
        assert_eq!(p.get("d"), None, "present but empty counts as absent");
        assert_eq!(p.len(), 4);
    }

    #[test]
    fn skips_empty_segments_and_names() {
        let p = parse("&&a=1&&=5&").expect("parses");
        assert_eq!(p.get("a"), Some("1"));
        assert_eq!(p.len(), 1);
        assert!(parse("").expect("parses").is_empty());
    }

    #[test]
    fn rejects_bad_input_with_codes() {
        for (text, code) in [
            ("a=%zz", "invalid_encoding"),
            ("a=%4", "invalid_encoding"),
            ("a=%", "invalid_encoding"),
            ("a%=1", "invalid_encoding"),
            ("a=%FF", "invalid_encoding"),
            ("a=%C3%28", "invalid_encoding"),
            ("a=%00", "invalid_characters"),
            ("a=x%0Ay", "invalid_characters"),
            ("a%00=1", "invalid_characters"),
            ("a=%7F", "invalid_characters"),
            ("amount=1000&amount=5000", "duplicate_parameter"),
        ] {
            let err = parse(text).expect_err(text);
            assert_eq!(err.code(), code, "{text}");
        }
        let long = format!("a={}", "x".repeat(MAX_VALUE_LEN + 1));
        assert_eq!(parse(&long).expect_err("long").code(), "parameter_too_long");
        let long_escaped = format!("a={}", "%41".repeat(MAX_VALUE_LEN + 1));
        assert_eq!(
            parse(&long_escaped).expect_err("long").code(),
            "parameter_too_long"
        );
        let long_name = format!("{}=1", "n".repeat(MAX_NAME_LEN + 1));
        assert_eq!(
            parse(&long_name).expect_err("long").code(),
            "parameter_too_long"
        );
        let many: Vec<String> = (0..=MAX_PARAMS).map(|i| format!("p{i}=1")).collect();
        assert_eq!(
            parse(&many.join("&")).expect_err("many").code(),
            "too_many_parameters"
        );
    }

    #[test]
    fn same_value_twice_is_fine() {
        let p = parse("shop_id=101&shop_id=101").expect("parses");
        assert_eq!(p.get("shop_id"), Some("101"));
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn body_after_query_follows_the_same_rules() {
        let mut p = parse("shop_id=101").expect("parses");
        p.extend_from(b"shop_key=test_key_123&shop_id=101")
            .expect("same value");
        assert_eq!(p.get("shop_key"), Some("test_key_123"));
        assert_eq!(
            p.extend_from(b"shop_id=102").expect_err("conflict").code(),
            "duplicate_parameter"
        );
    }

    #[test]
    fn error_messages_echo_only_plain_names() {
        assert_eq!(
            parse("amount=1&amount=2").expect_err("dup").to_string(),
            "Parameter 'amount' is given more than once with different values"
        );
        let err = parse("%3Cscript%3E=%00").expect_err("control");
        assert_eq!(
            err.to_string(),
            "Parameter (unnamed) contains control characters"
        );
    }

    proptest! {
        #[test]
        fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = Params::parse(&bytes);
        }

        #[test]
        fn never_panics_on_escape_soup(s in "[a-z=&%+0-9A-F]{0,200}") {
            let _ = parse(&s);
        }

        #[test]
        fn round_trips_what_encoders_write(
            pairs in proptest::collection::btree_map("[a-z_]{1,12}", "[^\\p{Cc}]{0,40}", 0..10)
        ) {
            let encoded = serde_urlencoded::to_string(&pairs).expect("encodes");
            let p = Params::parse(encoded.as_bytes()).expect("parses what was encoded");
            for (name, value) in &pairs {
                let want = if value.is_empty() { None } else { Some(value.as_str()) };
                prop_assert_eq!(p.get(name), want);
            }
        }
    }
}
