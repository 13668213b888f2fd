//! `--demo`: the documents' test shops, created if missing.

use payments_core::{
    CardNumber, MonthStatus, PaymentError, Payments, ShopDraft, ShopId, ShopKey, ShopKind,
    ShopStatus,
};

/// (id, key, name, owner, kind, card). The cards end in the digits of the bank-notification
/// fixtures, so sample notifications can be tried against them.
const SHOPS: [(&str, &str, &str, i64, ShopKind, &str); 3] = [
    (
        "695008",
        "Z631XLBO7O",
        "Do'kon nomi",
        123_456_789,
        ShopKind::Page,
        "8600310495126224",
    ),
    (
        "101",
        "test_key_123",
        "Test Do'kon 1",
        0,
        ShopKind::Api,
        "9860100123451393",
    ),
    (
        "102",
        "test_key_456",
        "Test Do'kon 2",
        0,
        ShopKind::Api,
        "9860100234567159",
    ),
];

pub fn seed(payments: &Payments) -> Result<(), PaymentError> {
    for (id, key, name, user_id, kind, card) in SHOPS {
        let (Ok(id), Ok(key), Ok(card)) = (
            ShopId::parse(id),
            ShopKey::new_secret(key),
            CardNumber::parse(card),
        ) else {
            continue;
        };
        match payments.shop(id) {
            Ok(_) => continue,
            Err(PaymentError::ShopNotFound) => {}
            Err(e) => return Err(e),
        }
        let draft = ShopDraft {
            id: Some(id),
            key: Some(key),
            name: name.into(),
            user_id,
            kind,
            status: ShopStatus::Confirm,
            month_status: MonthStatus::Paid,
            card: Some(card),
            callback_url: None,
        };
        match payments.add_shop(draft) {
            // Another server seeded it at the same moment.
            Ok(_) | Err(PaymentError::ShopIdTaken) => {
                tracing::info!(shop_id = %id, "demo shop ready")
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
