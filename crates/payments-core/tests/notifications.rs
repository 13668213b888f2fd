//! The bank-notification parsers against `shared/fixtures/bank-notifications.md`: every block
//! of the fixture file, variations generated from them, properties, and splitting.
//!
//! The fixture file is read at run time from beside the repository (it is not copied in).

use std::sync::OnceLock;

use payments_core::Money;
use payments_core::notification::{Bank, NotTopUpKind, Notice, TopUp, parse, split_messages};
use proptest::prelude::*;
use time::OffsetDateTime;
use time::macros::datetime;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/bank-notifications.md"
);

fn fixture() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        std::fs::read_to_string(FIXTURE).unwrap_or_else(|e| {
            panic!(
                "cannot read the bank-notification fixtures at {FIXTURE}: {e}\n\
                 (the repository is expected to be cloned with `shared/` beside it)"
            )
        })
    })
}

/// The fenced code blocks of the `## ` section whose heading starts with `heading`.
fn blocks(heading: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_section = false;
    let mut seen_section = false;
    let mut block: Option<Vec<&str>> = None;
    for line in fixture().lines() {
        if line.trim_start().starts_with("```") {
            match block.take() {
                Some(lines) => {
                    if in_section {
                        out.push(lines.join("\n"));
                    }
                }
                None => block = Some(Vec::new()),
            }
            continue;
        }
        if let Some(lines) = block.as_mut() {
            lines.push(line);
            continue;
        }
        if let Some(title) = line.strip_prefix("## ") {
            in_section = title.starts_with(heading);
            seen_section |= in_section;
        }
    }
    assert!(block.is_none(), "{FIXTURE}: an unclosed ``` block");
    assert!(seen_section, "{FIXTURE}: no section \"## {heading}\"");
    out
}

fn incoming() -> Vec<String> {
    blocks("Incoming")
}

fn not_top_ups() -> Vec<String> {
    blocks("Not a top-up")
}

/// What each "Incoming" block says, read by hand, in the order of the file.
fn expected_incoming() -> Vec<TopUp> {
    let t = |card: &str, tiyin: i64, at: Option<OffsetDateTime>, bank: Bank| TopUp {
        card_last4: card.into(),
        amount: Money::from_tiyin(tiyin),
        at,
        bank,
    };
    vec![
        // 🎉 To'ldirish ➕ 1.010,00 UZS 💳 HUMOCARD *7159 🕓 05:36 16.06.2026
        t(
            "7159",
            101_000,
            Some(datetime!(2026-06-16 00:36 UTC)),
            Bank::Humo,
        ),
        // 🎉 Пополнение ➕ 4.000,00 UZS 💳 HUMOCARD *6224 🕓 22:26 18.06.2026
        t(
            "6224",
            400_000,
            Some(datetime!(2026-06-18 17:26 UTC)),
            Bank::Humo,
        ),
        // To‘ldirish ➕ 3 300 000,00 UZS (U+202F) 💳 HUMOCARD *0042, no time
        t("0042", 330_000_000, None, Bank::Humo),
        // 🟢 Пополнение ➕ 8 000.00 UZS 💳 ***1393 🕓 18.06.26 22:26
        t(
            "1393",
            800_000,
            Some(datetime!(2026-06-18 17:26 UTC)),
            Bank::Uzcard,
        ),
        // Пополнение ➕ 220,118.00 UZS ... HUMOCARD *1234 ... 🕓 10:05 19.06.2026
        t(
            "1234",
            22_011_800,
            Some(datetime!(2026-06-19 05:05 UTC)),
            Bank::Humo,
        ),
    ]
}

/// What each "Not a top-up" block is, in the order of the file.
fn expected_not_top_ups() -> Vec<(NotTopUpKind, &'static str)> {
    vec![
        (
            NotTopUpKind::Outgoing,
            "outgoing payment of 12500.00 UZS from *7159",
        ),
        (
            NotTopUpKind::Reversal,
            "reversal (Отмена) of 4000.00 UZS on *6224",
        ),
    ]
}

/// The incoming blocks with what they must give.
fn incoming_cases() -> Vec<(String, TopUp)> {
    let blocks = incoming();
    let expected = expected_incoming();
    assert_eq!(
        blocks.len(),
        expected.len(),
        "{FIXTURE} has {} blocks under \"## Incoming\" but this test expects {}: \
         add the new ones to expected_incoming()",
        blocks.len(),
        expected.len()
    );
    blocks.into_iter().zip(expected).collect()
}

fn assert_top_up(text: &str, want: &TopUp) {
    assert_eq!(parse(text), Notice::TopUp(want.clone()), "text: {text:?}");
}

fn assert_not_top_up(text: &str) -> (NotTopUpKind, String) {
    match parse(text) {
        Notice::NotTopUp { kind, detail } => (kind, detail),
        Notice::TopUp(t) => panic!("{text:?} was read as a top-up: {t:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// 1. The fixture blocks themselves.

#[test]
fn every_incoming_block_is_the_top_up_it_shows() {
    for (block, want) in incoming_cases() {
        assert_top_up(&block, &want);
    }
}

#[test]
fn no_not_a_top_up_block_is_ever_a_top_up() {
    let blocks = not_top_ups();
    let expected = expected_not_top_ups();
    assert!(
        !blocks.is_empty(),
        "{FIXTURE}: no \"## Not a top-up\" blocks"
    );
    for block in &blocks {
        assert_not_top_up(block);
    }
    assert_eq!(
        blocks.len(),
        expected.len(),
        "{FIXTURE} has {} blocks under \"## Not a top-up\" but this test expects {}: \
         add the new ones to expected_not_top_ups()",
        blocks.len(),
        expected.len()
    );
    for (block, (kind, detail)) in blocks.iter().zip(expected) {
        assert_eq!(
            assert_not_top_up(block),
            (kind, detail.to_owned()),
            "{block:?}"
        );
    }
}

#[test]
fn anything_else_is_not_a_notification() {
    for text in [
        "Oddiy xabar matni",
        "",
        "   \n\n",
        "💳 HUMOCARD *7159\n💰 23.378,71 UZS",
        "Balans: 💰 95 640.50 UZS\n💳 ***1393\n🕓 18.06.26 22:26",
        "🎁 Aksiya! HUMO kartangizni to'ldiring va 5% keshbek oling! Batafsil: humo.uz",
        "Kartangiz bloklandi. Bank bilan bog'laning.",
        "Ваш код подтверждения: 123456",
        "➕➕➕",
        "\u{0}\u{1}\u{7f}\u{FFFD}",
    ] {
        let (kind, _) = assert_not_top_up(text);
        assert_eq!(kind, NotTopUpKind::NotANotification, "{text:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Variations generated from the fixture blocks.

const APOSTROPHES: [&str; 7] = ["'", "’", "‘", "`", "ʻ", "´", ""];

/// The top-up header word in a block, as written.
fn header_word(block: &str) -> &str {
    let candidates = APOSTROPHES
        .iter()
        .map(|a| format!("To{a}ldirish"))
        .chain(["Пополнение".to_owned(), "Popolnenie".to_owned()]);
    for word in candidates {
        if let Some(at) = block.find(&word) {
            return &block[at..at + word.len()];
        }
    }
    panic!("no top-up header in {block:?}");
}

#[test]
fn every_header_spelling() {
    let mut headers: Vec<String> = APOSTROPHES
        .iter()
        .map(|a| format!("To{a}ldirish"))
        .collect();
    headers.extend(
        [
            "TO'LDIRISH",
            "toʻldirish",
            "Пополнение",
            "ПОПОЛНЕНИЕ",
            "пополнение",
            "Popolnenie",
            "POPOLNENIE",
        ]
        .map(String::from),
    );
    for (block, want) in incoming_cases() {
        let old = header_word(&block);
        for header in &headers {
            assert_top_up(&block.replacen(old, header, 1), &want);
        }
    }
}

/// The number after ➕ in a block, as written (between the sign and `UZS`).
fn amount_text(block: &str) -> &str {
    let start = block.find('➕').expect("a ➕ in the block") + '➕'.len_utf8();
    let len = block[start..].find("UZS").expect("UZS after ➕");
    block[start..start + len].trim()
}

/// Renders tiyin with the given thousands separator (none: digits only) and decimal separator
/// (none: whole som only, when there are no tiyin).
fn render(tiyin: i64, thousands: Option<char>, decimal: Option<char>) -> String {
    let whole = (tiyin / 100).to_string();
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.extend(thousands);
        }
        out.push(c);
    }
    match decimal {
        Some(d) => format!("{out}{d}{:02}", tiyin % 100),
        None => {
            assert_eq!(tiyin % 100, 0, "whole som only");
            out
        }
    }
}

/// Every way of writing an amount: thousands `.` `,` space U+00A0 U+202F or none, decimals `,`
/// or `.` (or none for whole amounts), never the same separator twice.
fn renderings(tiyin: i64) -> Vec<String> {
    let thousands = [
        None,
        Some('.'),
        Some(','),
        Some(' '),
        Some('\u{A0}'),
        Some('\u{202F}'),
    ];
    let mut decimals = vec![Some(','), Some('.')];
    if tiyin % 100 == 0 {
        decimals.push(None);
    }
    let mut out = Vec::new();
    for t in thousands {
        for &d in &decimals {
            if t.is_some() && t == d {
                continue;
            }
            out.push(render(tiyin, t, d));
        }
    }
    out
}

#[test]
fn every_thousands_and_decimal_separator() {
    for (block, want) in incoming_cases() {
        let old = amount_text(&block);
        let written = renderings(want.amount.tiyin());
        assert!(written.len() >= 10);
        for new in written {
            assert_top_up(&block.replacen(old, &new, 1), &want);
        }
    }
}

#[test]
fn render_writes_the_fixture_shapes() {
    assert_eq!(render(101_000, Some('.'), Some(',')), "1.010,00");
    assert_eq!(render(800_000, Some(' '), Some('.')), "8 000.00");
    assert_eq!(render(22_011_800, Some(','), Some('.')), "220,118.00");
    assert_eq!(
        render(330_000_000, Some('\u{202F}'), Some(',')),
        "3\u{202F}300\u{202F}000,00"
    );
    assert_eq!(render(123_456_789, Some('.'), Some(',')), "1.234.567,89");
}

/// The card as written after the brand or 💳 (`*7159`, `***1393`), with its byte offset.
fn card_text(block: &str) -> (usize, &str) {
    let star = block.find('*').expect("a card in the block");
    let stars = block[star..].chars().take_while(|&c| c == '*').count();
    (star, &block[star..star + stars + 4])
}

#[test]
fn every_card_mask() {
    for (block, want) in incoming_cases() {
        let (at, old) = card_text(&block);
        for mask in ["*", "***", "* ", "*** ", "****"] {
            let new = format!("{mask}{}", want.card_last4);
            let text = format!("{}{new}{}", &block[..at], &block[at + old.len()..]);
            assert_top_up(&text, &want);
        }
    }
}

#[test]
fn card_after_the_emoji_without_a_brand() {
    for (block, want) in incoming_cases() {
        if !block.contains("💳 HUMOCARD ") {
            continue;
        }
        let text = block.replace("💳 HUMOCARD ", "💳 ");
        let mut want = want.clone();
        if want.at.is_none() {
            // Nothing else says HUMO but the single star and the decimal comma: still HUMO.
            assert!(!text.contains("HUMO"));
        }
        want.bank = Bank::Humo;
        assert_top_up(&text, &want);
    }
}

#[test]
fn without_the_card_nothing_is_credited() {
    for (block, want) in incoming_cases() {
        let (at, old) = card_text(&block);
        for replacement in ["", "*", "*12", "*123456", "XXXX"] {
            let text = format!("{}{replacement}{}", &block[..at], &block[at + old.len()..]);
            let (kind, detail) = assert_not_top_up(&text);
            assert_eq!(kind, NotTopUpKind::NotANotification, "{text:?}");
            assert!(detail.contains("without a card"), "{text:?}: {detail}");
            assert!(detail.contains(&want.amount.fixed2()), "{text:?}: {detail}");
        }
    }
}

/// The block without its time: the 🕓 line, or from 🕓 to the end of the line.
fn without_time(block: &str) -> Option<String> {
    if !block.contains('🕓') {
        return None;
    }
    let lines: Vec<String> = block
        .lines()
        .filter_map(|line| match line.find('🕓') {
            Some(0) => None,
            Some(at) => Some(line[..at].trim_end().to_owned()),
            None => Some(line.to_owned()),
        })
        .collect();
    Some(lines.join("\n"))
}

#[test]
fn time_missing() {
    let mut checked = 0;
    for (block, want) in incoming_cases() {
        let Some(text) = without_time(&block) else {
            assert_eq!(want.at, None);
            continue;
        };
        assert!(!text.contains('🕓'));
        assert_top_up(&text, &TopUp { at: None, ..want });
        checked += 1;
    }
    assert!(checked >= 4);
}

#[test]
fn impossible_times_are_refused_never_guessed() {
    for (block, want) in incoming_cases() {
        let Some(stripped) = without_time(&block) else {
            continue;
        };
        for bad in [
            "25:61 32.13.2026",
            "24:00 18.06.2026",
            "22:26 31.06.2026",
            "32.13.26 25:61",
            "18.06.26 22:60",
            "29.02.27 10:00",
        ] {
            let text = format!("{stripped}\n🕓 {bad}");
            let (kind, detail) = assert_not_top_up(&text);
            assert_eq!(kind, NotTopUpKind::NotANotification, "{text:?}");
            assert!(detail.contains("time"), "{detail}");
            assert!(
                detail.contains(&format!("*{}", want.card_last4)),
                "{detail}"
            );
        }
    }
}

#[test]
fn forwarded_with_text_around() {
    let arounds = [
        ("Forwarded from HUMOcardbot\n", ""),
        ("Пересланное сообщение:\n\n", "\n\nПроверьте, пожалуйста."),
        (
            "[19.06.2026 10:07] HUMOcardbot:\n",
            "\nIltimos, tekshiring!",
        ),
        ("To'lov qildim, mana chek 👇\n", "\nRahmat"),
        ("> ", " <"),
        ("", "\n\nSent from my iPhone"),
    ];
    for (block, want) in incoming_cases() {
        for (before, after) in arounds {
            assert_top_up(&format!("{before}{block}{after}"), &want);
        }
        // Pasted on one line, the way the fifth block already is.
        let one_line = block.lines().collect::<Vec<_>>().join(" ");
        assert_top_up(&one_line, &want);
        assert_top_up(&format!("Fwd: {one_line} (sent twice)"), &want);
    }
}

#[test]
fn crlf_line_ends_and_trailing_spaces() {
    for (block, want) in incoming_cases() {
        assert_top_up(&block.replace('\n', "\r\n"), &want);
        assert_top_up(&format!("\r\n{}\r\n", block.replace('\n', "\r\n")), &want);
        assert_top_up(&block.replace('\n', "  \n"), &want);
        assert_top_up(&block.replace('\n', "\u{A0}\r\n\t"), &want);
    }
}

#[test]
fn turned_into_outgoing_or_reversal_they_are_never_credited() {
    for (block, want) in incoming_cases() {
        let (kind, detail) = assert_not_top_up(&block.replacen('➕', "➖", 1));
        assert_eq!(kind, NotTopUpKind::Outgoing);
        assert_eq!(
            detail,
            format!(
                "outgoing payment of {} UZS from *{}",
                want.amount.fixed2(),
                want.card_last4
            )
        );
        let header = header_word(&block);
        for outgoing in ["Oplata", "Оплата", "Списание", "To'lov", "Toʻlov"] {
            let (kind, _) = assert_not_top_up(&block.replacen(header, outgoing, 1));
            assert_eq!(kind, NotTopUpKind::Outgoing, "{outgoing}");
        }
        for reversal in ["↩️ ", "Отмена ", "Отменён ", "Отменен ", "Bekor qilindi: "]
        {
            let (kind, detail) = assert_not_top_up(&format!("{reversal}{block}"));
            assert_eq!(kind, NotTopUpKind::Reversal, "{reversal}");
            assert!(detail.contains(&want.amount.fixed2()), "{detail}");
        }
        let (kind, _) = assert_not_top_up(&format!("{block}\n↩️ Bekor qilindi"));
        assert_eq!(kind, NotTopUpKind::Reversal);
    }
}

#[test]
fn malformed_amounts_are_refused() {
    for (block, _) in incoming_cases() {
        let old = amount_text(&block);
        for bad in [
            "1.2.3,00",
            "12,3456.00",
            "1.000.00",
            "1,000,00",
            "1.000 000,00",
            "1000,5",
            "0,00",
            "0",
            "1 000 000 000 000 000,00",
            "1 0000,00",
            "",
            "12.500,00 USD,",
        ] {
            let text = block.replacen(old, bad, 1);
            let (kind, detail) = assert_not_top_up(&text);
            assert_eq!(kind, NotTopUpKind::NotANotification, "{text:?}");
            assert!(detail.contains("amount"), "{text:?}: {detail}");
        }
    }
}

#[test]
fn the_balance_line_is_not_the_amount() {
    for (block, want) in incoming_cases() {
        if !block.contains('💰') {
            continue;
        }
        // Move the balance line first: still the amount after ➕.
        let balance = block.lines().find(|l| l.contains('💰')).unwrap_or_default();
        let rest: Vec<&str> = block.lines().filter(|l| !l.contains('💰')).collect();
        assert_top_up(&format!("{balance}\n{}", rest.join("\n")), &want);
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Properties.

/// Characters that matter to the parser, and some that do not.
fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec![
            '➕', '➖', '💳', '🕓', '💰', '📍', '🎉', '↩', '\u{FE0F}', '*', '.', ',', ':', ' ',
            '\u{A0}', '\u{202F}', '\u{2009}', '\n', '\r', '\t', '\'', 'ʻ', '’', 'U', 'Z', 'S',
            'H', 'O', 'M', '0', '1', '2', '3', '5', '9',
        ]),
        1 => any::<char>(),
    ]
}

fn fixture_block() -> impl Strategy<Value = String> {
    let mut all = incoming();
    all.extend(not_top_ups());
    prop::sample::select(all)
}

#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, char),
    Delete(usize),
    Replace(usize, char),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), interesting_char()).prop_map(|(i, c)| Edit::Insert(i, c)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), interesting_char()).prop_map(|(i, c)| Edit::Replace(i, c)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for edit in edits {
        match *edit {
            Edit::Insert(i, c) => chars.insert(i % (chars.len() + 1), c),
            Edit::Delete(i) if !chars.is_empty() => {
                let at = i % chars.len();
                chars.remove(at);
            }
            Edit::Replace(i, c) if !chars.is_empty() => {
                let at = i % chars.len();
                chars[at] = c;
            }
            Edit::Delete(_) | Edit::Replace(..) => {}
        }
    }
    chars.into_iter().collect()
}

/// Whatever `parse` says, a top-up is well formed.
fn check_sane(text: &str) {
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

/// Whole som digits (1 to 15) plus tiyin.
fn tiyin() -> impl Strategy<Value = i64> {
    prop_oneof![
        1i64..=10_000_000,
        1i64..=99_999_999_999_999_999,
        (1i64..=999_999_999_999_999).prop_map(|som| som * 100),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics_on_any_string(text in any::<String>()) {
        check_sane(&text);
        for part in split_messages(&text) {
            check_sane(part);
        }
    }

    #[test]
    fn parse_never_panics_on_notification_like_text(
        chars in prop::collection::vec(interesting_char(), 0..160)
    ) {
        let text: String = chars.into_iter().collect();
        check_sane(&text);
    }

    #[test]
    fn parse_never_panics_on_mutated_fixture_blocks(
        block in fixture_block(),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        let text = apply(&block, &edits);
        check_sane(&text);
        check_sane(&text.replace('\n', "\r\n"));
        check_sane(&text.lines().collect::<Vec<_>>().join(" "));
    }

    #[test]
    fn not_a_top_up_blocks_stay_so_under_harmless_edits(
        block in prop::sample::select(not_top_ups()),
        prefix in "[a-zA-Z ]{0,20}\n",
        suffix in "\n[a-zA-Z ]{0,20}",
    ) {
        let text = format!("{prefix}{block}{suffix}");
        prop_assert!(!matches!(parse(&text), Notice::TopUp(_)));
    }

    #[test]
    fn amounts_read_back_exactly(
        case in prop::sample::select(incoming_cases()),
        tiyin in tiyin(),
        pick in any::<prop::sample::Index>(),
    ) {
        let (block, want) = case;
        let written = renderings(tiyin);
        let new = pick.get(&written);
        let text = block.replacen(amount_text(&block), new, 1);
        prop_assert_eq!(
            parse(&text),
            Notice::TopUp(TopUp { amount: Money::from_tiyin(tiyin), ..want }),
            "{:?}", text
        );
    }

    #[test]
    fn absurd_amounts_are_refused(
        case in prop::sample::select(incoming_cases()),
        whole in "[1-9][0-9]{15,22}",
        pick in 0usize..3,
    ) {
        let (block, _) = case;
        let tail = ["", ",00", ".00"][pick];
        let text = block.replacen(amount_text(&block), &format!("{whole}{tail}"), 1);
        let notice = parse(&text);
        prop_assert!(
            matches!(
                &notice,
                Notice::NotTopUp { kind: NotTopUpKind::NotANotification, detail }
                    if detail.contains("more than 15 whole digits")
            ),
            "{:?}", notice
        );
    }

    #[test]
    fn misgrouped_amounts_are_refused(
        case in prop::sample::select(incoming_cases()),
        tiyin in 100_000i64..=99_999_999_999_999_999,
        seps in prop::sample::select(vec![
            ('.', ','), (',', '.'), (' ', '.'), (' ', ','), ('\u{A0}', '.'), ('\u{A0}', ','),
            ('\u{202F}', '.'), ('\u{202F}', ','),
        ]),
        group in any::<prop::sample::Index>(),
        delete in any::<bool>(),
    ) {
        // One thousands group (after the first) with a digit too many or too few.
        let (block, _) = case;
        let whole = (tiyin / 100).to_string();
        let head = match whole.len() % 3 { 0 => 3, n => n };
        let mut groups = vec![whole[..head].to_owned()];
        groups.extend(whole.as_bytes()[head..].chunks(3).map(|g| String::from_utf8_lossy(g).into_owned()));
        let at = 1 + group.index(groups.len() - 1);
        if delete {
            groups[at].pop();
        } else {
            groups[at].push('7');
        }
        let (thousands, decimal) = seps;
        let bad = format!("{}{decimal}{:02}", groups.join(&thousands.to_string()), tiyin % 100);
        let text = block.replacen(amount_text(&block), &bad, 1);
        prop_assert!(
            matches!(
                parse(&text),
                Notice::NotTopUp { kind: NotTopUpKind::NotANotification, ref detail }
                    if detail.contains("amount")
            ),
            "{:?} -> {:?}", bad, parse(&text)
        );
    }

    #[test]
    fn split_then_parse_gives_each_message(
        picks in prop::collection::vec(any::<prop::sample::Index>(), 1..8),
        seps in prop::collection::vec(
            prop::sample::select(vec![
                "\n\n", "\n \n", "\n\t\n\n", "\r\n\r\n", "\n\u{A0}\n", "\n \n\n  \n", "\r\n \r\n\r\n",
            ]),
            8,
        ),
        lead in prop::sample::select(vec!["", "\n", "\n\n", "  \n \n"]),
    ) {
        let mut all = incoming();
        all.extend(not_top_ups());
        let chosen: Vec<&String> = picks.iter().map(|p| p.get(&all)).collect();
        let mut body = lead.to_owned();
        for (i, block) in chosen.iter().enumerate() {
            if i > 0 {
                body.push_str(seps[i % seps.len()]);
            }
            body.push_str(block);
        }
        body.push_str(seps[0]);
        let parts = split_messages(&body);
        prop_assert_eq!(parts.len(), chosen.len());
        for (part, block) in parts.iter().zip(&chosen) {
            prop_assert_eq!(*part, block.as_str());
            prop_assert_eq!(parse(part), parse(block));
        }
    }

    #[test]
    fn split_parts_are_trimmed_and_hold_no_blank_line(text in any::<String>()) {
        for part in split_messages(&text) {
            prop_assert!(!part.is_empty());
            prop_assert_eq!(part, part.trim());
            prop_assert!(part.lines().all(|l| !l.trim().is_empty()), "{:?}", part);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Several messages in one pasted body.

#[test]
fn a_pasted_body_splits_into_its_messages() {
    let cases = incoming_cases();
    let outs = not_top_ups();
    let body = format!(
        "\n{}\n\n{}\n \n\t\n{}\r\n\r\n{}\n\u{A0}\n\n{}\n\n\n{}\n   \n{}\n\n",
        cases[0].0, outs[0], cases[1].0, cases[2].0, outs[1], cases[3].0, cases[4].0
    );
    let parts = split_messages(&body);
    assert_eq!(parts.len(), 7, "{parts:#?}");
    let top_ups: Vec<TopUp> = parts
        .iter()
        .filter_map(|p| match parse(p) {
            Notice::TopUp(t) => Some(t),
            Notice::NotTopUp { .. } => None,
        })
        .collect();
    assert_eq!(top_ups, expected_incoming());
    let kinds: Vec<NotTopUpKind> = parts
        .iter()
        .filter_map(|p| match parse(p) {
            Notice::NotTopUp { kind, .. } => Some(kind),
            Notice::TopUp(_) => None,
        })
        .collect();
    assert_eq!(kinds, [NotTopUpKind::Outgoing, NotTopUpKind::Reversal]);
}

#[test]
fn an_unsplit_body_of_two_messages_is_not_credited() {
    let cases = incoming_cases();
    let body = format!("{}\n{}", cases[0].0, cases[1].0);
    let (kind, detail) = assert_not_top_up(&body);
    assert_eq!(kind, NotTopUpKind::NotANotification);
    assert!(detail.contains("2 amounts"), "{detail}");
}
