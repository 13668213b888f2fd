//! An in-memory [`Store`] and a settable clock, so the endpoints can be driven through
//! actix's test service without a database. (The real binary over real HTTP and a real
//! database is tested at the workspace root, in `tests/tophamyon_api.rs`.)
#![allow(dead_code, clippy::unwrap_used)]

use payments_core::{
    Applied, BalanceLine, CardNumber, Clock, KeyHash, KeyHasher, LedgerEntry, Money, MonthStatus,
    NewOrder, NewShop, Order, OrderCode, OrderPage, OrderStatus, OrderView, Page, PayToken,
    Payments, PaymentsConfig, RandomIds, Shop, ShopDraft, ShopId, ShopKey, ShopKind, ShopPatch,
    ShopStatus, Store, StoreError, Transition,
};
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

#[derive(Default)]
struct Data {
    shops: Vec<Shop>,
    orders: Vec<Order>,
    ledger: Vec<LedgerEntry>,
}

/// Shops and orders in memory; `down` makes every call fail as an unreachable database.
#[derive(Default)]
pub struct MemStore {
    data: Mutex<Data>,
    pub down: Mutex<bool>,
}

impl MemStore {
    fn with<R>(&self, f: impl FnOnce(&mut Data) -> R) -> Result<R, StoreError> {
        if *self.down.lock().unwrap() {
            return Err(StoreError::Unavailable(
                "connection refused (10.0.0.5)".into(),
            ));
        }
        Ok(f(&mut self.data.lock().unwrap()))
    }
}

impl Store for MemStore {
    fn ping(&self) -> Result<(), StoreError> {
        self.with(|_| ())
    }

    fn insert_shop(&self, s: &NewShop) -> Result<Shop, StoreError> {
        self.with(|d| {
            if d.shops.iter().any(|x| x.id == s.id) {
                return Err(StoreError::Conflict("shop id".into()));
            }
            let shop = Shop {
                id: s.id,
                name: s.name.clone(),
                user_id: s.user_id,
                kind: s.kind,
                status: s.status,
                month_status: s.month_status,
                card: s.card.clone(),
                callback_url: s.callback_url.clone(),
                balance: Money::ZERO,
                key_hash: s.key_hash.clone(),
                created_at: s.created_at,
            };
            d.shops.push(shop.clone());
            Ok(shop)
        })?
    }

    fn shop(&self, id: ShopId) -> Result<Option<Shop>, StoreError> {
        self.with(|d| d.shops.iter().find(|s| s.id == id).cloned())
    }

    fn update_shop(&self, id: ShopId, p: &ShopPatch) -> Result<Option<Shop>, StoreError> {
        self.with(|d| {
            let s = d.shops.iter_mut().find(|s| s.id == id)?;
            if let Some(v) = p.status {
                s.status = v;
            }
            if let Some(v) = p.month_status {
                s.month_status = v;
            }
            if let Some(v) = &p.card {
                s.card = v.clone();
            }
            if let Some(v) = p.kind {
                s.kind = v;
            }
            Some(s.clone())
        })
    }

    fn set_key_hash(&self, id: ShopId, hash: &KeyHash) -> Result<bool, StoreError> {
        self.with(|d| match d.shops.iter_mut().find(|s| s.id == id) {
            Some(s) => {
                s.key_hash = hash.clone();
                true
            }
            None => false,
        })
    }

    fn insert_order(&self, o: &NewOrder) -> Result<Order, StoreError> {
        self.with(|d| {
            let order = Order {
                id: d.orders.len() as i64 + 1,
                codes: o.codes.clone(),
                shop_id: o.shop_id,
                amount: o.amount,
                payable_amount: o.payable_amount,
                card: o.card.clone(),
                status: OrderStatus::Pending,
                created_at: o.created_at,
                expires_at: o.expires_at,
                finished_at: None,
            };
            d.orders.push(order.clone());
            order
        })
    }

    fn order(&self, code: &OrderCode) -> Result<Option<OrderView>, StoreError> {
        self.with(|d| {
            let order = d
                .orders
                .iter()
                .find(|o| o.codes.code == code.as_str() || o.codes.payment_id == code.as_str())?
                .clone();
            let shop_name = d.shops.iter().find(|s| s.id == order.shop_id)?.name.clone();
            Some(OrderView { order, shop_name })
        })
    }

    fn order_by_token(&self, token: &PayToken) -> Result<Option<OrderView>, StoreError> {
        self.with(|d| {
            let order = d
                .orders
                .iter()
                .find(|o| o.codes.pay_token == token.as_str())?
                .clone();
            let shop_name = d.shops.iter().find(|s| s.id == order.shop_id)?.name.clone();
            Some(OrderView { order, shop_name })
        })
    }

    fn orders(&self, shop: ShopId, page: Page) -> Result<OrderPage, StoreError> {
        self.with(|d| {
            let mine: Vec<&Order> = d
                .orders
                .iter()
                .rev()
                .filter(|o| o.shop_id == shop)
                .collect();
            OrderPage {
                total: mine.len() as u64,
                orders: mine
                    .into_iter()
                    .skip(page.offset as usize)
                    .take(page.limit as usize)
                    .cloned()
                    .collect(),
            }
        })
    }

    fn apply(&self, id: i64, t: Transition, at: OffsetDateTime) -> Result<Applied, StoreError> {
        self.with(|d| {
            let Some(i) = d.orders.iter().position(|o| o.id == id) else {
                return Applied::Missing;
            };
            let o = &mut d.orders[i];
            if o.status != t.from() {
                return Applied::Refused(o.status);
            }
            o.status = t.to();
            o.finished_at = Some(at);
            let o = o.clone();
            if t == Transition::Pay {
                if let Some(s) = d.shops.iter_mut().find(|s| s.id == o.shop_id) {
                    s.balance = s.balance.checked_add(o.amount).unwrap();
                }
                let id = d.ledger.len() as i64 + 1;
                d.ledger.push(LedgerEntry {
                    id,
                    shop_id: o.shop_id,
                    order_id: o.id,
                    amount: o.amount,
                    created_at: at,
                });
            }
            Applied::Done(o)
        })
    }

    fn expire_due(&self, now: OffsetDateTime, _limit: u32) -> Result<u64, StoreError> {
        self.with(|d| {
            let mut n = 0;
            for o in d.orders.iter_mut() {
                if o.status == OrderStatus::Pending && o.expires_at <= now {
                    o.status = OrderStatus::Expired;
                    o.finished_at = Some(now);
                    n += 1;
                }
            }
            n
        })
    }

    fn ledger(&self, shop: ShopId) -> Result<Vec<LedgerEntry>, StoreError> {
        self.with(|d| {
            d.ledger
                .iter()
                .filter(|l| l.shop_id == shop)
                .cloned()
                .collect()
        })
    }

    fn balance_report(&self) -> Result<Vec<BalanceLine>, StoreError> {
        self.with(|_| Vec::new())
    }
}

/// A clock the test moves by hand.
#[derive(Debug)]
pub struct ManualClock(pub Mutex<OffsetDateTime>);

impl ManualClock {
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap();
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

/// The core over a memory store, with the document's shops 101 and 102 (api) and 695008 (page),
/// all admitted, and a fourth, 777, per the caller's status.
pub struct World {
    pub payments: Payments,
    pub store: Arc<MemStore>,
    pub clock: Arc<ManualClock>,
}

pub const CARD: &str = "8600123456786224";

impl World {
    pub fn new() -> World {
        let store = Arc::new(MemStore::default());
        let clock = Arc::new(ManualClock(Mutex::new(
            time::macros::datetime!(2024-01-01 07:00 UTC),
        )));
        let config = PaymentsConfig::default();
        let payments = Payments::with_ports(
            store.clone(),
            clock.clone(),
            Arc::new(RandomIds),
            KeyHasher::new(b"test secret, sixteen bytes or more").unwrap(),
            config,
        );
        let world = World {
            payments,
            store,
            clock,
        };
        world.shop(
            101,
            "test_key_123",
            "Test Do'kon 1",
            ShopKind::Api,
            ShopStatus::Confirm,
        );
        world.shop(
            102,
            "test_key_456",
            "Test Do'kon 2",
            ShopKind::Api,
            ShopStatus::Confirm,
        );
        world.shop(
            695008,
            "Z631XLBO7O",
            "Page Shop",
            ShopKind::Page,
            ShopStatus::Confirm,
        );
        world
    }

    pub fn shop(&self, id: i64, key: &str, name: &str, kind: ShopKind, status: ShopStatus) {
        self.payments
            .add_shop(ShopDraft {
                id: ShopId::from_i64(id),
                key: Some(ShopKey::new_secret(key).unwrap()),
                name: name.into(),
                user_id: 1,
                kind,
                status,
                month_status: MonthStatus::Paid,
                card: Some(CardNumber::parse(CARD).unwrap()),
                callback_url: None,
            })
            .unwrap();
    }

    pub fn patch(&self, id: i64, patch: ShopPatch) {
        self.payments
            .update_shop(ShopId::from_i64(id).unwrap(), &patch)
            .unwrap();
    }

    pub fn down(&self, down: bool) {
        *self.store.down.lock().unwrap() = down;
    }
}
