//! Request parameters as PHP's `$_REQUEST` sees them: the query string first, then the body's
//! fields on top (body wins), and within one source the last of a repeated name wins.
//!
//! Every value is text, whatever the source: `amount=50000`, `"amount": 50000` and
//! `"amount": "50000"` all give `"50000"`, and a JSON number keeps the exact text the client
//! wrote (`50000.00` never passes through a float). This module is pure: bytes in, pairs out.
//! The asynchronous part (reading the body, multipart) lives in [`crate::body`].

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::fmt;

/// The largest body read, in bytes. Larger bodies get the dialect's `payload_too_large` error.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The longest parameter value (or name) accepted, in bytes: far above any real shop id, key,
/// amount or order code, far below what could burden the server.
pub const MAX_VALUE_BYTES: usize = 8 * 1024;

/// Why a request's parameters could not be read. Nothing is done for such a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("the body is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error("the body is not valid JSON")]
    MalformedJson,
    #[error("a JSON body must be an object")]
    JsonNotObject,
    #[error("the multipart body is malformed")]
    MalformedMultipart,
    #[error("a parameter is not valid UTF-8")]
    InvalidUtf8,
    #[error("a parameter contains a NUL byte")]
    NulByte,
    #[error("a parameter is longer than {MAX_VALUE_BYTES} bytes")]
    ValueTooLong,
    #[error("the body could not be read")]
    Unreadable,
}

/// One parameter as it arrived.
pub type Pair = (String, String);

/// The merged parameters of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    values: HashMap<String, String>,
}

impl Params {
    /// Query pairs first, body pairs on top: a later pair replaces an earlier one of the same
    /// name, exactly as PHP builds `$_REQUEST` (`request_order = "GP"`).
    pub fn merge(query: Vec<Pair>, body: Vec<Pair>) -> Params {
        let mut values = HashMap::with_capacity(query.len() + body.len());
        values.extend(query);
        values.extend(body);
        Params { values }
    }

    /// The value as sent, if the parameter was sent at all.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The value with surrounding ASCII whitespace removed; `None` when missing or blank
    /// (PHP clients treat an empty parameter as a missing one).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.raw(name)
            .map(|v| v.trim_matches(|c: char| c.is_ascii_whitespace()))
            .filter(|v| !v.is_empty())
    }
}

/// How a body is to be read, from its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Form,
    Json,
    Multipart,
    /// No or an unknown content type: JSON if it looks like a JSON object, else a form.
    Sniff,
}

impl BodyKind {
    pub fn of(content_type: Option<&str>) -> BodyKind {
        let Some(ct) = content_type else {
            return BodyKind::Sniff;
        };
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if essence == "application/x-www-form-urlencoded" {
            BodyKind::Form
        } else if essence == "multipart/form-data" {
            BodyKind::Multipart
        } else if essence == "application/json" || essence.ends_with("+json") {
            BodyKind::Json
        } else {
            BodyKind::Sniff
        }
    }
}

/// Reads a body that is not multipart. An empty (or blank) body has no parameters, whatever
/// its declared type: clients often send `Content-Type: application/json` on a bare GET.
pub fn parse_body(kind: BodyKind, body: &[u8]) -> Result<Vec<Pair>, ParamError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ParamError::TooLarge);
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    match kind {
        BodyKind::Json => parse_json(body),
        // A form never starts with `{`; PHP's curl labels a JSON string it posts as a form
        // unless told otherwise, so such a body is read as the JSON it is.
        BodyKind::Form | BodyKind::Sniff if looks_like_json(body) => parse_json(body),
        BodyKind::Form | BodyKind::Sniff => parse_urlencoded(body),
        // The caller parses multipart itself; reaching here means it did not recognise the body.
        BodyKind::Multipart => Err(ParamError::MalformedMultipart),
    }
}

fn looks_like_json(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Parses `a=1&b=2` as PHP's `parse_str` does: `+` is a space, `%XX` a byte (a malformed
/// escape stays as written), a name without `=` has an empty value, an empty name is skipped.
/// Decoded names and values must be UTF-8 without NUL bytes.
pub fn parse_urlencoded(input: &[u8]) -> Result<Vec<Pair>, ParamError> {
    let mut pairs = Vec::new();
    for segment in input.split(|&b| b == b'&') {
        if segment.is_empty() {
            continue;
        }
        let (name, value) = match segment.iter().position(|&b| b == b'=') {
            Some(i) => (&segment[..i], &segment[i + 1..]),
            None => (segment, &b""[..]),
        };
        let name = checked_text(percent_decode(name))?;
        if name.is_empty() {
            continue;
        }
        let value = checked_text(percent_decode(value))?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = input.get(i + 1).and_then(|&h| hex_value(h));
                let lo = input.get(i + 2).and_then(|&l| hex_value(l));
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    out.push(hi << 4 | lo);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            _ => out.push(b),
        }
        i += 1;
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Bytes to a parameter's text: UTF-8, no NUL, not too long; or a clear error.
pub fn checked_text(bytes: Vec<u8>) -> Result<String, ParamError> {
    let text = String::from_utf8(bytes).map_err(|_| ParamError::InvalidUtf8)?;
    checked_str(text)
}

fn checked_str(text: String) -> Result<String, ParamError> {
    if text.len() > MAX_VALUE_BYTES {
        return Err(ParamError::ValueTooLong);
    }
    if text.contains('\0') {
        return Err(ParamError::NulByte);
    }
    Ok(text)
}

/// Parses a JSON object's top-level members into text pairs, in the order written (so a
/// repeated member: last wins). Strings give their content, numbers their exact text, `null`
/// an empty (so missing) value; `true`, `false`, arrays and objects keep their JSON text,
/// which no parameter accepts, so whichever parser reads them refuses them (`"amount": true`
/// is not an amount, as `is_numeric(true)` is false in the original's PHP).
pub fn parse_json(body: &[u8]) -> Result<Vec<Pair>, ParamError> {
    let text = std::str::from_utf8(body).map_err(|_| ParamError::InvalidUtf8)?;
    if !looks_like_json(body) {
        // Still tell a malformed document from a well-formed array, string or number.
        return match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Ok(_) => Err(ParamError::JsonNotObject),
            Err(_) => Err(ParamError::MalformedJson),
        };
    }
    let members: Members = serde_json::from_str(text).map_err(|_| ParamError::MalformedJson)?;
    members
        .0
        .into_iter()
        .map(|(name, raw)| Ok((checked_str(name)?, scalar_text(&raw)?)))
        .collect()
}

fn scalar_text(raw: &RawValue) -> Result<String, ParamError> {
    let text = raw.get().trim_matches(|c: char| c.is_ascii_whitespace());
    match text.as_bytes().first() {
        Some(b'"') => {
            let s: String = serde_json::from_str(text).map_err(|_| ParamError::MalformedJson)?;
            checked_str(s)
        }
        Some(b'n') => Ok(String::new()),
        _ => checked_str(text.to_owned()),
    }
}

/// A JSON object's members in document order, values kept as raw JSON text.
struct Members(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, Box<RawValue>>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

#[cfg(test)]
mod tests;
