//! Rows as stored, and their conversion to and from the domain's types.

use crate::schema::{ledger, orders, shops};
use diesel::prelude::*;
use payments_core::{
    CardNumber, KeyHash, LedgerEntry, Money, MonthStatus, NewOrder, NewShop, Order, OrderCodes,
    OrderStatus, Shop, ShopId, ShopKind, ShopStatus, StoreError,
};
use time::OffsetDateTime;

pub(crate) fn secs(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

fn time(s: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp(s).map_err(|_| corrupt("time", s))
}

fn corrupt(what: &str, value: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("stored {what} is invalid: {value}"))
}

fn shop_id(id: i64) -> Result<ShopId, StoreError> {
    ShopId::from_i64(id).ok_or_else(|| corrupt("shop id", id))
}

fn card(text: Option<String>) -> Result<Option<CardNumber>, StoreError> {
    text.map(|c| CardNumber::parse(&c).map_err(|_| corrupt("card", "…")))
        .transpose()
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = shops)]
pub(crate) struct ShopRow {
    id: i64,
    name: String,
    user_id: i64,
    kind: String,
    status: String,
    month_status: String,
    card: Option<String>,
    callback_url: Option<String>,
    webhook_secret: Option<String>,
    balance: i64,
    key_hash: String,
    created_at: i64,
}

impl ShopRow {
    pub(crate) fn into_shop(self) -> Result<Shop, StoreError> {
        Ok(Shop {
            id: shop_id(self.id)?,
            kind: ShopKind::parse(&self.kind).ok_or_else(|| corrupt("shop kind", &self.kind))?,
            status: ShopStatus::parse(&self.status)
                .ok_or_else(|| corrupt("shop status", &self.status))?,
            month_status: MonthStatus::parse(&self.month_status)
                .ok_or_else(|| corrupt("month status", &self.month_status))?,
            name: self.name,
            user_id: self.user_id,
            card: card(self.card)?,
            callback_url: self.callback_url,
            webhook_secret: self.webhook_secret,
            balance: Money::from_tiyin(self.balance),
            key_hash: KeyHash::from_stored(self.key_hash),
            created_at: time(self.created_at)?,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = shops)]
pub(crate) struct NewShopRow<'a> {
    id: i64,
    name: &'a str,
    user_id: i64,
    kind: &'static str,
    status: &'static str,
    month_status: &'static str,
    card: Option<&'a str>,
    callback_url: Option<&'a str>,
    webhook_secret: Option<&'a str>,
    balance: i64,
    key_hash: &'a str,
    created_at: i64,
}

impl<'a> NewShopRow<'a> {
    pub(crate) fn new(s: &'a NewShop) -> Self {
        NewShopRow {
            id: s.id.get(),
            name: &s.name,
            user_id: s.user_id,
            kind: s.kind.as_str(),
            status: s.status.as_str(),
            month_status: s.month_status.as_str(),
            card: s.card.as_ref().map(CardNumber::as_str),
            callback_url: s.callback_url.as_deref(),
            webhook_secret: s.webhook_secret.as_deref(),
            balance: 0,
            key_hash: s.key_hash.as_str(),
            created_at: secs(s.created_at),
        }
    }
}

#[derive(Queryable, QueryableByName, Selectable)]
#[diesel(table_name = orders)]
pub(crate) struct OrderRow {
    id: i64,
    code: String,
    payment_id: String,
    pay_token: String,
    shop_id: i64,
    amount: i64,
    payable_amount: i64,
    card: Option<String>,
    status: String,
    created_at: i64,
    expires_at: i64,
    finished_at: Option<i64>,
}

impl OrderRow {
    pub(crate) fn id(&self) -> i64 {
        self.id
    }

    pub(crate) fn shop_id(&self) -> i64 {
        self.shop_id
    }

    pub(crate) fn code(&self) -> &str {
        &self.code
    }

    pub(crate) fn amount(&self) -> i64 {
        self.amount
    }

    pub(crate) fn into_order(self) -> Result<Order, StoreError> {
        Ok(Order {
            id: self.id,
            codes: OrderCodes {
                code: self.code,
                payment_id: self.payment_id,
                pay_token: self.pay_token,
            },
            shop_id: shop_id(self.shop_id)?,
            amount: Money::from_tiyin(self.amount),
            payable_amount: Money::from_tiyin(self.payable_amount),
            card: card(self.card)?,
            status: OrderStatus::from_stored(&self.status)
                .ok_or_else(|| corrupt("order status", &self.status))?,
            created_at: time(self.created_at)?,
            expires_at: time(self.expires_at)?,
            finished_at: self.finished_at.map(time).transpose()?,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = orders)]
pub(crate) struct NewOrderRow<'a> {
    code: &'a str,
    payment_id: &'a str,
    pay_token: &'a str,
    shop_id: i64,
    amount: i64,
    payable_amount: i64,
    card: Option<&'a str>,
    status: &'static str,
    created_at: i64,
    expires_at: i64,
    card_last4: Option<&'a str>,
    /// Its number within its shop (see `next_shop_seq!`).
    shop_seq: Option<i64>,
}

impl<'a> NewOrderRow<'a> {
    pub(crate) fn new(o: &'a NewOrder, payable_amount: i64, shop_seq: i64) -> Self {
        NewOrderRow {
            code: &o.codes.code,
            payment_id: &o.codes.payment_id,
            pay_token: &o.codes.pay_token,
            shop_id: o.shop_id.get(),
            amount: o.amount.tiyin(),
            payable_amount,
            card: o.card.as_ref().map(CardNumber::as_str),
            status: OrderStatus::Pending.as_str(),
            created_at: secs(o.created_at),
            expires_at: secs(o.expires_at),
            card_last4: o.card.as_ref().map(CardNumber::last4),
            shop_seq: Some(shop_seq),
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = ledger)]
pub(crate) struct LedgerRow {
    id: i64,
    shop_id: i64,
    order_id: i64,
    amount: i64,
    created_at: i64,
}

impl LedgerRow {
    pub(crate) fn into_entry(self) -> Result<LedgerEntry, StoreError> {
        Ok(LedgerEntry {
            id: self.id,
            shop_id: shop_id(self.shop_id)?,
            order_id: self.order_id,
            amount: Money::from_tiyin(self.amount),
            created_at: time(self.created_at)?,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = ledger)]
pub(crate) struct NewLedgerRow {
    pub(crate) shop_id: i64,
    pub(crate) order_id: i64,
    pub(crate) amount: i64,
    pub(crate) created_at: i64,
}

#[derive(QueryableByName)]
pub(crate) struct BalanceRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub(crate) id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub(crate) balance: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub(crate) ledger_sum: i64,
}

/// New orders column by column, for inserts that take an array per column (PostgreSQL's
/// `unnest`); their status is `pending` and their number is the insert's to give.
pub(crate) struct OrderColumns<'a> {
    pub(crate) code: Vec<&'a str>,
    pub(crate) payment_id: Vec<&'a str>,
    pub(crate) pay_token: Vec<&'a str>,
    pub(crate) shop_id: Vec<i64>,
    pub(crate) amount: Vec<i64>,
    pub(crate) payable_amount: Vec<i64>,
    pub(crate) card: Vec<Option<&'a str>>,
    pub(crate) created_at: Vec<i64>,
    pub(crate) expires_at: Vec<i64>,
    pub(crate) card_last4: Vec<Option<&'a str>>,
}

impl<'a> OrderColumns<'a> {
    pub(crate) fn of(rows: &[NewOrderRow<'a>]) -> OrderColumns<'a> {
        OrderColumns {
            code: rows.iter().map(|r| r.code).collect(),
            payment_id: rows.iter().map(|r| r.payment_id).collect(),
            pay_token: rows.iter().map(|r| r.pay_token).collect(),
            shop_id: rows.iter().map(|r| r.shop_id).collect(),
            amount: rows.iter().map(|r| r.amount).collect(),
            payable_amount: rows.iter().map(|r| r.payable_amount).collect(),
            card: rows.iter().map(|r| r.card).collect(),
            created_at: rows.iter().map(|r| r.created_at).collect(),
            expires_at: rows.iter().map(|r| r.expires_at).collect(),
            card_last4: rows.iter().map(|r| r.card_last4).collect(),
        }
    }
}
