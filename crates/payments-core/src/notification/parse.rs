//! Classifying a message and reading its amount, card and time.
//!
//! Everything here works on `&str` with `get` and iterators, so no input can make it panic.

use super::amount::{Reading, is_inline_space, read_number};
use super::{Bank, NotTopUpKind, Notice, TopUp};
use time::macros::offset;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// ➕ HEAVY PLUS SIGN: marks money coming in.
const PLUS: char = '\u{2795}';
/// ➖ HEAVY MINUS SIGN: marks money going out.
const MINUS: char = '\u{2796}';
/// 💳 CREDIT CARD: precedes the card.
const CARD_EMOJI: char = '\u{1F4B3}';
/// VARIATION SELECTOR-16, which may follow any emoji.
const VS16: char = '\u{FE0F}';
/// ↩ LEFTWARDS ARROW WITH HOOK: marks a reversal.
const REVERSAL_ARROW: char = '\u{21A9}';
/// Tashkent time, in which the banks write their times.
const TASHKENT: UtcOffset = offset!(+5);

/// Header words of a top-up, normalised (lower case, apostrophes removed).
const TOP_UP_WORDS: &[&str] = &[
    "toldirish",
    "тўлдириш",
    "толдириш",
    "пополнение",
    "popolnenie",
];
/// Header words of money going out, normalised.
const OUTGOING_WORDS: &[&str] = &[
    "oplata",
    "оплата",
    "списание",
    "spisanie",
    "tolov",
    "тўлов",
    "толов",
    "покупка",
    "pokupka",
    "снятие",
    "snyatie",
];
/// A word starting with one of these marks a reversal: Отмена, Отменён, Отменен, Otmena.
const REVERSAL_PREFIXES: &[&str] = &["отмен", "otmen"];
/// Words marking a reversal (a refund is not a payer's transfer either).
const REVERSAL_WORDS: &[&str] = &["возврат", "vozvrat"];

/// Apostrophes seen in Uzbek Latin (`To'ldirish`, `To‘ldirish`, `Toʻldirish`, …).
fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{02BB}' | '\u{00B4}' | '\u{02BC}' | '\u{2032}'
    )
}

/// Clock faces 🕐…🕧, ⏰, ⌚, ⏱, ⏲: the emoji before a notification's time.
fn is_clock(c: char) -> bool {
    matches!(u32::from(c), 0x1F550..=0x1F567)
        || matches!(c, '\u{23F0}' | '\u{231A}' | '\u{23F1}' | '\u{23F2}')
}

/// A word of the text: as written, and normalised for comparison.
struct Word<'a> {
    raw: &'a str,
    norm: String,
}

fn words(text: &str) -> Vec<Word<'_>> {
    text.split(|c: char| !(c.is_alphanumeric() || is_apostrophe(c)))
        .filter_map(|raw| {
            let raw = raw.trim_matches(is_apostrophe);
            let norm: String = raw
                .chars()
                .filter(|&c| !is_apostrophe(c))
                .flat_map(char::to_lowercase)
                .collect();
            (!norm.is_empty()).then_some(Word { raw, norm })
        })
        .collect()
}

/// The reversal word of the text, as written, if it has one anywhere (else `↩`).
fn reversal_word(text: &str) -> Option<String> {
    let words = words(text);
    for (i, word) in words.iter().enumerate() {
        if REVERSAL_PREFIXES.iter().any(|p| word.norm.starts_with(p))
            || REVERSAL_WORDS.contains(&word.norm.as_str())
        {
            return Some(word.raw.to_owned());
        }
        if matches!(word.norm.as_str(), "bekor" | "бекор")
            && let Some(next) = words.get(i + 1)
            && ["qilin", "қилин", "килин"]
                .iter()
                .any(|p| next.norm.starts_with(p))
        {
            return Some(format!("{} {}", word.raw, next.raw));
        }
    }
    text.contains(REVERSAL_ARROW)
        .then(|| REVERSAL_ARROW.to_string())
}

/// The header of the amount at byte `marker`: the text before it on its line when that holds a
/// letter, otherwise the nearest non-blank line above.
fn header(text: &str, marker: usize) -> &str {
    let before = text.get(..marker).unwrap_or_default();
    let line_start = before.rfind(['\n', '\r']).map_or(0, |p| p + 1);
    let same_line = before.get(line_start..).unwrap_or_default();
    if same_line.chars().any(char::is_alphabetic) {
        return same_line;
    }
    before
        .get(..line_start)
        .unwrap_or_default()
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
}

/// What the header says.
struct HeaderWords {
    top_up: bool,
    outgoing: Option<String>,
}

fn header_words(header: &str) -> HeaderWords {
    let words = words(header);
    HeaderWords {
        top_up: words
            .iter()
            .any(|w| TOP_UP_WORDS.contains(&w.norm.as_str())),
        outgoing: words
            .iter()
            .find(|w| OUTGOING_WORDS.contains(&w.norm.as_str()))
            .map(|w| w.raw.to_owned()),
    }
}

/// Reads the amount after the sign at byte `pos`, up to `UZS`.
fn read_amount(text: &str, pos: usize, sign: char) -> Result<Reading, String> {
    let rest = text.get(pos + sign.len_utf8()..).unwrap_or_default();
    let rest = rest.trim_start_matches(|c: char| c == VS16 || is_inline_space(c));
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',' || is_inline_space(c)))
        .unwrap_or(rest.len());
    let number = rest.get(..end).unwrap_or_default();
    let after = rest.get(end..).unwrap_or_default();
    let number = number.trim_matches(is_inline_space);
    if !number.chars().any(|c| c.is_ascii_digit()) {
        return Err(format!("there is no amount after {sign}"));
    }
    let uzs = after
        .get(..3)
        .is_some_and(|s| s.eq_ignore_ascii_case("UZS"))
        && !after
            .get(3..)
            .and_then(|s| s.chars().next())
            .is_some_and(char::is_alphanumeric);
    if !uzs {
        return Err(format!(
            "the amount \"{number}\" after {sign} is not followed by UZS"
        ));
    }
    read_number(number)
        .map_err(|why| format!("the amount \"{number}\" after {sign} is unreadable: {why}"))
}

/// A card as written in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Card {
    last4: String,
    stars: usize,
    /// The brand written right before the card (`HUMOCARD *1234`).
    brand: Option<Bank>,
}

/// Byte offsets of an ASCII word in the text, in any case, not inside a longer word
/// (`HUMOcardbot` is not `HUMOCARD`).
fn find_ascii(text: &str, needle: &str) -> Vec<usize> {
    let mut prev: Option<char> = None;
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        let starts_word = !prev.is_some_and(|p| p.is_ascii_alphanumeric());
        prev = Some(c);
        if starts_word
            && text
                .get(i..i + needle.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(needle))
            && !text
                .get(i + needle.len()..)
                .and_then(|rest| rest.chars().next())
                .is_some_and(|next| next.is_ascii_alphabetic())
        {
            out.push(i);
        }
    }
    out
}

fn contains_ascii(text: &str, needle: &str) -> bool {
    !find_ascii(text, needle).is_empty()
}

/// `*1234`, `***1234` or `* 1234` at the start of `text` (which may start with spaces).
fn card_at(text: &str, brand: Option<Bank>) -> Option<Card> {
    let text = text.trim_start_matches(|c: char| c == VS16 || is_inline_space(c));
    let stars = text.chars().take_while(|&c| c == '*').take(17).count();
    if !(1..=16).contains(&stars) {
        return None;
    }
    let digits = text.get(stars..)?.trim_start_matches(is_inline_space);
    let run = digits
        .chars()
        .take_while(char::is_ascii_digit)
        .take(5)
        .count();
    if run != 4 {
        return None;
    }
    Some(Card {
        last4: digits.get(..4)?.to_owned(),
        stars,
        brand,
    })
}

fn brand_of(word: &str) -> Option<Bank> {
    if word.eq_ignore_ascii_case("HUMOCARD") || word.eq_ignore_ascii_case("HUMO") {
        Some(Bank::Humo)
    } else if word.eq_ignore_ascii_case("UZCARD") {
        Some(Bank::Uzcard)
    } else {
        None
    }
}

/// Every card named in the text, once each: after 💳 (a brand word may stand between), after
/// `HUMOCARD`, after `UZCARD`.
fn find_cards(text: &str) -> Vec<Card> {
    let mut cards: Vec<Card> = Vec::new();
    let mut add = |card: Card| {
        if let Some(seen) = cards.iter_mut().find(|c| c.last4 == card.last4) {
            if seen.brand.is_none() {
                seen.brand = card.brand;
            }
        } else {
            cards.push(card);
        }
    };
    for (i, c) in text.char_indices() {
        if c != CARD_EMOJI {
            continue;
        }
        let after = text
            .get(i + c.len_utf8()..)
            .unwrap_or_default()
            .trim_start_matches(|c: char| c == VS16 || is_inline_space(c));
        if let Some(card) = card_at(after, None) {
            add(card);
            continue;
        }
        let word_len = after
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(after.len());
        if let (Some(word), Some(rest)) = (after.get(..word_len), after.get(word_len..))
            && (1..=16).contains(&word_len)
            && let Some(card) = card_at(rest, brand_of(word))
        {
            add(card);
        }
    }
    for (brand_word, bank) in [("HUMOCARD", Bank::Humo), ("UZCARD", Bank::Uzcard)] {
        for i in find_ascii(text, brand_word) {
            if let Some(card) = text
                .get(i + brand_word.len()..)
                .and_then(|rest| card_at(rest, Some(bank)))
            {
                add(card);
            }
        }
    }
    cards
}

/// Which of the two time layouts a time was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeLayout {
    /// `HH:MM DD.MM.YYYY`
    Humo,
    /// `DD.MM.YY HH:MM`
    Uzcard,
}

/// A time as written, not yet checked.
struct RawTime {
    text: String,
    layout: TimeLayout,
    year: i32,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
}

impl RawTime {
    fn to_utc(&self) -> Result<OffsetDateTime, String> {
        let invalid = || format!("the time \"{}\" is not a real date and time", self.text);
        if !(2000..=2099).contains(&self.year) {
            return Err(invalid());
        }
        let month = Month::try_from(self.month).map_err(|_| invalid())?;
        let date = Date::from_calendar_date(self.year, month, self.day).map_err(|_| invalid())?;
        let time = Time::from_hms(self.hour, self.minute, 0).map_err(|_| invalid())?;
        Ok(PrimitiveDateTime::new(date, time)
            .assume_offset(TASHKENT)
            .to_offset(UtcOffset::UTC))
    }
}

/// A run of `min..=max` ASCII digits at `i`, not followed by another digit.
fn digits(chars: &[char], i: usize, min: usize, max: usize) -> Option<(u32, usize)> {
    let mut value = 0;
    let mut len = 0;
    for c in chars.get(i..)?.iter().take(max + 1) {
        let Some(d) = c.to_digit(10) else { break };
        value = value * 10 + d;
        len += 1;
    }
    (min..=max).contains(&len).then_some((value, i + len))
}

fn expect(chars: &[char], i: usize, want: char) -> Option<usize> {
    (chars.get(i) == Some(&want)).then_some(i + 1)
}

/// One or more (at most eight) spaces at `i`.
fn spaces(chars: &[char], i: usize) -> Option<usize> {
    let n = chars
        .get(i..)?
        .iter()
        .take(9)
        .take_while(|&&c| is_inline_space(c))
        .count();
    (1..=8).contains(&n).then_some(i + n)
}

fn narrow(v: u32) -> u8 {
    u8::try_from(v).unwrap_or(u8::MAX)
}

/// `H:MM D.M.YYYY` or `D.M.YY H:MM` (hours, days, months with one or two digits) at `i`, not
/// preceded by a digit.
fn time_at(chars: &[char], i: usize) -> Option<(RawTime, usize)> {
    if i.checked_sub(1)
        .and_then(|p| chars.get(p))
        .is_some_and(char::is_ascii_digit)
    {
        return None;
    }
    let humo = || {
        let (hour, j) = digits(chars, i, 1, 2)?;
        let j = expect(chars, j, ':')?;
        let (minute, j) = digits(chars, j, 2, 2)?;
        let j = spaces(chars, j)?;
        let (day, j) = digits(chars, j, 1, 2)?;
        let j = expect(chars, j, '.')?;
        let (month, j) = digits(chars, j, 1, 2)?;
        let j = expect(chars, j, '.')?;
        let (year, j) = digits(chars, j, 4, 4)?;
        Some((TimeLayout::Humo, year, month, day, hour, minute, j))
    };
    let uzcard = || {
        let (day, j) = digits(chars, i, 1, 2)?;
        let j = expect(chars, j, '.')?;
        let (month, j) = digits(chars, j, 1, 2)?;
        let j = expect(chars, j, '.')?;
        let (year, j) = digits(chars, j, 2, 2)?;
        let j = spaces(chars, j)?;
        let (hour, j) = digits(chars, j, 1, 2)?;
        let j = expect(chars, j, ':')?;
        let (minute, j) = digits(chars, j, 2, 2)?;
        if chars.get(j) == Some(&':') {
            return None; // seconds: not a layout the banks use
        }
        Some((TimeLayout::Uzcard, year + 2000, month, day, hour, minute, j))
    };
    let (layout, year, month, day, hour, minute, end) = humo().or_else(uzcard)?;
    let text = chars.get(i..end)?.iter().collect();
    Some((
        RawTime {
            text,
            layout,
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month: narrow(month),
            day: narrow(day),
            hour: narrow(hour),
            minute: narrow(minute),
        },
        end,
    ))
}

/// The message's time, in UTC, and its layout.
///
/// The times written after a clock emoji count; when the text has no clock emoji, any time in
/// one of the two layouts counts. An unreadable time after a clock, an impossible time, or
/// several different times are errors.
fn find_time(text: &str) -> Result<Option<(OffsetDateTime, TimeLayout)>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found: Vec<RawTime> = Vec::new();
    let mut clocks = false;
    for (i, &c) in chars.iter().enumerate() {
        if !is_clock(c) {
            continue;
        }
        clocks = true;
        let start = i
            + 1
            + chars
                .get(i + 1..)
                .unwrap_or_default()
                .iter()
                .take_while(|&&c| c == VS16 || is_inline_space(c))
                .count();
        match time_at(&chars, start) {
            Some((time, _)) => found.push(time),
            None => {
                let seen: String = chars
                    .get(start..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|&&c| c != '\n' && c != '\r')
                    .take(24)
                    .collect();
                return Err(format!("the time after {c} is unreadable: \"{seen}\""));
            }
        }
    }
    if !clocks {
        let mut i = 0;
        while i < chars.len() {
            if !chars.get(i).is_some_and(char::is_ascii_digit) {
                i += 1;
                continue;
            }
            match time_at(&chars, i) {
                Some((time, end)) => {
                    found.push(time);
                    i = end;
                }
                None => i += 1,
            }
        }
    }
    let mut times: Vec<(OffsetDateTime, TimeLayout, &str)> = Vec::new();
    for raw in &found {
        let at = raw.to_utc()?;
        if !times.iter().any(|(t, _, _)| *t == at) {
            times.push((at, raw.layout, &raw.text));
        }
    }
    match times.as_slice() {
        [] => Ok(None),
        [(at, layout, _)] => Ok(Some((*at, *layout))),
        several => Err(format!(
            "the text holds several different times ({})",
            several
                .iter()
                .map(|(_, _, text)| format!("\"{text}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Which bank wrote the message: the brand before the card, else the time layout, else
/// `HUMOCARD` or `UZCARD` anywhere, else the mask (`***` is UzCard's), else the decimal
/// separator (`,` is HUMO's), else HUMO.
fn bank(text: &str, card: &Card, layout: Option<TimeLayout>, decimal: Option<char>) -> Bank {
    if let Some(brand) = card.brand {
        return brand;
    }
    match layout {
        Some(TimeLayout::Humo) => return Bank::Humo,
        Some(TimeLayout::Uzcard) => return Bank::Uzcard,
        None => {}
    }
    if contains_ascii(text, "HUMOCARD") {
        Bank::Humo
    } else if contains_ascii(text, "UZCARD") {
        Bank::Uzcard
    } else if card.stars != 1 && card.stars != 3 {
        match decimal {
            Some('.') => Bank::Uzcard,
            _ => Bank::Humo,
        }
    } else if card.stars == 3 {
        Bank::Uzcard
    } else {
        Bank::Humo
    }
}

fn not_top_up(kind: NotTopUpKind, detail: String) -> Notice {
    Notice::NotTopUp { kind, detail }
}

/// `what`, then ` of 12500.00 UZS` when the amount was read, then ` from *7159` when the text
/// names one card.
fn describe(
    what: &str,
    amount: Option<&Result<Reading, String>>,
    cards: &[Card],
    preposition: &str,
) -> String {
    let mut out = what.to_owned();
    if let Some(Ok(reading)) = amount {
        out.push_str(&format!(" of {} UZS", reading.money.fixed2()));
    }
    if let [card] = cards {
        out.push_str(&format!(" {preposition} *{}", card.last4));
    }
    out
}

pub(super) fn parse(text: &str) -> Notice {
    use NotTopUpKind::{NotANotification, Outgoing, Reversal};

    if text.trim().is_empty() {
        return not_top_up(NotANotification, "the text is empty".into());
    }
    let markers: Vec<(usize, char)> = text
        .char_indices()
        .filter(|&(_, c)| c == PLUS || c == MINUS)
        .collect();
    let cards = find_cards(text);
    let amount = match markers.as_slice() {
        [(pos, sign)] => Some(read_amount(text, *pos, *sign)),
        _ => None,
    };

    if let Some(word) = reversal_word(text) {
        let what = format!("reversal ({word})");
        return not_top_up(Reversal, describe(&what, amount.as_ref(), &cards, "on"));
    }
    let (pos, sign) = match markers.as_slice() {
        [] => {
            return not_top_up(
                NotANotification,
                "no ➕ or ➖ amount: not a bank top-up notification".into(),
            );
        }
        [one] => *one,
        several => {
            return not_top_up(
                NotANotification,
                format!(
                    "the text holds {} amounts marked ➕ or ➖; put one message per block, \
                     separated by a blank line",
                    several.len()
                ),
            );
        }
    };
    if sign == MINUS {
        return not_top_up(
            Outgoing,
            describe("outgoing payment", amount.as_ref(), &cards, "from"),
        );
    }
    let header = header_words(header(text, pos));
    if let Some(word) = header.outgoing {
        let what = format!("outgoing payment ({word})");
        let detail = describe(&what, amount.as_ref(), &cards, "from") + ", though marked ➕";
        return not_top_up(Outgoing, detail);
    }
    if !header.top_up {
        let detail = describe("➕ amount", amount.as_ref(), &cards, "on")
            + " without a top-up header (To'ldirish, Пополнение, Popolnenie)";
        return not_top_up(NotANotification, detail);
    }
    let reading = match amount {
        Some(Ok(reading)) => reading,
        Some(Err(why)) => return not_top_up(NotANotification, format!("top-up: {why}")),
        None => return not_top_up(NotANotification, "top-up without an amount".into()),
    };
    let top_up = format!("top-up of {} UZS", reading.money.fixed2());
    let card = match cards.as_slice() {
        [card] => card,
        [] => {
            return not_top_up(
                NotANotification,
                format!("{top_up} without a card number: it cannot be matched"),
            );
        }
        several => {
            let list: Vec<String> = several.iter().map(|c| format!("*{}", c.last4)).collect();
            return not_top_up(
                NotANotification,
                format!("{top_up} naming several cards ({})", list.join(", ")),
            );
        }
    };
    let (at, layout) = match find_time(text) {
        Ok(Some((at, layout))) => (Some(at), Some(layout)),
        Ok(None) => (None, None),
        Err(why) => {
            return not_top_up(
                NotANotification,
                format!("{top_up} on *{}: {why}", card.last4),
            );
        }
    };
    Notice::TopUp(TopUp {
        card_last4: card.last4.clone(),
        amount: reading.money,
        at,
        bank: bank(text, card, layout, reading.decimal),
    })
}
