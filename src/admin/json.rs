//! The admin API's JSON shapes, shared by the HTTP routes and the CLI (which prints the same).

use payments_core::{
    CardNumber, MonthStatus, Order, Payments, Shop, ShopDraft, ShopId, ShopKey, ShopKind,
    ShopPatch, ShopStatus,
};
use serde::{Deserialize, Deserializer, Serialize};
use time::format_description::well_known::Rfc3339;

/// A shop as the admin API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = AdminShop)]
pub struct ShopJson {
    /// Digits, as a string.
    #[schema(example = "101")]
    pub shop_id: String,
    /// Only where a key is shown: at creation and after `rotate-key` (shown this once).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "A2MCGCE2J3CZWD9X")]
    pub shop_key: Option<String>,
    #[schema(example = "Mening do'konim")]
    pub name: String,
    /// The owner's Telegram user id (0: none).
    #[schema(example = 987654321)]
    pub user_id: i64,
    /// `api`, or `page` for shops whose payers get a pay page.
    #[schema(example = "page")]
    pub kind: &'static str,
    /// `pending`, `confirm` or `blocked`; only `confirm` shops take payments.
    #[schema(example = "confirm")]
    pub status: &'static str,
    /// `Toʻlandi` (fee paid) or `Toʻlanmagan`.
    #[schema(example = "Toʻlandi")]
    pub month_status: &'static str,
    /// The 16-digit receiving card.
    #[schema(example = "8600123456789012")]
    pub card: Option<String>,
    #[schema(example = "https://shop.example/kassa-hook")]
    pub callback_url: Option<String>,
    /// Keys the `Kassa-Signature` of webhooks (set once a callback URL is set).
    pub webhook_secret: Option<String>,
    /// Canonical som text (`"100000"`, `"50000.50"`).
    #[schema(example = "25000")]
    pub balance: String,
    /// The balance in tiyin (1 som = 100 tiyin).
    #[schema(example = 2500000)]
    pub balance_tiyin: i64,
}

impl ShopJson {
    pub fn new(shop: &Shop, key: Option<&ShopKey>) -> ShopJson {
        ShopJson {
            shop_id: shop.id.to_string(),
            shop_key: key.map(|k| k.expose().to_owned()),
            name: shop.name.clone(),
            user_id: shop.user_id,
            kind: shop.kind.as_str(),
            status: shop.status.as_str(),
            month_status: shop.month_status.as_str(),
            card: shop.card.as_ref().map(ToString::to_string),
            callback_url: shop.callback_url.clone(),
            webhook_secret: shop.webhook_secret.clone(),
            balance: shop.balance.to_string(),
            balance_tiyin: shop.balance.tiyin(),
        }
    }
}

/// An order as the admin API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = AdminOrder)]
pub struct OrderJson {
    /// The order code (either dialect's).
    #[schema(example = "ORD_1795507317_3cm0nxwfnytvz1ivgagm")]
    pub order: String,
    #[schema(example = "PAY_1795507317_rc6eg57sqkrwhpmf7zya")]
    pub payment_id: String,
    #[schema(example = 1)]
    pub insert_id: i64,
    #[schema(example = "101")]
    pub shop_id: String,
    /// Som text, as asked (the shop is credited this).
    #[schema(example = "25000")]
    pub amount: String,
    /// Som text: what the payer transfers.
    #[schema(example = "25000")]
    pub payable_amount: String,
    /// `pending`, `paid`, `cancelled` or `expired`.
    #[schema(example = "paid")]
    pub status: &'static str,
    /// RFC 3339 in the server's offset.
    #[schema(example = "2026-11-24T13:01:57+05:00")]
    pub created_at: String,
    #[schema(example = "2026-11-24T13:06:57+05:00")]
    pub expires_at: String,
    #[schema(example = "2026-11-24T13:01:57+05:00")]
    pub finished_at: Option<String>,
}

impl OrderJson {
    pub fn new(order: &Order, payments: &Payments) -> OrderJson {
        let fmt = |t| payments.local(t).format(&Rfc3339).unwrap_or_default();
        OrderJson {
            order: order.codes.code.clone(),
            payment_id: order.codes.payment_id.clone(),
            insert_id: order.id,
            shop_id: order.shop_id.to_string(),
            amount: order.amount.to_string(),
            payable_amount: order.payable_amount.to_string(),
            status: order.status.as_str(),
            created_at: fmt(order.created_at),
            expires_at: fmt(order.expires_at),
            finished_at: order.finished_at.map(fmt),
        }
    }
}

/// Text fields as they arrive, parsed into the domain's types by [`NewShopJson::into_draft`].
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = AdminNewShop)]
#[serde(deny_unknown_fields)]
pub struct NewShopJson {
    /// To import an existing shop: its id (digits). Otherwise six digits are generated.
    pub shop_id: Option<String>,
    /// To import an existing shop: its key (10–128 printable characters). Otherwise a
    /// 16-character key is generated.
    pub shop_key: Option<String>,
    #[schema(example = "Mening do'konim")]
    pub name: String,
    #[serde(default)]
    #[schema(example = 987654321)]
    pub user_id: i64,
    /// `api` (default) or `page`.
    #[schema(example = "page")]
    pub kind: Option<String>,
    /// `pending` (default), `confirm` or `blocked`.
    pub status: Option<String>,
    /// `Toʻlandi`/`paid` or `Toʻlanmagan`/`unpaid` (default); any apostrophe is accepted.
    pub month_status: Option<String>,
    /// 16 digits; spaces allowed.
    #[schema(example = "8600 1234 5678 9012")]
    pub card: Option<String>,
    /// An `http://` or `https://` URL for webhooks.
    pub callback_url: Option<String>,
}

/// The fields to change; those not sent stay as they are.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = AdminShopPatch)]
#[serde(deny_unknown_fields)]
pub struct ShopPatchJson {
    pub name: Option<String>,
    pub user_id: Option<i64>,
    /// `api` or `page`.
    pub kind: Option<String>,
    /// `pending`, `confirm` or `blocked`.
    #[schema(example = "confirm")]
    pub status: Option<String>,
    /// `Toʻlandi`/`paid` or `Toʻlanmagan`/`unpaid`.
    pub month_status: Option<String>,
    /// `null` or `""` removes the card.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub card: Option<Option<String>>,
    /// `null` or `""` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, example = "https://shop.example/kassa-hook")]
    pub callback_url: Option<Option<String>>,
}

/// Tells a field sent as `null` (`Some(None)`) from one not sent (`None`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A patch of an optional field: not sent, cleared (`null`), or set (parsed by `parse`).
fn optional<T>(
    value: Option<Option<String>>,
    parse: fn(&str) -> Result<Option<T>, FieldError>,
) -> Result<Option<Option<T>>, FieldError> {
    value
        .map(|inner| inner.as_deref().map(parse).transpose().map(Option::flatten))
        .transpose()
}

/// A field with a value it may not have.
#[derive(Debug, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct FieldError {
    pub field: &'static str,
    pub problem: String,
}

fn bad(field: &'static str, problem: impl Into<String>) -> FieldError {
    FieldError {
        field,
        problem: problem.into(),
    }
}

pub fn kind(text: &str) -> Result<ShopKind, FieldError> {
    ShopKind::parse(text).ok_or_else(|| bad("kind", "must be api or page"))
}

pub fn status(text: &str) -> Result<ShopStatus, FieldError> {
    ShopStatus::parse(text).ok_or_else(|| bad("status", "must be pending, confirm or blocked"))
}

pub fn month_status(text: &str) -> Result<MonthStatus, FieldError> {
    MonthStatus::parse(text)
        .or_else(|| MonthStatus::parse_lenient(text))
        .ok_or_else(|| {
            bad(
                "month_status",
                "must be Toʻlandi (paid) or Toʻlanmagan (unpaid)",
            )
        })
}

pub fn card(text: &str) -> Result<Option<CardNumber>, FieldError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    CardNumber::parse(text)
        .map(Some)
        .map_err(|_| bad("card", "must be 16 digits"))
}

pub fn callback_url(text: &str) -> Result<Option<String>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if !(text.starts_with("http://") || text.starts_with("https://")) || text.len() > 2048 {
        return Err(bad("callback_url", "must be an http:// or https:// URL"));
    }
    Ok(Some(text.to_owned()))
}

pub fn shop_id(text: &str) -> Result<ShopId, FieldError> {
    ShopId::parse(text).map_err(|_| bad("shop_id", "must be digits, not starting with 0"))
}

fn name(text: &str) -> Result<String, FieldError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 200 || text.chars().any(char::is_control) {
        return Err(bad("name", "must be 1 to 200 printable characters"));
    }
    Ok(text.to_owned())
}

impl NewShopJson {
    pub fn into_draft(self) -> Result<ShopDraft, FieldError> {
        Ok(ShopDraft {
            id: self.shop_id.as_deref().map(shop_id).transpose()?,
            key: self
                .shop_key
                .as_deref()
                .map(|k| {
                    ShopKey::new_secret(k).map_err(|_| {
                        bad("shop_key", "must be 10 to 128 printable ASCII characters")
                    })
                })
                .transpose()?,
            name: name(&self.name)?,
            user_id: self.user_id,
            kind: self
                .kind
                .as_deref()
                .map(kind)
                .transpose()?
                .unwrap_or(ShopKind::Api),
            status: self
                .status
                .as_deref()
                .map(status)
                .transpose()?
                .unwrap_or(ShopStatus::Pending),
            month_status: self
                .month_status
                .as_deref()
                .map(month_status)
                .transpose()?
                .unwrap_or(MonthStatus::Unpaid),
            card: self.card.as_deref().map(card).transpose()?.flatten(),
            callback_url: self
                .callback_url
                .as_deref()
                .map(callback_url)
                .transpose()?
                .flatten(),
        })
    }
}

impl ShopPatchJson {
    pub fn into_patch(self) -> Result<ShopPatch, FieldError> {
        Ok(ShopPatch {
            name: self.name.as_deref().map(name).transpose()?,
            user_id: self.user_id,
            kind: self.kind.as_deref().map(kind).transpose()?,
            status: self.status.as_deref().map(status).transpose()?,
            month_status: self.month_status.as_deref().map(month_status).transpose()?,
            card: optional(self.card, card)?,
            callback_url: optional(self.callback_url, callback_url)?,
            webhook_secret: None,
        })
    }
}
