//! What the bot says, in Uzbek, Russian or English (by the user's Telegram language; English
//! for any other). Messages are Telegram HTML: every value from outside goes through [`esc`].

use crate::money::{AmountError, Tiyin, display};
use crate::store::{Status, Transaction};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Uz,
    Ru,
    En,
}

impl Lang {
    /// From Telegram's `language_code` (`uz`, `ru`, `en-US`, …).
    pub fn from_code(code: &str) -> Lang {
        let code = code.to_ascii_lowercase();
        if code.starts_with("uz") {
            Lang::Uz
        } else if code.starts_with("ru") {
            Lang::Ru
        } else {
            Lang::En
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Uz => "uz",
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }
}

/// Escapes text for Telegram's HTML parse mode.
pub fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `50 000 so'm`, `50 000 сум`.
pub fn som(lang: Lang, amount: Tiyin) -> String {
    match lang {
        Lang::Ru => format!("{} сум", display(amount)),
        Lang::Uz | Lang::En => format!("{} so'm", display(amount)),
    }
}

/// `8600 3104 9512 6224`.
pub fn card(digits: &str) -> String {
    let chars: Vec<char> = digits.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `4 min 59 s`.
pub fn time_left(lang: Lang, seconds: u64) -> String {
    let (m, s) = (seconds / 60, seconds % 60);
    let (min, sec) = match lang {
        Lang::Uz => ("daqiqa", "soniya"),
        Lang::Ru => ("мин", "с"),
        Lang::En => ("min", "s"),
    };
    match (m, s) {
        (0, s) => format!("{s} {sec}"),
        (m, 0) => format!("{m} {min}"),
        (m, s) => format!("{m} {min} {s} {sec}"),
    }
}

/// Orders' times are shown in Tashkent time (UTC+5), as Kassa shows them by default.
const SHOWN_OFFSET_SECS: u64 = 5 * 3600;

/// `2026-11-24 13:02` (Tashkent time).
pub fn local_time(unix: u64) -> String {
    let t = unix + SHOWN_OFFSET_SECS;
    let (days, secs) = (t / 86_400, t % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60
    )
}

pub fn welcome(lang: Lang, name: &str) -> String {
    let name = esc(name);
    match lang {
        Lang::Uz => format!(
            "Assalomu alaykum, {name}!\nBu bot orqali balansingizni to'ldirishingiz mumkin.\n\
             Miqdorni tanlang yoki yozing: /topup 50000\nBarcha buyruqlar: /help"
        ),
        Lang::Ru => format!(
            "Здравствуйте, {name}!\nЭтот бот пополняет ваш баланс.\n\
             Выберите сумму или напишите: /topup 50000\nВсе команды: /help"
        ),
        Lang::En => format!(
            "Hello, {name}!\nThis bot tops up your balance.\n\
             Pick an amount or type: /topup 50000\nAll commands: /help"
        ),
    }
}

pub fn choose_amount(lang: Lang) -> String {
    match lang {
        Lang::Uz => "Qancha so'm to'ldirasiz? Tugmani bosing yoki yozing: /topup 50000".into(),
        Lang::Ru => "На сколько сумов пополнить? Нажмите кнопку или напишите: /topup 50000".into(),
        Lang::En => "How many so'm? Press a button or type: /topup 50000".into(),
    }
}

pub fn help(lang: Lang) -> String {
    match lang {
        Lang::Uz => "Buyruqlar:\n\
             /topup 50000 — balansni to'ldirish (so'mda; tiyinlar nuqta bilan: 50000.50)\n\
             /balance — balansingiz\n\
             /history — oxirgi to'lovlar\n\
             /cancel — to'lanmagan buyurtmalarni bekor qilish\n\
             /help — shu yordam\n\n\
             Buyurtma yaratilgach, kartaga aynan ko'rsatilgan summani o'tkazing: to'lov har \
             bir necha soniyada tekshiriladi va kelishi bilan balansga qo'shiladi."
            .into(),
        Lang::Ru => "Команды:\n\
             /topup 50000 — пополнить баланс (в сумах; тийины через точку: 50000.50)\n\
             /balance — ваш баланс\n\
             /history — последние платежи\n\
             /cancel — отменить неоплаченные заказы\n\
             /help — эта справка\n\n\
             После создания заказа переведите на карту ровно указанную сумму: платёж \
             проверяется каждые несколько секунд и сразу зачисляется на баланс."
            .into(),
        Lang::En => "Commands:\n\
             /topup 50000 — top up your balance (in so'm; tiyin after a point: 50000.50)\n\
             /balance — your balance\n\
             /history — your latest payments\n\
             /cancel — cancel your unpaid orders\n\
             /help — this help\n\n\
             Once the order is made, transfer exactly the amount shown to the card: payments \
             are checked every few seconds and credited as soon as they arrive."
            .into(),
    }
}

/// The answer to a new order: what to pay, where, and by when.
pub fn order_created(lang: Lang, tx: &Transaction, expires_in: u64) -> String {
    let order = esc(&tx.order);
    let payable = som(lang, tx.payable_amount);
    let amount = som(lang, tx.amount);
    let left = time_left(lang, expires_in);
    let mut out = match lang {
        Lang::Uz => {
            format!("Buyurtma <code>{order}</code> yaratildi.\n\nAynan <b>{payable}</b> o'tkazing")
        }
        Lang::Ru => {
            format!("Заказ <code>{order}</code> создан.\n\nПереведите ровно <b>{payable}</b>")
        }
        Lang::En => {
            format!("Order <code>{order}</code> is made.\n\nTransfer exactly <b>{payable}</b>")
        }
    };
    if let Some(c) = &tx.card {
        out.push_str(&match lang {
            Lang::Uz => format!("\nKarta: <code>{}</code>", esc(&card(c))),
            Lang::Ru => format!("\nКарта: <code>{}</code>", esc(&card(c))),
            Lang::En => format!("\nto the card <code>{}</code>", esc(&card(c))),
        });
    }
    out.push_str(&match lang {
        Lang::Uz => format!("\nQolgan vaqt: {left}"),
        Lang::Ru => format!("\nОсталось: {left}"),
        Lang::En => format!("\nTime left: {left}"),
    });
    if let Some(url) = &tx.pay_url {
        out.push_str(&match lang {
            Lang::Uz => format!("\nTo'lov sahifasi: {}", esc(url)),
            Lang::Ru => format!("\nСтраница оплаты: {}", esc(url)),
            Lang::En => format!("\nPay page: {}", esc(url)),
        });
    }
    out.push_str(&match lang {
        Lang::Uz => format!(
            "\n\nTo'lov kelishi bilan balansingizga {amount} qo'shiladi. Boshqa summa \
             o'tkazilsa, u buyurtmangizga bog'lanmaydi."
        ),
        Lang::Ru => format!(
            "\n\nКак только платёж придёт, на баланс зачислится {amount}. Другую сумму нельзя \
             будет сопоставить с вашим заказом."
        ),
        Lang::En => format!(
            "\n\nAs soon as the payment arrives, {amount} goes to your balance. A different sum \
             cannot be matched to your order."
        ),
    });
    if tx.payable_amount != tx.amount {
        out.push_str(match lang {
            Lang::Uz => " Aynan shu summa to'lovingizni boshqalardan ajratadi.",
            Lang::Ru => " Именно эта сумма отличает ваш платёж от других.",
            Lang::En => " This exact sum tells your payment apart from others.",
        });
    }
    out
}

pub fn copy_card_button(lang: Lang) -> &'static str {
    match lang {
        Lang::Uz => "Kartani nusxalash",
        Lang::Ru => "Скопировать карту",
        Lang::En => "Copy card",
    }
}

pub fn copy_amount_button(lang: Lang) -> &'static str {
    match lang {
        Lang::Uz => "Summani nusxalash",
        Lang::Ru => "Скопировать сумму",
        Lang::En => "Copy amount",
    }
}

pub fn paid(lang: Lang, tx: &Transaction, balance: Tiyin) -> String {
    let (amount, balance) = (som(lang, tx.amount), som(lang, balance));
    let order = esc(&tx.order);
    match lang {
        Lang::Uz => format!(
            "✅ To'lov qabul qilindi: +{amount} (buyurtma <code>{order}</code>).\nBalans: {balance}."
        ),
        Lang::Ru => format!(
            "✅ Платёж получен: +{amount} (заказ <code>{order}</code>).\nБаланс: {balance}."
        ),
        Lang::En => format!(
            "✅ Payment received: +{amount} (order <code>{order}</code>).\nBalance: {balance}."
        ),
    }
}

pub fn expired(lang: Lang, tx: &Transaction) -> String {
    let (amount, order) = (som(lang, tx.amount), esc(&tx.order));
    match lang {
        Lang::Uz => format!(
            "⌛ Buyurtma <code>{order}</code> ({amount}) vaqtida to'lanmadi va bekor qilindi. \
             Pul o'tkazgan bo'lsangiz, biz bilan bog'laning. Qayta urinish: /topup"
        ),
        Lang::Ru => format!(
            "⌛ Заказ <code>{order}</code> ({amount}) не оплачен вовремя и отменён. Если вы уже \
             перевели деньги, напишите нам. Попробовать снова: /topup"
        ),
        Lang::En => format!(
            "⌛ Order <code>{order}</code> ({amount}) was not paid in time and is cancelled. If \
             you already transferred the money, contact us. To try again: /topup"
        ),
    }
}

pub fn cancelled(lang: Lang, tx: &Transaction) -> String {
    let (amount, order) = (som(lang, tx.amount), esc(&tx.order));
    match lang {
        Lang::Uz => format!("Buyurtma <code>{order}</code> ({amount}) bekor qilindi."),
        Lang::Ru => format!("Заказ <code>{order}</code> ({amount}) отменён."),
        Lang::En => format!("Order <code>{order}</code> ({amount}) is cancelled."),
    }
}

pub fn nothing_to_cancel(lang: Lang) -> String {
    match lang {
        Lang::Uz => "Bekor qilinadigan buyurtma yo'q.".into(),
        Lang::Ru => "Нет заказов для отмены.".into(),
        Lang::En => "You have no unpaid orders to cancel.".into(),
    }
}

pub fn balance(lang: Lang, amount: Tiyin) -> String {
    let b = som(lang, amount);
    match lang {
        Lang::Uz => format!("Balansingiz: {b}."),
        Lang::Ru => format!("Ваш баланс: {b}."),
        Lang::En => format!("Your balance: {b}."),
    }
}

fn status_word(lang: Lang, status: Status) -> &'static str {
    match (lang, status) {
        (Lang::Uz, Status::Pending) => "kutilmoqda",
        (Lang::Uz, Status::Paid) => "to'landi",
        (Lang::Uz, Status::Expired) => "muddati o'tdi",
        (Lang::Uz, Status::Cancelled) => "bekor qilindi",
        (Lang::Ru, Status::Pending) => "ожидает оплаты",
        (Lang::Ru, Status::Paid) => "оплачен",
        (Lang::Ru, Status::Expired) => "истёк",
        (Lang::Ru, Status::Cancelled) => "отменён",
        (Lang::En, Status::Pending) => "waiting for payment",
        (Lang::En, Status::Paid) => "paid",
        (Lang::En, Status::Expired) => "expired",
        (Lang::En, Status::Cancelled) => "cancelled",
    }
}

pub fn history(lang: Lang, txs: &[Transaction], balance_now: Tiyin) -> String {
    if txs.is_empty() {
        return match lang {
            Lang::Uz => "Hali to'lovlar yo'q. Balansni to'ldirish: /topup 50000".into(),
            Lang::Ru => "Платежей пока нет. Пополнить баланс: /topup 50000".into(),
            Lang::En => "No payments yet. To top up: /topup 50000".into(),
        };
    }
    let mut out = match lang {
        Lang::Uz => "Oxirgi to'lovlar:".to_owned(),
        Lang::Ru => "Последние платежи:".to_owned(),
        Lang::En => "Your latest payments:".to_owned(),
    };
    for tx in txs {
        let sign = if tx.status == Status::Paid { "+" } else { "" };
        out.push_str(&format!(
            "\n{} — {sign}{} — {} (<code>{}</code>)",
            local_time(tx.created_at),
            som(lang, tx.amount),
            status_word(lang, tx.status),
            esc(&tx.order)
        ));
        if let (Status::Pending, Some(c)) = (tx.status, &tx.card) {
            out.push_str(&format!(
                ": {} → <code>{}</code>",
                som(lang, tx.payable_amount),
                esc(&card(c))
            ));
        }
    }
    out.push_str("\n\n");
    out.push_str(&balance(lang, balance_now));
    out
}

pub fn bad_amount(lang: Lang, error: AmountError, typed: &str) -> String {
    let typed = esc(typed.trim());
    let example = "/topup 50000";
    match (lang, error) {
        (_, AmountError::Empty) => choose_amount(lang),
        (Lang::Uz, AmountError::NotANumber) => format!(
            "«{typed}» — miqdor emas. Miqdorni so'mda raqamlar bilan yozing, masalan: {example}"
        ),
        (Lang::Ru, AmountError::NotANumber) => {
            format!("«{typed}» — не сумма. Напишите сумму в сумах цифрами, например: {example}")
        }
        (Lang::En, AmountError::NotANumber) => format!(
            "“{typed}” is not an amount. Write the amount in so'm with digits, for example: {example}"
        ),
        (Lang::Uz, AmountError::Negative) => {
            format!("Miqdor manfiy bo'lishi mumkin emas. Masalan: {example}")
        }
        (Lang::Ru, AmountError::Negative) => {
            format!("Сумма не может быть отрицательной. Например: {example}")
        }
        (Lang::En, AmountError::Negative) => {
            format!("The amount cannot be negative. For example: {example}")
        }
        (Lang::Uz, AmountError::Zero) => {
            format!("Miqdor noldan katta bo'lishi kerak. Masalan: {example}")
        }
        (Lang::Ru, AmountError::Zero) => {
            format!("Сумма должна быть больше нуля. Например: {example}")
        }
        (Lang::En, AmountError::Zero) => {
            format!("The amount must be more than zero. For example: {example}")
        }
        (Lang::Uz, AmountError::Exponent) => {
            format!("Miqdorni oddiy raqamlar bilan yozing (1e3 emas, 1000). Masalan: {example}")
        }
        (Lang::Ru, AmountError::Exponent) => {
            format!("Напишите сумму обычными цифрами (не 1e3, а 1000). Например: {example}")
        }
        (Lang::En, AmountError::Exponent) => {
            format!("Write the amount in plain digits (1000, not 1e3). For example: {example}")
        }
        (Lang::Uz, AmountError::Separator) => format!(
            "Miqdorni bo'sh joy va vergulsiz yozing: {example} (tiyinlar nuqta bilan: 50000.50)"
        ),
        (Lang::Ru, AmountError::Separator) => format!(
            "Напишите сумму без пробелов и запятых: {example} (тийины через точку: 50000.50)"
        ),
        (Lang::En, AmountError::Separator) => format!(
            "Write the amount without spaces or commas: {example} (tiyin after a point: 50000.50)"
        ),
        (Lang::Uz, AmountError::TooManyDecimals) => {
            "Nuqtadan keyin ko'pi bilan ikki raqam (tiyin): 50000.50".into()
        }
        (Lang::Ru, AmountError::TooManyDecimals) => {
            "После точки не больше двух цифр (тийины): 50000.50".into()
        }
        (Lang::En, AmountError::TooManyDecimals) => {
            "At most two digits after the point (tiyin): 50000.50".into()
        }
        (Lang::Uz, AmountError::TooLarge) => "Miqdor juda katta.".into(),
        (Lang::Ru, AmountError::TooLarge) => "Слишком большая сумма.".into(),
        (Lang::En, AmountError::TooLarge) => "The amount is too large.".into(),
    }
}

pub fn below_min(lang: Lang, min: Tiyin) -> String {
    let min = som(lang, min);
    match lang {
        Lang::Uz => format!("Eng kam miqdor — {min}."),
        Lang::Ru => format!("Минимальная сумма — {min}."),
        Lang::En => format!("The smallest top-up is {min}."),
    }
}

pub fn above_max(lang: Lang, max: Option<Tiyin>) -> String {
    match (lang, max) {
        (Lang::Uz, Some(m)) => format!("Eng ko'p miqdor — {}.", som(lang, m)),
        (Lang::Ru, Some(m)) => format!("Максимальная сумма — {}.", som(lang, m)),
        (Lang::En, Some(m)) => format!("The largest top-up is {}.", som(lang, m)),
        (_, None) => bad_amount(lang, AmountError::TooLarge, ""),
    }
}

pub fn amount_busy(lang: Lang) -> String {
    match lang {
        Lang::Uz => "Hozir shu miqdorda to'lovlar ko'p kutilmoqda. Boshqa miqdor kiriting yoki \
                     bir necha daqiqadan keyin urinib ko'ring."
            .into(),
        Lang::Ru => "Сейчас ожидается много платежей на эту сумму. Введите другую сумму или \
                     попробуйте через несколько минут."
            .into(),
        Lang::En => "Too many payments of this amount are waiting right now. Choose another \
                     amount or try again in a few minutes."
            .into(),
    }
}

pub fn unavailable(lang: Lang) -> String {
    match lang {
        Lang::Uz => {
            "To'lov xizmati vaqtincha ishlamayapti. Birozdan keyin qayta urinib ko'ring.".into()
        }
        Lang::Ru => "Платёжный сервис временно недоступен. Попробуйте чуть позже.".into(),
        Lang::En => {
            "The payment service is unavailable for a moment. Please try again shortly.".into()
        }
    }
}

pub fn disabled(lang: Lang) -> String {
    match lang {
        Lang::Uz => "Balansni to'ldirish vaqtincha mavjud emas. Tez orada tuzatamiz.".into(),
        Lang::Ru => "Пополнение временно недоступно. Мы уже разбираемся.".into(),
        Lang::En => "Top-ups are unavailable for now. We are on it.".into(),
    }
}

pub fn too_many_pending(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Uz => format!(
            "Sizda {n} ta to'lanmagan buyurtma bor. Avval ularni to'lang yoki bekor qiling: /cancel"
        ),
        Lang::Ru => {
            format!("У вас неоплаченных заказов: {n}. Сначала оплатите или отмените их: /cancel")
        }
        Lang::En => format!("You have {n} unpaid orders. Pay or cancel them first: /cancel"),
    }
}

pub fn unknown(lang: Lang) -> String {
    match lang {
        Lang::Uz => "Tushunmadim. Buyruqlar: /help".into(),
        Lang::Ru => "Не понял. Команды: /help".into(),
        Lang::En => "Sorry, I did not get that. Commands: /help".into(),
    }
}
