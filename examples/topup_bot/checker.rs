//! Every `BOT_CHECK_INTERVAL`: `method=check` for every pending order; paid ones are credited
//! (saved first, then the user is told), overdue ones are cancelled with `method=cancel` and the
//! user is told.

use crate::App;
use crate::bot;
use crate::kassa::{KassaError, OrderStatus};
use crate::store::{self, Status, Transaction};
use crate::texts::{self, Lang};
use std::time::SystemTime;

/// An order Kassa does not know is given up this long after it should have expired.
const NOT_FOUND_GRACE_SECS: u64 = 600;

pub fn run(app: &App) {
    loop {
        pass(app);
        std::thread::sleep(app.check_interval);
    }
}

/// One round over the pending orders, then the messages still to send.
pub fn pass(app: &App) {
    let pending = app.store().pending();
    if pending.is_empty() {
        // Nothing to check: ask for the shop's information, so /health knows Kassa answers.
        let shop = app.kassa.shop_name();
        app.saw_kassa(&shop);
    }
    for tx in &pending {
        let checked = app.kassa.check(&tx.order);
        app.saw_kassa(&checked);
        let now = store::now_unix();
        match checked {
            Ok(c) => match c.status {
                OrderStatus::Paid => {
                    if c.amount.is_some_and(|a| a != tx.amount) {
                        tracing::warn!(order = %tx.order, "Kassa's amount differs from the order's");
                    }
                    close(app, tx, Status::Paid);
                }
                OrderStatus::Cancel => overdue(app, tx),
                OrderStatus::Pending => {
                    let expires_at = c.expires_in.map_or(tx.expires_at, |left| now + left);
                    app.store().set_expires_at(&tx.order, expires_at);
                    if c.expires_in == Some(0) || now >= expires_at {
                        overdue(app, tx);
                    }
                }
            },
            Err(e) if e.is_unreachable() => {
                tracing::warn!("check: {e}");
                break; // the next pass tries again
            }
            Err(e) if e.code() == "order_not_found" => {
                tracing::warn!(order = %tx.order, "Kassa does not know this order");
                if now > tx.expires_at + NOT_FOUND_GRACE_SECS {
                    close(app, tx, Status::Expired);
                }
            }
            Err(e) => tracing::warn!(order = %tx.order, "check: {e}"),
        }
    }
    tell_users(app);
    app.health().last_check = Some(SystemTime::now());
}

/// Past its time: cancelled through Kassa. A payment that won the race is credited instead.
fn overdue(app: &App, tx: &Transaction) {
    let result = app.kassa.cancel(&tx.order);
    app.saw_kassa(&result);
    match result {
        Ok(()) => close(app, tx, Status::Expired),
        Err(e) if e.code() == "order_already_cancelled" => close(app, tx, Status::Expired),
        Err(e) if e.code() == "order_already_paid" => close(app, tx, Status::Paid),
        Err(KassaError::Api { code, message, .. }) => {
            tracing::warn!(order = %tx.order, "cancel: {code}: {message}")
        }
        Err(e) => tracing::warn!(order = %tx.order, "cancel: {e}"),
    }
}

/// The order's final status, saved before anything is said: for `Paid` this is the credit, and
/// it happens once per order code, whatever repeats or restarts.
fn close(app: &App, tx: &Transaction, to: Status) {
    let mut store = app.store();
    if !store.close(&tx.order, to, store::now_unix()) {
        return; // closed already (by /cancel, or an earlier pass)
    }
    if let Err(e) = store.save() {
        store.reopen(&tx.order);
        tracing::error!(order = %tx.order, "cannot save, the order stays pending: {e}");
        return;
    }
    tracing::info!(
        order = %tx.order,
        user = tx.user_id,
        amount = %crate::money::to_kassa(tx.amount),
        status = to.as_str(),
        balance = %crate::money::to_kassa(store.balance(tx.user_id)),
        "order closed"
    );
}

/// Sends what final orders' users were not told yet; marks each as told once Telegram takes
/// it (or refuses it for good: the user blocked the bot). Stops at the first failure of
/// Telegram itself: the next pass tries again.
fn tell_users(app: &App) {
    let to_tell = app.store().unnotified();
    for tx in to_tell {
        let lang = Lang::from_code(&tx.lang);
        let text = match tx.status {
            Status::Paid => texts::paid(lang, &tx, app.store().balance(tx.user_id)),
            Status::Expired => texts::expired(lang, &tx),
            Status::Cancelled => texts::cancelled(lang, &tx),
            Status::Pending => continue,
        };
        match bot::send(app, tx.chat_id, text, None) {
            Ok(()) => {}
            Err(e) if e.is_permanent_for_chat() => {
                tracing::warn!(order = %tx.order, "cannot tell the user, giving up: {e}");
            }
            Err(e) => {
                tracing::warn!(order = %tx.order, "cannot tell the user yet: {e}");
                break;
            }
        }
        let mut store = app.store();
        store.set_notified(&tx.order, true);
        if let Err(e) = store.save() {
            tracing::error!("cannot save: {e}");
        }
    }
}
