//! The RasmiyPay parameter merger: a query string and a body (form, JSON, sniffed) read and
//! merged as PHP's `$_REQUEST`. Refused or read, never a panic; what is read is clean text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rasmiy_api::params::{
    BodyKind, MAX_VALUE_BYTES, Params, parse_body, parse_json, parse_urlencoded,
};

fuzz_target!(|input: (u8, &[u8], &[u8])| {
    let (pick, query, body) = input;
    let kind = [
        BodyKind::Form,
        BodyKind::Json,
        BodyKind::Sniff,
        BodyKind::Multipart,
    ][usize::from(pick % 4)];
    let _ = parse_json(body);
    let Ok(query) = parse_urlencoded(query) else {
        return;
    };
    let Ok(body) = parse_body(kind, body) else {
        return;
    };
    assert!(query.iter().all(|(name, _)| !name.is_empty()));
    for (name, value) in query.iter().chain(body.iter()) {
        assert!(!name.contains('\0') && !value.contains('\0'));
        assert!(name.len() <= MAX_VALUE_BYTES && value.len() <= MAX_VALUE_BYTES);
    }
    let params = Params::merge(query.clone(), body.clone());
    // The body wins; within one source the last repeat wins.
    for (name, _) in query.iter().chain(body.iter()) {
        let want = body
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .or_else(|| query.iter().rev().find(|(n, _)| n == name))
            .map(|(_, v)| v.as_str());
        assert_eq!(params.raw(name), want);
        if let Some(text) = params.text(name) {
            assert!(!text.is_empty());
            assert_eq!(text, text.trim_matches(|c: char| c.is_ascii_whitespace()));
        }
    }
});
