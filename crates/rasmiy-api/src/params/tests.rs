#![allow(clippy::unwrap_used)]

use super::*;
use crate::call;
use payments_core::Money;
use proptest::prelude::*;

fn pairs(list: &[(&str, &str)]) -> Vec<Pair> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn amount_of(params: &Params) -> Option<Money> {
    call::amount(params).ok()
}

#[test]
fn urlencoded_as_php_reads_it() {
    let got = parse_urlencoded(b"shop_id=695008&shop_key=Z631XLBO7O&amount=50000").unwrap();
    assert_eq!(
        got,
        pairs(&[
            ("shop_id", "695008"),
            ("shop_key", "Z631XLBO7O"),
            ("amount", "50000")
        ])
    );
    let got = parse_urlencoded(b"a=x+y%20z&b&=skipped&&c=100%&d=%zz%4").unwrap();
    assert_eq!(
        got,
        pairs(&[("a", "x y z"), ("b", ""), ("c", "100%"), ("d", "%zz%4")])
    );
    assert_eq!(
        parse_urlencoded("name=Do%27kon+nomi%E2%80%99".as_bytes()).unwrap(),
        pairs(&[("name", "Do'kon nomi\u{2019}")])
    );
    assert_eq!(parse_urlencoded(b"").unwrap(), vec![]);
}

#[test]
fn urlencoded_refuses_bad_text() {
    assert_eq!(parse_urlencoded(b"a=%FF"), Err(ParamError::InvalidUtf8));
    assert_eq!(parse_urlencoded(b"a=\xff"), Err(ParamError::InvalidUtf8));
    assert_eq!(parse_urlencoded(b"%C3=1"), Err(ParamError::InvalidUtf8));
    assert_eq!(parse_urlencoded(b"a=1%00"), Err(ParamError::NulByte));
    assert_eq!(parse_urlencoded(b"a=1\0"), Err(ParamError::NulByte));
}

#[test]
fn json_values_become_text_exactly() {
    let got = parse_json(
        br#"{"amount": 50000.00, "shop_id": 695008, "shop_key": "Z631XLBO7O",
             "big": 1e400, "neg": -5, "t": true, "f": false, "n": null,
             "arr": [1, "a"], "obj": {"x": 1}, "esc": "a\"b\u00e9"}"#,
    )
    .unwrap();
    assert_eq!(
        got,
        pairs(&[
            ("amount", "50000.00"),
            ("shop_id", "695008"),
            ("shop_key", "Z631XLBO7O"),
            ("big", "1e400"),
            ("neg", "-5"),
            ("t", "true"),
            ("f", "false"),
            ("n", ""),
            ("arr", r#"[1, "a"]"#),
            ("obj", r#"{"x": 1}"#),
            ("esc", "a\"bé"),
        ])
    );
}

#[test]
fn json_refuses_what_is_not_an_object_of_text() {
    assert_eq!(parse_json(b"{\"a\": 1"), Err(ParamError::MalformedJson));
    assert_eq!(parse_json(b"{\"a\": 1} x"), Err(ParamError::MalformedJson));
    assert_eq!(parse_json(b"{'a': 1}"), Err(ParamError::MalformedJson));
    assert_eq!(parse_json(b"[1, 2]"), Err(ParamError::JsonNotObject));
    assert_eq!(parse_json(b"\"create\""), Err(ParamError::JsonNotObject));
    assert_eq!(parse_json(b"nope"), Err(ParamError::MalformedJson));
    assert_eq!(
        parse_json(b"{\"a\": \"\xff\"}"),
        Err(ParamError::InvalidUtf8)
    );
    assert_eq!(parse_json(br#"{"a": "x\u0000"}"#), Err(ParamError::NulByte));
    assert_eq!(parse_json(br#"{"a\u0000": "x"}"#), Err(ParamError::NulByte));
    // Deep nesting is only text to skip (serde_json skips it without recursion).
    let deep = format!("{}{}", "[".repeat(4_000), "]".repeat(4_000));
    let got = parse_json(format!("{{\"a\":{deep}}}").as_bytes()).unwrap();
    assert_eq!(got, vec![("a".to_owned(), deep.clone())]);
    let unclosed = format!("{{\"a\":{}", "[".repeat(100_000));
    assert_eq!(
        parse_json(unclosed.as_bytes()),
        Err(ParamError::MalformedJson)
    );
}

#[test]
fn long_values_are_refused_wherever_they_are() {
    let long = "1".repeat(MAX_VALUE_BYTES + 1);
    let fits = "1".repeat(MAX_VALUE_BYTES);
    assert_eq!(
        parse_urlencoded(format!("a={long}").as_bytes()),
        Err(ParamError::ValueTooLong)
    );
    assert_eq!(
        parse_urlencoded(format!("{long}=1").as_bytes()),
        Err(ParamError::ValueTooLong)
    );
    assert!(parse_urlencoded(format!("a={fits}").as_bytes()).is_ok());
    for json in [
        format!(r#"{{"a": "{long}"}}"#),
        format!(r#"{{"a": {long}}}"#),
        format!(r#"{{"a": [{long}]}}"#),
        format!(r#"{{"{long}": 1}}"#),
    ] {
        assert_eq!(parse_json(json.as_bytes()), Err(ParamError::ValueTooLong));
    }
}

#[test]
fn body_wins_and_last_repeat_wins() {
    let query = parse_urlencoded(b"method=create&amount=1&amount=2&shop_id=101").unwrap();
    let body = parse_json(br#"{"amount": 3, "amount": "4", "shop_key": "k"}"#).unwrap();
    let params = Params::merge(query, body);
    assert_eq!(params.raw("method"), Some("create"));
    assert_eq!(params.raw("amount"), Some("4"));
    assert_eq!(params.raw("shop_id"), Some("101"));
    assert_eq!(params.raw("shop_key"), Some("k"));
    assert_eq!(params.raw("missing"), None);
}

#[test]
fn blank_values_count_as_missing() {
    let params = Params::merge(pairs(&[("a", "  "), ("b", " x\t")]), vec![]);
    assert_eq!(params.text("a"), None);
    assert_eq!(params.text("b"), Some("x"));
    assert_eq!(params.raw("a"), Some("  "));
}

#[test]
fn content_types() {
    use BodyKind::*;
    for (ct, kind) in [
        (None, Sniff),
        (Some("application/x-www-form-urlencoded"), Form),
        (
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            Form,
        ),
        (Some("Application/JSON; charset=utf-8"), Json),
        (Some("application/vnd.api+json"), Json),
        (Some("multipart/form-data; boundary=xyz"), Multipart),
        (Some("text/plain"), Sniff),
        (Some(""), Sniff),
    ] {
        assert_eq!(BodyKind::of(ct), kind, "{ct:?}");
    }
}

#[test]
fn bodies_by_kind() {
    assert_eq!(
        parse_body(BodyKind::Sniff, b"  {\"amount\": 5}").unwrap(),
        pairs(&[("amount", "5")])
    );
    assert_eq!(
        parse_body(BodyKind::Sniff, b"amount=5").unwrap(),
        pairs(&[("amount", "5")])
    );
    // PHP's curl posts a JSON string labelled as a form unless told otherwise.
    assert_eq!(
        parse_body(BodyKind::Form, br#"{"amount": 5}"#).unwrap(),
        pairs(&[("amount", "5")])
    );
    assert_eq!(
        parse_body(BodyKind::Form, br#"{"amount": 5"#),
        Err(ParamError::MalformedJson)
    );
    assert_eq!(parse_body(BodyKind::Json, b"").unwrap(), vec![]);
    assert_eq!(parse_body(BodyKind::Json, b" \r\n").unwrap(), vec![]);
    assert_eq!(
        parse_body(BodyKind::Json, b"amount=5"),
        Err(ParamError::MalformedJson)
    );
    assert_eq!(
        parse_body(BodyKind::Form, &vec![b'a'; MAX_BODY_BYTES + 1]),
        Err(ParamError::TooLarge)
    );
}

#[test]
fn amounts_from_every_source_agree() {
    let want = Money::parse("50000").ok();
    for body in [
        &b"amount=50000"[..],
        b"amount=50000.00",
        b"amount=50000.0",
        br#"{"amount": 50000}"#,
        br#"{"amount": 50000.00}"#,
        br#"{"amount": "50000"}"#,
        br#"{"amount": " 50000.00 "}"#,
    ] {
        let params = Params::merge(vec![], parse_body(BodyKind::Sniff, body).unwrap());
        assert_eq!(
            amount_of(&params),
            want,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    for body in [
        &br#"{"amount": 5e4}"#[..],
        br#"{"amount": -50000}"#,
        br#"{"amount": 50000.001}"#,
        br#"{"amount": 0}"#,
        br#"{"amount": 0.00}"#,
        br#"{"amount": null}"#,
        br#"{"amount": true}"#,
        br#"{"amount": [50000]}"#,
        br#"{"amount": "NaN"}"#,
        br#"{"amount": "1,000"}"#,
        b"amount=",
        b"amount=%2B5",
        b"amount=1e3",
    ] {
        let params = Params::merge(vec![], parse_body(BodyKind::Sniff, body).unwrap());
        assert_eq!(
            amount_of(&params),
            None,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

fn encode_all(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

proptest! {
    #[test]
    fn urlencoded_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_urlencoded(&bytes);
    }

    #[test]
    fn json_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_json(&bytes);
    }

    #[test]
    fn json_like_text_never_panics(text in r#"[{}\[\]":,0-9a-z.eE+\- \\]{0,200}"#) {
        let _ = parse_body(BodyKind::Sniff, text.as_bytes());
        let _ = parse_body(BodyKind::Json, text.as_bytes());
    }

    #[test]
    fn bodies_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), kind in 0..4u8) {
        let kind = [BodyKind::Form, BodyKind::Json, BodyKind::Sniff, BodyKind::Multipart][kind as usize];
        if let Ok(pairs) = parse_body(kind, &bytes) {
            for (k, v) in pairs {
                prop_assert!(!k.contains('\0') && !v.contains('\0'));
            }
        }
    }

    #[test]
    fn urlencoded_round_trips(list in proptest::collection::vec(("[^\0]{1,12}", "[^\0]{0,24}"), 0..8)) {
        let encoded: Vec<String> = list
            .iter()
            .map(|(k, v)| format!("{}={}", encode_all(k), encode_all(v)))
            .collect();
        let got = parse_urlencoded(encoded.join("&").as_bytes()).unwrap();
        prop_assert_eq!(got, list);
    }

    #[test]
    fn body_always_wins(name in "[a-z_]{1,10}", q in "[^\0]{0,20}", b in "[^\0]{0,20}") {
        let query = parse_urlencoded(format!("{}={}", encode_all(&name), encode_all(&q)).as_bytes()).unwrap();
        let json = serde_json::json!({ name.clone(): b.clone() }).to_string();
        let body = parse_json(json.as_bytes()).unwrap();
        let params = Params::merge(query, body);
        prop_assert_eq!(params.raw(&name), Some(b.as_str()));
    }

    #[test]
    fn last_repeat_wins(values in proptest::collection::vec("[a-z0-9]{0,8}", 1..6)) {
        let form: Vec<String> = values.iter().map(|v| format!("k={v}")).collect();
        let params = Params::merge(parse_urlencoded(form.join("&").as_bytes()).unwrap(), vec![]);
        prop_assert_eq!(params.raw("k"), values.last().map(String::as_str));
        let json: Vec<String> = values.iter().map(|v| format!("\"k\":\"{v}\"")).collect();
        let body = parse_json(format!("{{{}}}", json.join(",")).as_bytes()).unwrap();
        let params = Params::merge(vec![], body);
        prop_assert_eq!(params.raw("k"), values.last().map(String::as_str));
    }

    /// A JSON number's text reaches the amount parser untouched, so a JSON number, a JSON
    /// string and a form field with the same text give the same Money, and that Money prints
    /// back the canonical text.
    #[test]
    fn json_number_text_is_kept(whole in 0u64..1_000_000_000_000_000, frac in proptest::option::of("[0-9]{1,3}")) {
        let text = match &frac {
            Some(f) => format!("{whole}.{f}"),
            None => whole.to_string(),
        };
        let from_number = parse_json(format!("{{\"amount\": {text}}}").as_bytes()).unwrap();
        prop_assert_eq!(&from_number, &pairs(&[("amount", &text)]));
        let from_string = parse_json(format!("{{\"amount\": \"{text}\"}}").as_bytes()).unwrap();
        let from_form = parse_urlencoded(format!("amount={text}").as_bytes()).unwrap();
        let a = amount_of(&Params::merge(vec![], from_number));
        prop_assert_eq!(a, amount_of(&Params::merge(vec![], from_string)));
        prop_assert_eq!(a, amount_of(&Params::merge(from_form, vec![])));
        prop_assert_eq!(a, Money::parse(&text).ok());
        if let Some(m) = a {
            prop_assert!(m.tiyin() > 0);
            prop_assert!(frac.as_ref().is_none_or(|f| f.len() <= 2));
            prop_assert_eq!(Money::parse(&m.to_string()), Ok(m));
            let tiyin = i128::from(m.tiyin());
            let expected = i128::from(whole) * 100 + frac.as_ref().map_or(0, |f| {
                let v: i128 = f.parse().unwrap_or(0);
                if f.len() == 1 { v * 10 } else { v }
            });
            prop_assert_eq!(tiyin, expected);
        }
    }

    #[test]
    fn amount_never_panics_and_accepts_only_exact_positive_sums(text in "\\PC{0,24}") {
        let params = Params::merge(pairs(&[("amount", &text)]), vec![]);
        if let Some(m) = amount_of(&params) {
            prop_assert!(m.tiyin() > 0);
            let t = text.trim();
            prop_assert!(t.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
            prop_assert!(t.split_once('.').is_none_or(|(_, f)| f.len() <= 2));
        }
    }
}
