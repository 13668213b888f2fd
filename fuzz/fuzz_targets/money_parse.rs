//! `Money::parse`: any text either is refused or gives a positive amount that prints back to
//! itself, in both written forms, without a float anywhere.
#![no_main]

use libfuzzer_sys::fuzz_target;
use payments_core::Money;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(m) = Money::parse(text) {
        assert!(m.tiyin() > 0, "{text:?} gave {m:?}");
        // At most 15 whole digits and 2 decimals.
        assert!(m.tiyin() < 100_000_000_000_000_000, "{text:?} gave {m:?}");
        assert_eq!(Money::parse(&m.to_string()), Ok(m), "{text:?}");
        assert_eq!(Money::parse(&m.fixed2()), Ok(m), "{text:?}");
        let trimmed = text.trim_matches(|c: char| c.is_ascii_whitespace());
        assert!(
            trimmed.bytes().all(|b| b.is_ascii_digit() || b == b'.'),
            "{text:?} accepted"
        );
    }
});
