//! The pay page's texts in Uzbek (the default), Russian and English, and the choice of
//! language from `?lang=` or `Accept-Language`.

/// A language of the pay page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Uz,
    Ru,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Uz, Lang::Ru, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Uz => "uz",
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// The language's own name, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Uz => "O'zbekcha",
            Lang::Ru => "Русский",
            Lang::En => "English",
        }
    }

    fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(primary))
    }

    /// `?lang=` wins when it names a known language; then the best of `Accept-Language`
    /// (by q-value, ties in the header's order); then Uzbek.
    pub fn choose(query_lang: Option<&str>, accept_language: Option<&str>) -> Lang {
        if let Some(lang) = query_lang.and_then(Lang::from_tag) {
            return lang;
        }
        let mut best: Option<(Lang, u32)> = None;
        for item in accept_language.unwrap_or("").split(',').take(32) {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::from_tag) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(1000, parse_q);
            if q > 0 && best.is_none_or(|(_, b)| q > b) {
                best = Some((lang, q));
            }
        }
        best.map_or(Lang::Uz, |(lang, _)| lang)
    }
}

/// A q-value (`0`, `0.8`, `1.000`) in thousandths; anything unreadable counts as 0.
fn parse_q(text: &str) -> u32 {
    let text = text.trim();
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let whole = match whole {
        "0" => 0,
        "1" => 1000,
        _ => return 0,
    };
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    let mut thousandths = 0;
    for (i, b) in frac.bytes().enumerate() {
        thousandths += u32::from(b - b'0') * [100, 10, 1][i];
    }
    (whole + thousandths).min(1000)
}

/// Every text of the pay page in one language.
#[derive(Debug)]
pub struct Texts {
    pub title: &'static str,
    pub shop: &'static str,
    pub order: &'static str,
    pub amount: &'static str,
    pub amount_final: &'static str,
    pub currency: &'static str,
    pub exact: &'static str,
    pub exact_why: &'static str,
    pub card: &'static str,
    pub no_card: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    pub steps: [&'static str; 3],
    pub waiting: &'static str,
    pub time_left: &'static str,
    pub expires_at: &'static str,
    pub paid: &'static str,
    pub paid_note: &'static str,
    pub expired: &'static str,
    pub expired_note: &'static str,
    pub cancelled: &'static str,
    pub cancelled_note: &'static str,
    pub return_to_shop: &'static str,
    pub sandbox_badge: &'static str,
    pub sandbox_button: &'static str,
    pub sandbox_note: &'static str,
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub unavailable_title: &'static str,
    pub unavailable_text: &'static str,
    pub no_script: &'static str,
}

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Uz => &UZ,
        Lang::Ru => &RU,
        Lang::En => &EN,
    }
}

static UZ: Texts = Texts {
    title: "To'lov",
    shop: "Do'kon",
    order: "Buyurtma",
    amount: "To'lanadigan summa",
    amount_final: "Summa",
    currency: "so'm",
    exact: "Aynan shu summani o'tkazing",
    exact_why: "To'lovingiz aynan shu summa orqali aniqlanadi. Summa bir tiyinga farq qilsa ham, to'lov avtomatik tasdiqlanmaydi.",
    card: "Qabul qiluvchi karta",
    no_card: "Do'konning kartasi ko'rsatilmagan. Do'kon bilan bog'laning.",
    copy: "Nusxa olish",
    copied: "Nusxa olindi",
    steps: [
        "Bank ilovangizni oching.",
        "Yuqoridagi summani aynan shu kartaga o'tkazing.",
        "Sahifani yopmang: pul kelishi bilan to'lov shu yerda tasdiqlanadi.",
    ],
    waiting: "To'lov kutilmoqda",
    time_left: "Qolgan vaqt",
    expires_at: "Muddati",
    paid: "To'lov qabul qilindi! Rahmat!",
    paid_note: "Endi do'konga qaytishingiz mumkin.",
    expired: "Vaqt tugadi!",
    expired_note: "Bu buyurtma uchun pul o'tkazmang. Do'konga qaytib, yangi to'lov yarating.",
    cancelled: "To'lov bekor qilindi.",
    cancelled_note: "Do'kon bu buyurtmani bekor qildi. Bu buyurtma uchun pul o'tkazmang.",
    return_to_shop: "Do'konga qaytish",
    sandbox_badge: "SINOV REJIMI",
    sandbox_button: "Sinov: to'lovni tasdiqlash",
    sandbox_note: "Bu tugma faqat demo serverda bor. Haqiqiy pul o'tkazilmaydi.",
    not_found_title: "To'lov sahifasi topilmadi",
    not_found_text: "Havola noto'g'ri yoki to'liq ko'chirilmagan. Do'kondan yangi to'lov havolasini so'rang.",
    unavailable_title: "Xizmat vaqtincha ishlamayapti",
    unavailable_text: "Birozdan so'ng sahifani yangilang. Pul o'tkazgan bo'lsangiz, u yo'qolmaydi.",
    no_script: "Holat avtomatik yangilanmaydi: sahifani qo'lda yangilang.",
};

static RU: Texts = Texts {
    title: "Оплата",
    shop: "Магазин",
    order: "Заказ",
    amount: "Сумма к оплате",
    amount_final: "Сумма",
    currency: "сум",
    exact: "Переведите ровно эту сумму",
    exact_why: "Платёж опознаётся именно по этой сумме. Если она отличается хотя бы на один тийин, оплата не подтвердится автоматически.",
    card: "Карта получателя",
    no_card: "Магазин не указал карту. Свяжитесь с магазином.",
    copy: "Копировать",
    copied: "Скопировано",
    steps: [
        "Откройте приложение своего банка.",
        "Переведите сумму выше на эту карту — ровно её.",
        "Не закрывайте страницу: оплата подтвердится здесь, как только придут деньги.",
    ],
    waiting: "Ожидаем платёж",
    time_left: "Осталось времени",
    expires_at: "Действует до",
    paid: "Платёж получен! Спасибо!",
    paid_note: "Теперь можно вернуться в магазин.",
    expired: "Время истекло!",
    expired_note: "Не переводите деньги по этому заказу. Вернитесь в магазин и создайте новый платёж.",
    cancelled: "Платёж отменён.",
    cancelled_note: "Магазин отменил этот заказ. Не переводите по нему деньги.",
    return_to_shop: "Вернуться в магазин",
    sandbox_badge: "ТЕСТОВЫЙ РЕЖИМ",
    sandbox_button: "Тест: подтвердить оплату",
    sandbox_note: "Эта кнопка есть только на демо-сервере. Настоящие деньги не переводятся.",
    not_found_title: "Страница оплаты не найдена",
    not_found_text: "Ссылка неверна или скопирована не полностью. Попросите у магазина новую ссылку на оплату.",
    unavailable_title: "Сервис временно недоступен",
    unavailable_text: "Обновите страницу чуть позже. Если вы уже перевели деньги, они не пропадут.",
    no_script: "Статус не обновляется сам: обновите страницу вручную.",
};

static EN: Texts = Texts {
    title: "Payment",
    shop: "Shop",
    order: "Order",
    amount: "Amount to pay",
    amount_final: "Amount",
    currency: "UZS",
    exact: "Transfer exactly this amount",
    exact_why: "Your payment is recognised by this exact amount. If it differs by even one tiyin, the payment is not confirmed automatically.",
    card: "Receiving card",
    no_card: "The shop has not set a receiving card. Please contact the shop.",
    copy: "Copy",
    copied: "Copied",
    steps: [
        "Open your bank's app.",
        "Transfer the amount above, exactly, to this card.",
        "Keep this page open: the payment is confirmed here as soon as the money arrives.",
    ],
    waiting: "Waiting for your payment",
    time_left: "Time left",
    expires_at: "Valid until",
    paid: "Payment received! Thank you!",
    paid_note: "You can now go back to the shop.",
    expired: "Time is up!",
    expired_note: "Do not send money for this order. Go back to the shop and start a new payment.",
    cancelled: "Payment cancelled.",
    cancelled_note: "The shop cancelled this order. Do not send money for it.",
    return_to_shop: "Back to the shop",
    sandbox_badge: "SANDBOX MODE",
    sandbox_button: "Test: confirm the payment",
    sandbox_note: "This button exists only on a demo server. No real money moves.",
    not_found_title: "Payment page not found",
    not_found_text: "The link is wrong or was not copied in full. Ask the shop for a new payment link.",
    unavailable_title: "Temporarily unavailable",
    unavailable_text: "Please reload the page in a little while. If you have already sent the money, it is not lost.",
    no_script: "The status does not update by itself: reload the page.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_wins_then_header_then_uzbek() {
        assert_eq!(Lang::choose(Some("ru"), Some("en")), Lang::Ru);
        assert_eq!(Lang::choose(Some("EN"), None), Lang::En);
        assert_eq!(Lang::choose(Some("fr"), Some("ru-RU,ru;q=0.9")), Lang::Ru);
        assert_eq!(Lang::choose(None, None), Lang::Uz);
        assert_eq!(Lang::choose(None, Some("de-DE, fr;q=0.5")), Lang::Uz);
        assert_eq!(Lang::choose(None, Some("en;q=0.5, ru;q=0.8")), Lang::Ru);
        assert_eq!(Lang::choose(None, Some("en, ru")), Lang::En);
        assert_eq!(Lang::choose(None, Some("ru;q=0, en;q=0.1")), Lang::En);
        assert_eq!(Lang::choose(None, Some("uz-Latn-UZ,ru;q=0.9")), Lang::Uz);
        assert_eq!(Lang::choose(None, Some(";;;,,q=,ru;q=abc")), Lang::Uz);
    }

    #[test]
    fn q_values() {
        assert_eq!(parse_q("1"), 1000);
        assert_eq!(parse_q("0.8"), 800);
        assert_eq!(parse_q("0.125"), 125);
        assert_eq!(parse_q("1.000"), 1000);
        assert_eq!(parse_q("0.1234"), 0);
        assert_eq!(parse_q("2"), 0);
        assert_eq!(parse_q(""), 0);
    }
}
