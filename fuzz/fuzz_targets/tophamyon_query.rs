//! The TopHamyon strict parameter reader: a query string, then a form or JSON body on top.
//! Refused with a code or read, never a panic; what is read stays within the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tophamyon_api::fuzzing::add_json_body;
use tophamyon_api::query::{MAX_PARAMS, MAX_VALUE_LEN, Params};

const NAMES: [&str; 8] = [
    "shop_id", "shop_key", "amount", "order_id", "payment_id", "limit", "offset", "a",
];

fn check(params: &Params) {
    assert!(params.len() <= MAX_PARAMS);
    for name in NAMES {
        if let Some(value) = params.get(name) {
            assert!(!value.is_empty());
            assert!(value.len() <= MAX_VALUE_LEN);
            assert!(!value.chars().any(char::is_control));
        }
    }
}

fuzz_target!(|input: (bool, &[u8], &[u8])| {
    let (json, query, body) = input;
    let parsed = Params::parse(query);
    if let Err(e) = &parsed {
        assert!(!e.code().is_empty());
        assert!(!e.to_string().contains('\0'));
    }
    let Ok(mut params) = parsed else {
        return;
    };
    check(&params);
    // Reading is deterministic.
    assert_eq!(Params::parse(query).ok(), Some(params.clone()));
    let before = params.clone();
    let added = if json {
        add_json_body(&mut params, body)
    } else {
        params.extend_from(body).is_ok()
    };
    if added {
        check(&params);
        // The body only adds: whatever the query said still holds.
        for name in NAMES {
            if let Some(value) = before.get(name) {
                assert_eq!(params.get(name), Some(value));
            }
        }
    }
});
