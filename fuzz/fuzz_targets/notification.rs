//! The bank-notification reader (HUMO and UzCard): any text is a notice, never a panic; a
//! top-up is always well formed; a pasted body splits into trimmed parts of itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use payments_core::notification::{Notice, parse, split_messages};

fn check(text: &str) {
    if let Notice::TopUp(t) = parse(text) {
        assert_eq!(t.card_last4.len(), 4, "{text:?}");
        assert!(t.card_last4.bytes().all(|b| b.is_ascii_digit()), "{text:?}");
        assert!(t.amount.tiyin() > 0, "{text:?}");
        assert!(t.amount.tiyin() < 100_000_000_000_000_000, "{text:?}");
        assert!(text.contains('➕'), "{text:?}");
        if let Some(at) = t.at {
            assert!(at.offset().is_utc());
            assert_eq!(at.second(), 0);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check(&text);
    let parts = split_messages(&text);
    for part in &parts {
        assert!(!part.is_empty());
        assert_eq!(*part, part.trim());
        assert!(text.contains(part));
        check(part);
    }
    if text.trim().is_empty() {
        assert!(parts.is_empty());
    }
});
