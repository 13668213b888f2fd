//! Bank notifications for tests, taken from `shared/fixtures/bank-notifications.md` (read at run
//! time, never copied) and re-dated to now so they fall inside an order's window.

/// The first code block after `heading` in the fixture file.
pub fn fixture(heading: &str) -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/bank-notifications.md"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("fixture {path}: {e}"));
    let start = text
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading:?} in the fixture"));
    let rest = &text[start..];
    let open = rest.find("```\n").expect("code block") + 4;
    let close = rest[open..].find("```").expect("end of block");
    rest[open..open + close].to_owned()
}

/// The fixture's HUMO message, re-dated to now (Tashkent time) and for an amount and card.
pub fn humo_now(amount: &str, last4: &str) -> String {
    let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+5));
    let stamp = format!(
        "{:02}:{:02} {:02}.{:02}.{}",
        now.hour(),
        now.minute(),
        now.day(),
        u8::from(now.month()),
        now.year()
    );
    fixture("HUMO, Russian header")
        .replace("4.000,00", amount)
        .replace("*6224", &format!("*{last4}"))
        .replace("22:26 18.06.2026", &stamp)
}
