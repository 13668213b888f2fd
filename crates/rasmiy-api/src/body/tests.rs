//! multipart/form-data through actix-multipart, from bytes: well-formed bodies give their
//! fields, and no body whatever makes it panic.
#![allow(clippy::unwrap_used)]

use super::*;
use actix_web::http::header::HeaderValue;
use proptest::prelude::*;

const BOUNDARY: &str = "XyZ";

fn headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_str(&format!("multipart/form-data; boundary={BOUNDARY}")).unwrap(),
    );
    h
}

fn parse(body: Vec<u8>) -> Result<Vec<Pair>, ParamError> {
    actix_web::rt::System::new().block_on(parse_multipart(&headers(), Bytes::from(body)))
}

fn encode(fields: &[(String, String)]) -> Vec<u8> {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    body.into_bytes()
}

#[test]
fn fields_in_order_files_skipped() {
    let body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"amount\"\r\n\r\n50000\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\
         Content-Type: text/plain\r\n\r\nfile body\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"amount\"\r\n\r\n7.5\r\n\
         --{BOUNDARY}--\r\n"
    );
    assert_eq!(
        parse(body.into_bytes()).unwrap(),
        vec![
            ("amount".to_owned(), "50000".to_owned()),
            ("amount".to_owned(), "7.5".to_owned())
        ]
    );
}

#[test]
fn broken_bodies_are_errors() {
    for body in [
        &b"no boundary at all"[..],
        b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated",
        b"--XyZ\r\n\r\nno disposition\r\n--XyZ--\r\n",
    ] {
        assert!(
            parse(body.to_vec()).is_err(),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    // A multipart body with no part at all is not one (RFC 2046 wants at least one part).
    assert!(parse(encode(&[])).is_err());
    let bad_utf8 =
        b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\xff\r\n--XyZ--\r\n";
    assert_eq!(parse(bad_utf8.to_vec()), Err(ParamError::InvalidUtf8));
    let nul = b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\x002\r\n--XyZ--\r\n";
    assert_eq!(parse(nul.to_vec()), Err(ParamError::NulByte));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn well_formed_bodies_round_trip(fields in proptest::collection::vec(("[a-z_]{1,10}", "[a-zA-Z0-9 .,'ʻ-]{0,30}"), 1..6)) {
        prop_assert_eq!(parse(encode(&fields)).unwrap(), fields);
    }

    #[test]
    fn no_body_panics(pieces in proptest::collection::vec(prop_oneof![
        Just(b"--XyZ".to_vec()),
        Just(b"--XyZ--".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\r\n\r\n".to_vec()),
        Just(b"Content-Disposition: form-data; name=\"a\"".to_vec()),
        Just(b"Content-Disposition: form-data; name=\"b\"; filename=\"x\"".to_vec()),
        Just(b"Content-Type: multipart/mixed; boundary=XyZ".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..16),
    ], 0..24)) {
        let _ = parse(pieces.concat());
    }
}

/// Found by the hostile-client test: a body cut off after a part's CRLF, before any closing
/// boundary, left the parser waiting for bytes that could never come (the whole body is
/// already read), until the server's request deadline answered 503.
#[test]
fn truncated_bodies_are_errors_at_once() {
    let cut = [
        &b"--XyZ\r\nContent-Disposition: form-data; name=\"shop_key\"\r\n\r\n101\r\n"[..],
        b"--XyZ\r\nContent-Disposition: form-data; name=\"shop_key\"\r\n\r\n101\r\n--XyZ",
        b"--XyZ\r\nContent-Disposition: form-data; name=\"shop_key\"\r\n\r\n101\r\n--XyZ\r\n",
        b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n",
        b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n",
        b"--XyZ\r\n",
        b"--XyZ",
    ];
    for body in cut {
        let result = actix_web::rt::System::new().block_on(async {
            actix_web::rt::time::timeout(
                std::time::Duration::from_secs(5),
                parse_multipart(&headers(), Bytes::from(body.to_vec())),
            )
            .await
        });
        let text = String::from_utf8_lossy(body);
        let result = result.unwrap_or_else(|_| panic!("still waiting after 5 s: {text:?}"));
        assert!(result.is_err(), "{text:?}: {result:?}");
    }
}
