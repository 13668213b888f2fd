//! Bank-notification texts: what the banks' Telegram bots (HUMOcardbot for HUMO cards,
//! CardXabarBot for UzCard) tell a card holder, read into a [`Notice`].
//!
//! Card-to-card settlement (design §2) credits an order when the bank reports money arriving on
//! the shop's receiving card. This module only reads the text: it does no I/O and never panics,
//! whatever it is given. The shapes it accepts are those of
//! `shared/fixtures/bank-notifications.md`:
//!
//! ```text
//! 🎉 To'ldirish                       🟢 Пополнение
//! ➕ 1.010,00 UZS                      ➕ 8 000.00 UZS
//! 📍 Click P2P WALLET 2               📍 UZCARD P2P
//! 💳 HUMOCARD *7159                   💳 ***1393
//! 🕓 05:36 16.06.2026                 🕓 18.06.26 22:26
//! 💰 23.378,71 UZS                    💰 95 640.50 UZS
//! ```
//!
//! and the one-line forwarded form `Пополнение ➕ 220,118.00 UZS ... HUMOCARD *1234 ... 🕓 10:05
//! 19.06.2026`. How each part is read:
//!
//! - **Kind.** A top-up has exactly one amount, marked ➕, under a top-up header: `To'ldirish`
//!   (with any apostrophe, `` ' ’ ‘ ` ʻ ´ ʼ ``, or none), `Пополнение`, `Popolnenie` (any case). The
//!   header is the text before ➕ on its line or, when that holds no word, the nearest non-blank
//!   line above. A reversal word anywhere (`Отмена`, `Отменён`, `Отменен`, `Bekor qilindi`,
//!   `Возврат`, `↩`) makes it a [reversal](NotTopUpKind::Reversal), even with ➕; a ➖ amount or an
//!   outgoing header (`Oplata`, `Оплата`, `Списание`, `To'lov`, `Покупка`, `Снятие`, …) makes it
//!   [outgoing](NotTopUpKind::Outgoing). Everything else, including a ➕ without a top-up header,
//!   is [not a notification](NotTopUpKind::NotANotification).
//! - **Amount.** The number after ➕ up to `UZS`, read exactly into tiyin (see
//!   [`Money`]): thousands separated by `.`, `,`, space, U+00A0 or U+202F in groups
//!   of three; a `,` or `.` followed by exactly two final digits is the decimal separator. Mixed
//!   or misplaced separators, zero and more than 15 whole digits are refused, never guessed. The
//!   `💰` balance line is not the amount.
//! - **Card.** `*1234`, `***1234` or `* 1234` after `💳` (optionally with a brand word between,
//!   as in `💳 HUMOCARD *1234`), after `HUMOCARD` or after `UZCARD`: the last four digits.
//! - **Time.** `HH:MM DD.MM.YYYY` (HUMO) or `DD.MM.YY HH:MM` (UzCard) after the clock emoji, in
//!   Tashkent time (UTC+05:00), returned in UTC. A message with no time has `at: None`; a time
//!   that is unreadable or impossible (`25:61`, `32.13.2026`) makes the message not a
//!   notification: the reader never guesses.
//!
//! Several amounts, several different cards or several different times in one text are refused:
//! a body holding several messages must be split first, with [`split_messages`].

mod amount;
mod parse;
#[cfg(test)]
mod tests;

use crate::Money;
use time::OffsetDateTime;

/// The bank (and so the notification bot) a message comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bank {
    /// HUMO cards, notified by HUMOcardbot: `HUMOCARD *1234`, time as `HH:MM DD.MM.YYYY`.
    Humo,
    /// UzCard cards, notified by CardXabarBot: `***1234`, time as `DD.MM.YY HH:MM`.
    Uzcard,
}

/// Money that arrived on a card: what settlement matches against a pending order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopUp {
    /// The last four digits of the receiving card, e.g. `"7159"`: always four ASCII digits.
    pub card_last4: String,
    /// The amount received, exact to the tiyin (read without any float); always positive.
    pub amount: Money,
    /// When the bank says the money arrived, to the minute, converted from Tashkent time
    /// (UTC+05:00) to UTC; `None` when the message carries no time (then the time the message
    /// was received counts).
    pub at: Option<OffsetDateTime>,
    /// Which bank's bot wrote the message.
    pub bank: Bank,
}

/// Why a text is not a top-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotTopUpKind {
    /// Money leaving the card: a ➖ amount or an outgoing header (`Oplata`, `Списание`, …).
    Outgoing,
    /// A reversal or cancellation of an earlier operation (`Отмена`, `Bekor qilindi`, `↩`),
    /// even when its amount is marked ➕.
    Reversal,
    /// Anything else: balance messages, adverts, plain text, empty text, and notifications that
    /// cannot be read safely (malformed amount, no card, impossible time, several amounts).
    NotANotification,
}

/// What one message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Money arrived on a card: credit it (once) to the matching order.
    TopUp(TopUp),
    /// Never credited.
    NotTopUp {
        /// Which kind of message it is.
        kind: NotTopUpKind,
        /// A short English sentence saying what was seen, for the operator, e.g.
        /// `outgoing payment of 12500.00 UZS from *7159`.
        detail: String,
    },
}

/// Reads one notification message.
///
/// Total: any text gives a [`Notice`], nothing panics. Only a well-formed top-up with a card
/// gives [`Notice::TopUp`]; see the [module documentation](self) for the rules.
///
/// ```
/// use payments_core::Money;
/// use payments_core::notification::{parse, Bank, NotTopUpKind, Notice};
/// use time::macros::datetime;
///
/// let text = "🎉 To'ldirish\n➕ 1.010,00 UZS\n📍 Click P2P WALLET 2\n💳 HUMOCARD *7159\n\
///             🕓 05:36 16.06.2026\n💰 23.378,71 UZS";
/// let Notice::TopUp(top_up) = parse(text) else { panic!("not a top-up") };
/// assert_eq!(top_up.card_last4, "7159");
/// assert_eq!(top_up.amount, Money::from_tiyin(101_000));
/// assert_eq!(top_up.at, Some(datetime!(2026-06-16 00:36 UTC)));
/// assert_eq!(top_up.bank, Bank::Humo);
///
/// let outgoing = "🔴 Oplata\n➖ 12.500,00 UZS\n💳 HUMOCARD *7159";
/// assert_eq!(
///     parse(outgoing),
///     Notice::NotTopUp {
///         kind: NotTopUpKind::Outgoing,
///         detail: "outgoing payment of 12500.00 UZS from *7159".into(),
///     }
/// );
/// assert!(matches!(
///     parse("Oddiy xabar matni"),
///     Notice::NotTopUp { kind: NotTopUpKind::NotANotification, .. }
/// ));
/// ```
pub fn parse(text: &str) -> Notice {
    parse::parse(text)
}

/// Splits a pasted body holding several messages into the messages.
///
/// Messages are separated by one or more blank lines (empty or whitespace only; `\n` or
/// `\r\n` line ends). Each message is trimmed; empty ones are dropped. The parts borrow from
/// `body`.
///
/// ```
/// use payments_core::notification::split_messages;
/// let body = "first\nmessage\n\n \t\n\r\nsecond\n\n";
/// assert_eq!(split_messages(body), ["first\nmessage", "second"]);
/// ```
pub fn split_messages(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    // Byte range of the message being gathered: from its first non-blank line to the end of
    // its last non-blank line.
    let mut current: Option<(usize, usize)> = None;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if line.trim().is_empty() {
            if let Some((from, to)) = current.take() {
                push_trimmed(&mut out, body.get(from..to));
            }
        } else {
            current = Some(match current {
                Some((from, _)) => (from, offset),
                None => (start, offset),
            });
        }
    }
    if let Some((from, to)) = current {
        push_trimmed(&mut out, body.get(from..to));
    }
    out
}

fn push_trimmed<'a>(out: &mut Vec<&'a str>, part: Option<&'a str>) {
    if let Some(part) = part.map(str::trim).filter(|p| !p.is_empty()) {
        out.push(part);
    }
}
