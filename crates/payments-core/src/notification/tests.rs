//! Unit tests of the pieces; the fixture-driven tests are in `tests/notifications.rs`.

use super::amount::read_number;
use super::*;
use time::macros::datetime;

fn top_up(text: &str) -> TopUp {
    match parse(text) {
        Notice::TopUp(t) => t,
        other => panic!("expected a top-up from {text:?}, got {other:?}"),
    }
}

fn not_top_up(text: &str) -> (NotTopUpKind, String) {
    match parse(text) {
        Notice::NotTopUp { kind, detail } => (kind, detail),
        other => panic!("expected no top-up from {text:?}, got {other:?}"),
    }
}

fn humo(amount: &str, card: &str, time: &str) -> String {
    format!(
        "🎉 To'ldirish\n➕ {amount} UZS\n📍 Click P2P\n💳 HUMOCARD {card}\n🕓 {time}\n💰 1,00 UZS"
    )
}

#[test]
fn reads_numbers_exactly() {
    for (text, tiyin, decimal) in [
        ("1.010,00", 101_000, Some(',')),
        ("8 000.00", 800_000, Some('.')),
        ("220,118.00", 22_011_800, Some('.')),
        ("3\u{202F}300\u{202F}000,00", 330_000_000, Some(',')),
        ("1\u{00A0}204\u{00A0}000.99", 120_400_099, Some('.')),
        ("1\u{2009}000,01", 100_001, Some(',')),
        ("23.378,71", 2_337_871, Some(',')),
        ("1.01", 101, Some('.')),
        ("0,01", 1, Some(',')),
        ("1000", 100_000, None),
        ("50000.00", 5_000_000, Some('.')),
        ("1.010", 101_000, None),
        ("1,010", 101_000, None),
        ("1 010", 101_000, None),
        ("12.345.678", 1_234_567_800, None),
        ("  7,00 ", 700, Some(',')),
        ("999 999 999 999 999,99", 99_999_999_999_999_999, Some(',')),
    ] {
        let reading = read_number(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(reading.money, Money::from_tiyin(tiyin), "{text:?}");
        assert_eq!(reading.decimal, decimal, "{text:?}");
    }
}

#[test]
fn refuses_malformed_numbers() {
    for text in [
        "",
        "   ",
        "1.2.3,00",
        "12,3456.00",
        "1.000.00",
        "1,000,00",
        "1.000 000,00",
        "1,000.000,00",
        "1 000 00",
        "1000,5",
        "1000,500",
        "1.0000",
        "1234.567,00",
        ",50",
        ".50",
        "1.",
        "1,",
        "1..000",
        "1. 000",
        "01.000,00",
        "00,50",
        "0",
        "0,00",
        "0.000,00",
        "1 000 000 000 000 000,00",
        "1000000000000000",
        "-5,00",
        "+5,00",
        "1e3",
        "5\t000,00",
        "١٢٣",
        "12_000",
    ] {
        assert!(read_number(text).is_err(), "{text:?} was read");
    }
}

#[test]
fn reads_humo_and_uzcard_times() {
    let t = top_up(&humo("1,00", "*1234", "00:00 01.01.2026"));
    assert_eq!(t.at, Some(datetime!(2025-12-31 19:00 UTC)));
    let t = top_up(&humo("1,00", "*1234", "23:59 29.02.2028"));
    assert_eq!(t.at, Some(datetime!(2028-02-29 18:59 UTC)));
    let t = top_up(&humo("1,00", "*1234", "5:07 1.6.2026"));
    assert_eq!(t.at, Some(datetime!(2026-06-01 00:07 UTC)));
    let t = top_up("🟢 Пополнение\n➕ 8 000.00 UZS\n💳 ***1393\n🕓 01.01.26 04:59");
    assert_eq!(t.at, Some(datetime!(2025-12-31 23:59 UTC)));
    assert_eq!(t.bank, Bank::Uzcard);
}

#[test]
fn impossible_or_unreadable_times_are_refused() {
    for time in [
        "25:61 32.13.2026",
        "24:00 18.06.2026",
        "22:60 18.06.2026",
        "22:26 32.06.2026",
        "22:26 31.06.2026",
        "22:26 29.02.2027",
        "22:26 18.13.2026",
        "22:26 00.06.2026",
        "22:26 18.00.2026",
        "22:26 18.06.1999",
        "32.13.26 25:61",
        "18.06.26 22:26:10",
        "22:26",
        "18/06/2026 22:26",
        "yesterday",
        "",
    ] {
        let (kind, detail) = not_top_up(&humo("1.000,00", "*1234", time));
        assert_eq!(kind, NotTopUpKind::NotANotification, "{time:?}");
        assert!(detail.contains("time"), "{time:?}: {detail}");
        assert!(detail.contains("*1234"), "{time:?}: {detail}");
    }
}

#[test]
fn a_time_without_clock_counts_and_several_times_are_refused() {
    let t = top_up("To'ldirish ➕ 1.000,00 UZS HUMOCARD *1234 22:26 18.06.2026");
    assert_eq!(t.at, Some(datetime!(2026-06-18 17:26 UTC)));
    // With a clock, only the time after it counts.
    let t =
        top_up("[19.06.26 10:07]\nTo'ldirish ➕ 1.000,00 UZS HUMOCARD *1234 🕓 22:26 18.06.2026");
    assert_eq!(t.at, Some(datetime!(2026-06-18 17:26 UTC)));
    // The same minute twice is one time.
    let t =
        top_up("To'ldirish ➕ 1.000,00 UZS HUMOCARD *1234 🕓 22:26 18.06.2026 🕓 18.06.26 22:26");
    assert_eq!(t.at, Some(datetime!(2026-06-18 17:26 UTC)));
    let (kind, detail) = not_top_up(
        "To'ldirish ➕ 1.000,00 UZS HUMOCARD *1234 🕓 22:26 18.06.2026 🕓 22:27 18.06.2026",
    );
    assert_eq!(kind, NotTopUpKind::NotANotification);
    assert!(detail.contains("several different times"), "{detail}");
}

#[test]
fn cards() {
    for (card, last4) in [
        ("*7159", "7159"),
        ("***7159", "7159"),
        ("* 7159", "7159"),
        ("****\u{00A0}7159", "7159"),
    ] {
        assert_eq!(
            top_up(&humo("1,00", card, "22:26 18.06.2026")).card_last4,
            last4
        );
    }
    for text in [
        "To'ldirish ➕ 1,00 UZS 💳 *0042",
        "To'ldirish ➕ 1,00 UZS 💳️ ***0042",
        "To'ldirish ➕ 1,00 UZS 💳 VISA *0042",
        "To'ldirish ➕ 1,00 UZS humocard *0042",
        "To'ldirish ➕ 1,00 UZS UZCARD * 0042",
    ] {
        assert_eq!(top_up(text).card_last4, "0042", "{text:?}");
    }
    for card in [
        "7159",
        "*715",
        "*71590",
        "**",
        "*",
        "*x7159",
        "8600 1234 5678 7159",
    ] {
        let (kind, detail) = not_top_up(&humo("1,00", card, "22:26 18.06.2026"));
        assert_eq!(kind, NotTopUpKind::NotANotification, "{card:?}");
        assert!(detail.contains("without a card"), "{card:?}: {detail}");
    }
    // A star elsewhere is not a card.
    let (_, detail) = not_top_up("To'ldirish ➕ 1,00 UZS *1234");
    assert!(detail.contains("without a card"), "{detail}");
    let (kind, detail) = not_top_up("To'ldirish ➕ 1,00 UZS 💳 *1234 HUMOCARD *5678");
    assert_eq!(kind, NotTopUpKind::NotANotification);
    assert!(detail.contains("several cards (*1234, *5678)"), "{detail}");
}

#[test]
fn banks() {
    let bank = |text: &str| top_up(text).bank;
    assert_eq!(bank("To'ldirish ➕ 1,00 UZS 💳 HUMOCARD *1234"), Bank::Humo);
    assert_eq!(bank("To'ldirish ➕ 1,00 UZS 💳 UZCARD *1234"), Bank::Uzcard);
    assert_eq!(bank("To'ldirish ➕ 1.00 UZS 💳 ***1234"), Bank::Uzcard);
    assert_eq!(bank("To'ldirish ➕ 1.00 UZS 💳 *1234"), Bank::Humo);
    assert_eq!(bank("To'ldirish ➕ 1,00 UZS 💳 **1234"), Bank::Humo);
    assert_eq!(bank("To'ldirish ➕ 1.00 UZS 💳 **1234"), Bank::Uzcard);
    assert_eq!(
        bank("To'ldirish ➕ 1,00 UZS 💳 ***1234 🕓 22:26 18.06.2026"),
        Bank::Humo
    );
    assert_eq!(
        bank("To'ldirish ➕ 1,00 UZS 💳 *1234 🕓 18.06.26 22:26"),
        Bank::Uzcard
    );
    assert_eq!(
        bank("To'ldirish ➕ 1,00 UZS 📍 HUMOCARD P2P 💳 ***1234"),
        Bank::Humo
    );
    assert_eq!(
        bank("To'ldirish ➕ 1,00 UZS 📍 UZCARD P2P 💳 *1234"),
        Bank::Uzcard
    );
}

#[test]
fn headers() {
    for header in [
        "To'ldirish",
        "To’ldirish",
        "To‘ldirish",
        "To`ldirish",
        "Toʻldirish",
        "To´ldirish",
        "Toʼldirish",
        "Toldirish",
        "TO'LDIRISH",
        "to'ldirish",
        "Пополнение",
        "ПОПОЛНЕНИЕ",
        "Popolnenie",
        "Тўлдириш",
        "🎉 To'ldirish",
        "🟢 Пополнение:",
        "Forwarded from HUMOcardbot: To'ldirish",
    ] {
        let text = format!("{header}\n➕ 1.000,00 UZS\n💳 HUMOCARD *1234");
        assert_eq!(
            top_up(&text).amount,
            Money::from_tiyin(100_000),
            "{header:?}"
        );
        let text = format!("{header} ➕ 1.000,00 UZS 💳 HUMOCARD *1234");
        assert_eq!(top_up(&text).card_last4, "1234", "{header:?}");
    }
    // The header is the nearest line above, not any line.
    let text = "To'ldirish\nsomething else\n➕ 1.000,00 UZS\n💳 HUMOCARD *1234";
    assert_eq!(not_top_up(text).0, NotTopUpKind::NotANotification);
    // An outgoing word elsewhere does not matter; in the header it does.
    let text = "To'lov qildim, mana:\n\n🎉 To'ldirish\n➕ 1.000,00 UZS\n💳 HUMOCARD *1234";
    assert_eq!(top_up(text).card_last4, "1234");
    for header in [
        "Oplata",
        "Оплата",
        "Списание",
        "To'lov",
        "Toʻlov",
        "Покупка",
    ] {
        let (kind, detail) = not_top_up(&format!("{header}\n➕ 1.000,00 UZS\n💳 HUMOCARD *1234"));
        assert_eq!(kind, NotTopUpKind::Outgoing, "{header:?}");
        assert_eq!(
            detail,
            format!("outgoing payment ({header}) of 1000.00 UZS from *1234, though marked ➕")
        );
    }
    let (kind, detail) = not_top_up("Keshbek\n➕ 1.000,00 UZS\n💳 HUMOCARD *1234");
    assert_eq!(kind, NotTopUpKind::NotANotification);
    assert_eq!(
        detail,
        "➕ amount of 1000.00 UZS on *1234 without a top-up header (To'ldirish, Пополнение, Popolnenie)"
    );
    assert_eq!(
        not_top_up("➕ 1.000,00 UZS 💳 HUMOCARD *1234").0,
        NotTopUpKind::NotANotification
    );
}

#[test]
fn outgoing_and_reversals() {
    let (kind, detail) = not_top_up("🔴 Oplata\n➖ 12.500,00 UZS\n💳 HUMOCARD *7159");
    assert_eq!(kind, NotTopUpKind::Outgoing);
    assert_eq!(detail, "outgoing payment of 12500.00 UZS from *7159");
    let (kind, detail) = not_top_up("🎉 To'ldirish\n➖ 12.500,00 UZS");
    assert_eq!(kind, NotTopUpKind::Outgoing);
    assert_eq!(detail, "outgoing payment of 12500.00 UZS");
    let (kind, detail) = not_top_up("Oplata ➖ 1.2.3 UZS 💳 *7159");
    assert_eq!(kind, NotTopUpKind::Outgoing);
    assert_eq!(detail, "outgoing payment from *7159");

    for (text, word) in [
        (
            "↩️ Отмена операции\n➕ 4.000,00 UZS\n💳 HUMOCARD *6224",
            "Отмена",
        ),
        ("↩️\n➕ 4.000,00 UZS\n💳 HUMOCARD *6224", "↩"),
        ("↩ Пополнение\n➕ 4.000,00 UZS\n💳 HUMOCARD *6224", "↩"),
        (
            "Отмена операции\n➕ 4.000,00 UZS\n💳 HUMOCARD *6224",
            "Отмена",
        ),
        (
            "Операция отменена\n➕ 4.000,00 UZS\n💳 HUMOCARD *6224",
            "отменена",
        ),
        ("Отменён\n➕ 4.000,00 UZS\n💳 HUMOCARD *6224", "Отменён"),
        ("Отменен\n➕ 4.000,00 UZS\n💳 HUMOCARD *6224", "Отменен"),
        (
            "To'ldirish bekor qilindi\n➕ 4.000,00 UZS\n💳 HUMOCARD *6224",
            "bekor qilindi",
        ),
        (
            "Bekor qilindi\n➕ 4.000,00 UZS\n💳 HUMOCARD *6224",
            "Bekor qilindi",
        ),
        ("Возврат\n➕ 4.000,00 UZS\n💳 HUMOCARD *6224", "Возврат"),
        (
            "Пополнение\n➕ 4.000,00 UZS\n💳 HUMOCARD *6224\nOtmena",
            "Otmena",
        ),
    ] {
        let (kind, detail) = not_top_up(text);
        assert_eq!(kind, NotTopUpKind::Reversal, "{text:?}");
        assert_eq!(detail, format!("reversal ({word}) of 4000.00 UZS on *6224"));
    }
    let (kind, _) = not_top_up("Bekor qilindi\n➖ 4.000,00 UZS\n💳 HUMOCARD *6224");
    assert_eq!(kind, NotTopUpKind::Reversal);
}

#[test]
fn other_texts() {
    for (text, detail_part) in [
        ("", "empty"),
        (" \n\t\r\n ", "empty"),
        ("Oddiy xabar matni", "no ➕ or ➖"),
        ("💰 Balans: 23.378,71 UZS\n💳 HUMOCARD *7159", "no ➕ or ➖"),
        (
            "To'ldirish\n➕ 1.000,00 UZS\n💳 HUMOCARD *1234\n\nTo'ldirish\n➕ 2.000,00 UZS\n💳 HUMOCARD *1234",
            "2 amounts",
        ),
        ("To'ldirish ➕ UZS 💳 *1234", "no amount"),
        ("To'ldirish ➕ 1.000,00 USD 💳 *1234", "not followed by UZS"),
        ("To'ldirish ➕ 1.000,00 💳 *1234", "not followed by UZS"),
        (
            "To'ldirish ➕ 1.000,00 UZSX 💳 *1234",
            "not followed by UZS",
        ),
        ("To'ldirish ➕ 1.2.3,00 UZS 💳 *1234", "thousands groups"),
        ("To'ldirish ➕ 12,3456.00 UZS 💳 *1234", "thousands groups"),
        ("To'ldirish ➕ 0,00 UZS 💳 *1234", "zero"),
        (
            "To'ldirish ➕ 1 000 000 000 000 000,00 UZS 💳 *1234",
            "more than 15 whole digits",
        ),
        ("To'ldirish ➕ 1.000,00 UZS", "without a card"),
    ] {
        let (kind, detail) = not_top_up(text);
        assert_eq!(kind, NotTopUpKind::NotANotification, "{text:?}");
        assert!(detail.contains(detail_part), "{text:?}: {detail}");
    }
    assert_eq!(
        not_top_up("To'ldirish ➕ 1.2.3,00 UZS 💳 *1234").1,
        "top-up: the amount \"1.2.3,00\" after ➕ is unreadable: its thousands groups do not have \
         three digits each"
    );
    assert_eq!(
        not_top_up("To'ldirish ➕ 1.000,00 UZS").1,
        "top-up of 1000.00 UZS without a card number: it cannot be matched"
    );
    assert_eq!(
        not_top_up(&humo("1.000,00", "*1234", "25:61 32.13.2026")).1,
        "top-up of 1000.00 UZS on *1234: the time \"25:61 32.13.2026\" is not a real date and time"
    );
}

#[test]
fn amounts_are_uzs_case_insensitively_and_may_touch() {
    assert_eq!(
        top_up("To'ldirish ➕1.000,00uzs 💳 *1234").amount,
        Money::from_tiyin(100_000)
    );
    assert_eq!(
        top_up("To'ldirish ➕️ 1.000,00 Uzs\n💳 *1234").amount,
        Money::from_tiyin(100_000)
    );
}

#[test]
fn splits_messages() {
    assert!(split_messages("").is_empty());
    assert!(split_messages("\n \n\t\r\n").is_empty());
    assert_eq!(split_messages("one"), ["one"]);
    assert_eq!(split_messages("  one\ntwo  "), ["one\ntwo"]);
    assert_eq!(
        split_messages("a\r\nb\r\n\r\n\u{00A0}\r\nc\n \nd"),
        ["a\r\nb", "c", "d"]
    );
    assert_eq!(split_messages("\n\na\n\n\n\nb\n"), ["a", "b"]);
}

#[test]
fn large_hostile_inputs_are_read_in_linear_time() {
    let big = 1 << 18;
    let inputs = [
        format!("To'ldirish ➕ {} UZS 💳 *1234", "1.".repeat(big / 2)),
        format!("To'ldirish ➕ 1{} UZS 💳 *1234", ".000".repeat(big / 4)),
        format!(
            "To'ldirish ➕ 1,00 UZS 💳 *1234 {}",
            "1:00 ".repeat(big / 5)
        ),
        format!(
            "To'ldirish ➕ 1,00 UZS 💳 *1234 {}",
            "1.1.11 ".repeat(big / 7)
        ),
        format!("To'ldirish ➕ 1,00 UZS 💳{}", "*".repeat(big)),
        format!(
            "To'ldirish ➕ 1,00 UZS {}",
            "💳 HUMOCARD *12".repeat(big / 16)
        ),
        format!("To'ldirish ➕ 1,00 UZS 💳 *1234 {}", "🕓".repeat(big / 4)),
        "➕".repeat(big / 3),
        "\n".repeat(big) + "To'ldirish ➕ 1,00 UZS 💳 *1234",
        "a".repeat(big),
        "1".repeat(big),
    ];
    let started = std::time::Instant::now();
    for text in &inputs {
        let _ = parse(text);
        let _ = split_messages(text);
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}
