//! Long polling and the commands: `/start`, `/topup`, `/balance`, `/history`, `/cancel`,
//! `/help`, and the amount buttons.

use crate::kassa::KassaError;
use crate::money::{self, Tiyin};
use crate::store::{self, Status, Transaction};
use crate::telegram::TgError;
use crate::texts::{self, Lang};
use crate::{App, Fatal, MAX_PENDING_PER_USER, MIN_TOPUP};
use frankenstein::TelegramApi;
use frankenstein::methods::{AnswerCallbackQueryParams, SendMessageParams, SetMyCommandsParams};
use frankenstein::types::{
    BotCommand, CallbackQuery, CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup,
    MaybeInaccessibleMessage, Message, ReplyMarkup, User,
};
use frankenstein::updates::{Update, UpdateContent};
use frankenstein::{ParseMode, types::LinkPreviewOptions};
use std::time::Duration;

/// The amount buttons, in so'm.
const BUTTONS_SOM: [u64; 4] = [10_000, 50_000, 100_000, 500_000];
/// Orders shown by `/history`.
const HISTORY_LENGTH: usize = 10;
/// Used when Kassa does not say when an order expires (the document's 5 minutes).
const DEFAULT_EXPIRES_IN: u64 = 300;

/// At start: Kassa takes the shop's credentials, Telegram takes the token (each only when it
/// answers: an unreachable service is retried later, a refusal is fatal), and the command list
/// is set for Telegram's menu.
pub fn introduce(app: &App) -> Result<(), Fatal> {
    let shop = app.kassa.shop_name();
    app.saw_kassa(&shop);
    match shop {
        Ok(name) => tracing::info!(shop = %name, "Kassa accepts the shop's credentials"),
        Err(KassaError::Api { code, message, .. }) => {
            return Err(Fatal::Config(format!(
                "SHOP_ID / SHOP_KEY: Kassa refused them: {message} ({code})"
            )));
        }
        Err(e) => tracing::warn!("{e}; carrying on, it is retried"),
    }
    let me = app.tg.get_me();
    app.saw_telegram(&me);
    match me {
        Ok(me) => tracing::info!(
            bot = me.result.username.as_deref().unwrap_or(""),
            "Telegram accepts the token"
        ),
        Err(TgError::Api {
            code: 401 | 404, ..
        }) => {
            return Err(Fatal::Config(
                "TELEGRAM_BOT_TOKEN: Telegram refused the token (401 Unauthorized)".into(),
            ));
        }
        Err(e) => tracing::warn!("{e}; carrying on, it is retried"),
    }
    for lang in [None, Some(Lang::Uz), Some(Lang::Ru)] {
        let l = lang.unwrap_or(Lang::En);
        let commands = command_list(l)
            .into_iter()
            .map(|(c, d)| BotCommand::builder().command(c).description(d).build())
            .collect();
        let params = SetMyCommandsParams::builder().commands(commands);
        let params = match lang {
            Some(l) => params.language_code(l.code()).build(),
            None => params.build(),
        };
        if let Err(e) = app.tg.set_my_commands(&params) {
            tracing::warn!("setMyCommands: {e}");
        }
    }
    Ok(())
}

fn command_list(lang: Lang) -> Vec<(&'static str, &'static str)> {
    match lang {
        Lang::Uz => vec![
            ("topup", "Balansni to'ldirish"),
            ("balance", "Balans"),
            ("history", "Oxirgi to'lovlar"),
            ("cancel", "To'lanmagan buyurtmalarni bekor qilish"),
            ("help", "Yordam"),
        ],
        Lang::Ru => vec![
            ("topup", "Пополнить баланс"),
            ("balance", "Баланс"),
            ("history", "Последние платежи"),
            ("cancel", "Отменить неоплаченные заказы"),
            ("help", "Помощь"),
        ],
        Lang::En => vec![
            ("topup", "Top up your balance"),
            ("balance", "Your balance"),
            ("history", "Your latest payments"),
            ("cancel", "Cancel unpaid orders"),
            ("help", "Help"),
        ],
    }
}

/// Polls Telegram for ever, handling each update once: the offset of the next update is saved
/// with what handling one changed, so a restart neither loses nor repeats an update.
pub fn poll(app: &App) -> Result<(), Fatal> {
    let mut backoff = Duration::from_secs(1);
    loop {
        let offset = app.store().telegram_offset;
        let result = app.tg.updates(offset);
        app.saw_telegram(&result);
        match result {
            Ok(updates) => {
                backoff = Duration::from_secs(1);
                for raw in updates {
                    handle_raw(app, raw);
                }
            }
            Err(e) => {
                match &e {
                    TgError::Api { code: 401, .. } => tracing::error!(
                        "{e}: TELEGRAM_BOT_TOKEN is no longer accepted (revoked in @BotFather?)"
                    ),
                    TgError::Api { code: 409, .. } => tracing::error!(
                        "{e}: another instance polls this bot, or a webhook is set \
                         (long polling needs deleteWebhook)"
                    ),
                    _ => tracing::warn!("getUpdates: {e}"),
                }
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        }
    }
}

fn handle_raw(app: &App, raw: serde_json::Value) {
    let Some(id) = raw.get("update_id").and_then(serde_json::Value::as_i64) else {
        tracing::warn!("an update without update_id, skipped");
        return;
    };
    if id < app.store().telegram_offset {
        return; // handled before a restart
    }
    match serde_json::from_value::<Update>(raw) {
        Ok(update) => match update.content {
            UpdateContent::Message(message) => on_message(app, id, &message),
            UpdateContent::CallbackQuery(query) => on_button(app, id, &query),
            _ => {}
        },
        Err(e) => tracing::warn!(update_id = id, "update not understood, skipped: {e}"),
    }
    let mut store = app.store();
    if store.telegram_offset <= id {
        store.telegram_offset = id + 1;
        if let Err(e) = store.save() {
            tracing::error!("cannot save the Telegram offset: {e}");
        }
    }
}

/// Who wrote, where, in which language.
struct Sender<'a> {
    update_id: i64,
    user: &'a User,
    chat_id: i64,
    lang: Lang,
}

fn on_message(app: &App, update_id: i64, message: &Message) {
    let (Some(user), Some(text)) = (message.from.as_deref(), message.text.as_deref()) else {
        return;
    };
    if user.is_bot {
        return;
    }
    let from = Sender {
        update_id,
        user,
        chat_id: message.chat.id,
        lang: Lang::from_code(user.language_code.as_deref().unwrap_or("")),
    };
    let text = text.trim();
    let (word, rest) = match text.split_once(char::is_whitespace) {
        Some((w, r)) => (w, r.trim()),
        None => (text, ""),
    };
    // `/topup@my_bot 5000` in groups.
    let command = word.split('@').next().unwrap_or(word).to_lowercase();
    let lang = from.lang;
    match command.as_str() {
        "/start" => reply(
            app,
            &from,
            texts::welcome(lang, &user.first_name),
            Some(amount_buttons(lang)),
        ),
        "/help" => reply(app, &from, texts::help(lang), None),
        "/topup" => topup(app, &from, rest),
        "/balance" => {
            let balance = app.store().balance(user.id);
            reply(app, &from, texts::balance(lang, balance), None)
        }
        "/history" => {
            let (txs, balance) = {
                let store = app.store();
                (
                    store.history(user.id, HISTORY_LENGTH),
                    store.balance(user.id),
                )
            };
            reply(app, &from, texts::history(lang, &txs, balance), None)
        }
        "/cancel" => cancel(app, &from),
        // A bare amount is a top-up too.
        _ if !text.starts_with('/') && text.starts_with(|c: char| c.is_ascii_digit()) => {
            topup(app, &from, text)
        }
        _ => reply(app, &from, texts::unknown(lang), None),
    }
}

fn on_button(app: &App, update_id: i64, query: &CallbackQuery) {
    let answered = app.tg.answer_callback_query(
        &AnswerCallbackQueryParams::builder()
            .callback_query_id(query.id.clone())
            .build(),
    );
    if let Err(e) = answered {
        tracing::debug!("answerCallbackQuery: {e}");
    }
    let chat_id = match &query.message {
        Some(MaybeInaccessibleMessage::Message(m)) => m.chat.id,
        Some(MaybeInaccessibleMessage::InaccessibleMessage(m)) => m.chat.id,
        None => i64::try_from(query.from.id).unwrap_or(i64::MAX),
    };
    let from = Sender {
        update_id,
        user: &query.from,
        chat_id,
        lang: Lang::from_code(query.from.language_code.as_deref().unwrap_or("")),
    };
    if let Some(amount) = query.data.as_deref().and_then(|d| d.strip_prefix("topup:")) {
        topup(app, &from, amount);
    }
}

fn amount_buttons(lang: Lang) -> ReplyMarkup {
    let button = |som: u64| {
        InlineKeyboardButton::builder()
            .text(texts::som(lang, som * money::TIYIN_PER_SOM))
            .callback_data(format!("topup:{som}"))
            .build()
    };
    let rows = BUTTONS_SOM
        .chunks(2)
        .map(|pair| pair.iter().map(|s| button(*s)).collect())
        .collect();
    ReplyMarkup::InlineKeyboardMarkup(
        InlineKeyboardMarkup::builder()
            .inline_keyboard(rows)
            .build(),
    )
}

/// Buttons that copy the card number and the exact amount, for the payer's banking app.
fn copy_buttons(lang: Lang, tx: &Transaction) -> ReplyMarkup {
    let mut row = Vec::new();
    if let Some(card) = &tx.card {
        row.push(
            InlineKeyboardButton::builder()
                .text(texts::copy_card_button(lang))
                .copy_text(CopyTextButton::builder().text(card.clone()).build())
                .build(),
        );
    }
    row.push(
        InlineKeyboardButton::builder()
            .text(texts::copy_amount_button(lang))
            .copy_text(
                CopyTextButton::builder()
                    .text(money::to_kassa(tx.payable_amount))
                    .build(),
            )
            .build(),
    );
    ReplyMarkup::InlineKeyboardMarkup(
        InlineKeyboardMarkup::builder()
            .inline_keyboard(vec![row])
            .build(),
    )
}

/// `/topup AMOUNT`: checks the amount, makes the order in Kassa, saves it (with the update's
/// offset, so a restart does not make it twice), and says what to pay.
fn topup(app: &App, from: &Sender<'_>, typed: &str) {
    let lang = from.lang;
    let amount: Tiyin = match money::parse_som(typed) {
        Ok(a) => a,
        Err(money::AmountError::Empty) => {
            return reply(
                app,
                from,
                texts::choose_amount(lang),
                Some(amount_buttons(lang)),
            );
        }
        Err(e) => return reply(app, from, texts::bad_amount(lang, e, typed), None),
    };
    if amount < MIN_TOPUP {
        return reply(app, from, texts::below_min(lang, MIN_TOPUP), None);
    }
    let pending = app.store().pending_of(from.user.id).len();
    if pending >= MAX_PENDING_PER_USER {
        return reply(app, from, texts::too_many_pending(lang, pending), None);
    }

    let created = app.kassa.create(amount);
    app.saw_kassa(&created);
    let created = match created {
        Ok(c) => c,
        Err(e) => {
            let text = match e.code() {
                "amount_too_large" => {
                    let max = match &e {
                        KassaError::Api { max_amount, .. } => {
                            max_amount.as_deref().and_then(money::parse_kassa)
                        }
                        KassaError::Unreachable(_) => None,
                    };
                    texts::above_max(lang, max)
                }
                "invalid_amount" => texts::bad_amount(lang, money::AmountError::NotANumber, typed),
                "amount_busy" => texts::amount_busy(lang),
                "" | "too_many_requests" | "unavailable" | "internal_error" => {
                    tracing::warn!("create: {e}");
                    texts::unavailable(lang)
                }
                _ => {
                    // The shop's setup: credentials, status, fee, card. The merchant must act.
                    tracing::error!("create refused, the shop needs attention: {e}");
                    texts::disabled(lang)
                }
            };
            return reply(app, from, text, None);
        }
    };

    let now = store::now_unix();
    let expires_in = created.expires_in.unwrap_or(DEFAULT_EXPIRES_IN);
    let tx = Transaction {
        order: created.order.clone(),
        user_id: from.user.id,
        chat_id: from.chat_id,
        lang: lang.code().to_owned(),
        amount: created.amount,
        payable_amount: created.payable_amount,
        card: created.card,
        pay_url: created.pay_url,
        status: Status::Pending,
        created_at: now,
        expires_at: now + expires_in,
        closed_at: None,
        notified: false,
    };
    let saved = {
        let mut store = app.store();
        let previous_offset = store.telegram_offset;
        if store.add(tx.clone()) {
            store.telegram_offset = previous_offset.max(from.update_id + 1);
            let saved = store.save();
            if saved.is_err() {
                store.forget(&tx.order);
                store.telegram_offset = previous_offset;
            }
            saved
        } else {
            Ok(())
        }
    };
    if let Err(e) = saved {
        // Not on disk, so not to be paid: take it back from Kassa.
        tracing::error!(order = %tx.order, "cannot save the new order, cancelling it: {e}");
        let cancelled = app.kassa.cancel(&tx.order);
        app.saw_kassa(&cancelled);
        return reply(app, from, texts::unavailable(lang), None);
    }
    tracing::info!(
        order = %tx.order,
        user = tx.user_id,
        amount = %money::to_kassa(tx.amount),
        payable = %money::to_kassa(tx.payable_amount),
        "order made"
    );
    reply(
        app,
        from,
        texts::order_created(lang, &tx, expires_in),
        Some(copy_buttons(lang, &tx)),
    );
}

/// `/cancel`: cancels the user's unpaid orders through Kassa.
fn cancel(app: &App, from: &Sender<'_>) {
    let lang = from.lang;
    let pending = app.store().pending_of(from.user.id);
    if pending.is_empty() {
        return reply(app, from, texts::nothing_to_cancel(lang), None);
    }
    for tx in pending {
        let result = app.kassa.cancel(&tx.order);
        app.saw_kassa(&result);
        let to = match result {
            Ok(()) => Status::Cancelled,
            // Expired meanwhile: the checker tells the user as for any expired order.
            Err(e) if e.code() == "order_already_cancelled" => Status::Expired,
            // Paid meanwhile: the checker credits it and tells the user.
            Err(e) if e.code() == "order_already_paid" => continue,
            Err(e) => {
                tracing::warn!(order = %tx.order, "cancel: {e}");
                return reply(app, from, texts::unavailable(lang), None);
            }
        };
        let mut store = app.store();
        if store.close(&tx.order, to, store::now_unix()) {
            // A cancel by the user is answered here and now.
            store.set_notified(&tx.order, to == Status::Cancelled);
            if let Err(e) = store.save() {
                tracing::error!(order = %tx.order, "cannot save the cancel: {e}");
                store.reopen(&tx.order);
                store.set_notified(&tx.order, false);
            }
        }
        drop(store);
        if to == Status::Cancelled {
            reply(app, from, texts::cancelled(lang, &tx), None);
        }
    }
}

fn reply(app: &App, from: &Sender<'_>, text: String, markup: Option<ReplyMarkup>) {
    if let Err(e) = send(app, from.chat_id, text, markup) {
        tracing::warn!(chat = from.chat_id, "sendMessage: {e}");
    }
}

/// `sendMessage` in Telegram HTML, without link previews (the pay page link would make one).
pub fn send(
    app: &App,
    chat_id: i64,
    text: String,
    markup: Option<ReplyMarkup>,
) -> Result<(), TgError> {
    let params = SendMessageParams::builder()
        .chat_id(chat_id)
        .text(text)
        .parse_mode(ParseMode::Html)
        .link_preview_options(LinkPreviewOptions::builder().is_disabled(true).build());
    let params = match markup {
        Some(m) => params.reply_markup(m).build(),
        None => params.build(),
    };
    let result = app.tg.send(&params);
    app.saw_telegram(&result);
    result
}
