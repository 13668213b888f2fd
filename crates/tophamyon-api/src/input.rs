//! A request's parameters: the query string, and for POST a form or JSON body as well, read
//! with the strict rules of [`crate::query`]. A name given both in the query and in the body
//! with different values is refused as a duplicate, never silently resolved.

use crate::errors::ApiError;
use crate::query::{MAX_PARAMS, Params};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpMessage, HttpRequest, web};
use serde::de::{Deserializer, Error as _, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

/// Largest request body read, in bytes.
pub const MAX_BODY: usize = 16 * 1024;

/// Every parameter of the request.
pub async fn gather(req: &HttpRequest, payload: web::Payload) -> Result<Params, ApiError> {
    let mut params = Params::parse(req.query_string().as_bytes())?;
    if req.method() != Method::POST {
        return Ok(params);
    }
    let body = match payload.to_bytes_limited(MAX_BODY).await {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => {
            return Err(ApiError::with_status(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                "Request body could not be read",
            ));
        }
        Err(_) => {
            return Err(ApiError::with_status(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("Request body is larger than {MAX_BODY} bytes"),
            ));
        }
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(params);
    }
    let content_type = req.content_type().to_ascii_lowercase();
    match content_type.as_str() {
        "" | "application/x-www-form-urlencoded" => params.extend_from(&body)?,
        "application/json" => add_json(&mut params, &body)?,
        _ => {
            return Err(ApiError::with_status(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_content_type",
                "Send parameters in the query string, a form body \
                 (application/x-www-form-urlencoded) or a JSON object",
            ));
        }
    }
    Ok(params)
}

fn invalid_json() -> ApiError {
    ApiError::new(
        "invalid_body",
        "Request body is not a JSON object of strings and numbers",
    )
}

/// Adds the members of a JSON object body. Strings are taken as they are; numbers as the very
/// text the client wrote (`1000.00` stays exact); `null` counts as absent.
pub(crate) fn add_json(params: &mut Params, body: &[u8]) -> Result<(), ApiError> {
    let pairs: JsonPairs = serde_json::from_slice(body).map_err(|_| invalid_json())?;
    for (name, raw) in pairs.0 {
        let text = raw.get();
        let value = match text.as_bytes().first() {
            Some(b'"') => serde_json::from_str::<String>(text).map_err(|_| invalid_json())?,
            Some(b'-' | b'0'..=b'9') => text.to_owned(),
            Some(b'n') => continue,
            _ => return Err(invalid_json()),
        };
        params.insert(name, value)?;
    }
    Ok(())
}

/// A JSON object's members in order, duplicates kept (so they are refused like the query's).
struct JsonPairs(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for JsonPairs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JsonPairs, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = JsonPairs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonPairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry::<String, Box<RawValue>>()? {
                    if pairs.len() >= MAX_PARAMS {
                        return Err(A::Error::custom("too many members"));
                    }
                    pairs.push(pair);
                }
                Ok(JsonPairs(pairs))
            }
        }
        deserializer.deserialize_map(PairsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(body: &str) -> Result<Params, ApiError> {
        let mut p = Params::default();
        add_json(&mut p, body.as_bytes()).map(|()| p)
    }

    #[test]
    fn json_numbers_keep_their_text() {
        let p = json(r#"{"shop_id":101,"shop_key":"test_key_123","amount":1000.00,"x":null}"#)
            .expect("parses");
        assert_eq!(p.get("shop_id"), Some("101"));
        assert_eq!(p.get("amount"), Some("1000.00"));
        assert_eq!(p.get("shop_key"), Some("test_key_123"));
        assert_eq!(p.get("x"), None);
    }

    #[test]
    fn json_rejects_what_is_not_a_flat_object() {
        for body in [
            "[]",
            "1",
            "\"x\"",
            "{",
            r#"{"a":true}"#,
            r#"{"a":[1]}"#,
            r#"{"a":{"b":1}}"#,
        ] {
            assert_eq!(json(body).expect_err(body).code, "invalid_body", "{body}");
        }
        assert_eq!(
            json(r#"{"a":"1","a":"2"}"#).expect_err("dup").code,
            "duplicate_parameter"
        );
        assert_eq!(
            json(r#"{"a":"x\u0000"}"#).expect_err("nul").code,
            "invalid_characters"
        );
    }

    proptest::proptest! {
        /// A query string, then a form or a JSON body on top: refused or read, never a panic.
        #[test]
        fn query_then_body_never_panics(
            query in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            as_json in proptest::prelude::any::<bool>(),
        ) {
            if let Ok(mut p) = Params::parse(&query) {
                let _ = if as_json { add_json(&mut p, &body) } else { p.extend_from(&body).map_err(ApiError::from) };
            }
        }

        #[test]
        fn json_like_bodies_never_panic(text in r#"[{}\[\]":,0-9a-z_.eE+\- \\]{0,200}"#) {
            let _ = json(&text);
        }
    }
}
