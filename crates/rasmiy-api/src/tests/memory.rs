//! An in-memory [`Store`] and a settable clock, so the handlers can be tested without a
//! database. It follows the port's contract (conditional transitions, credit on pay) and can be
//! told to fail, to show how storage faults are answered.

use payments_core::{
    Applied, BalanceLine, Clock, KeyHash, LedgerEntry, Money, NewOrder, NewShop, Order, OrderCode,
    OrderPage, OrderStatus, OrderView, Page, PayToken, Shop, ShopId, ShopPatch, Store, StoreError,
    Transition,
};
use std::sync::Mutex;
use time::OffsetDateTime;

#[derive(Default)]
struct State {
    shops: Vec<Shop>,
    orders: Vec<Order>,
    ledger: Vec<LedgerEntry>,
    failure: Option<StoreError>,
}

impl State {
    fn view(&self, found: impl Fn(&Order) -> bool) -> Option<OrderView> {
        let order = self.orders.iter().find(|o| found(o))?;
        let shop_name = self
            .shops
            .iter()
            .find(|x| x.id == order.shop_id)
            .map(|x| x.name.clone())
            .unwrap_or_default();
        Some(OrderView {
            order: order.clone(),
            shop_name,
        })
    }
}

#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    fn with<R>(
        &self,
        f: impl FnOnce(&mut State) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = state.failure.clone() {
            return Err(e);
        }
        f(&mut state)
    }

    /// Every later call fails with this error (or works again with `None`).
    pub fn fail_with(&self, failure: Option<StoreError>) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).failure = failure;
    }

    pub fn order_count(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .orders
            .len()
    }
}

impl Store for MemoryStore {
    fn ping(&self) -> Result<(), StoreError> {
        self.with(|_| Ok(()))
    }

    fn insert_shop(&self, new: &NewShop) -> Result<Shop, StoreError> {
        self.with(|s| {
            if s.shops.iter().any(|x| x.id == new.id) {
                return Err(StoreError::Conflict("shop id".into()));
            }
            let shop = Shop {
                id: new.id,
                name: new.name.clone(),
                user_id: new.user_id,
                kind: new.kind,
                status: new.status,
                month_status: new.month_status,
                card: new.card.clone(),
                callback_url: new.callback_url.clone(),
                balance: Money::ZERO,
                key_hash: new.key_hash.clone(),
                created_at: new.created_at,
            };
            s.shops.push(shop.clone());
            Ok(shop)
        })
    }

    fn shop(&self, id: ShopId) -> Result<Option<Shop>, StoreError> {
        self.with(|s| Ok(s.shops.iter().find(|x| x.id == id).cloned()))
    }

    fn update_shop(&self, id: ShopId, patch: &ShopPatch) -> Result<Option<Shop>, StoreError> {
        self.with(|s| {
            let Some(shop) = s.shops.iter_mut().find(|x| x.id == id) else {
                return Ok(None);
            };
            if let Some(v) = &patch.name {
                shop.name = v.clone();
            }
            if let Some(v) = patch.user_id {
                shop.user_id = v;
            }
            if let Some(v) = patch.kind {
                shop.kind = v;
            }
            if let Some(v) = patch.status {
                shop.status = v;
            }
            if let Some(v) = patch.month_status {
                shop.month_status = v;
            }
            if let Some(v) = &patch.card {
                shop.card = v.clone();
            }
            if let Some(v) = &patch.callback_url {
                shop.callback_url = v.clone();
            }
            Ok(Some(shop.clone()))
        })
    }

    fn set_key_hash(&self, id: ShopId, hash: &KeyHash) -> Result<bool, StoreError> {
        self.with(|s| {
            Ok(match s.shops.iter_mut().find(|x| x.id == id) {
                Some(shop) => {
                    shop.key_hash = hash.clone();
                    true
                }
                None => false,
            })
        })
    }

    fn insert_order(&self, new: &NewOrder) -> Result<Order, StoreError> {
        self.with(|s| {
            let order = Order {
                id: s.orders.len() as i64 + 1,
                codes: new.codes.clone(),
                shop_id: new.shop_id,
                amount: new.amount,
                payable_amount: new.payable_amount,
                card: new.card.clone(),
                status: OrderStatus::Pending,
                created_at: new.created_at,
                expires_at: new.expires_at,
                finished_at: None,
            };
            s.orders.push(order.clone());
            Ok(order)
        })
    }

    fn order(&self, code: &OrderCode) -> Result<Option<OrderView>, StoreError> {
        self.with(|s| {
            Ok(s.view(|o| o.codes.code == code.as_str() || o.codes.payment_id == code.as_str()))
        })
    }

    fn order_by_token(&self, token: &PayToken) -> Result<Option<OrderView>, StoreError> {
        self.with(|s| Ok(s.view(|o| o.codes.pay_token == token.as_str())))
    }

    fn orders(&self, shop: ShopId, page: Page) -> Result<OrderPage, StoreError> {
        self.with(|s| {
            let mine: Vec<Order> = s
                .orders
                .iter()
                .rev()
                .filter(|o| o.shop_id == shop)
                .cloned()
                .collect();
            Ok(OrderPage {
                total: mine.len() as u64,
                orders: mine
                    .into_iter()
                    .skip(page.offset as usize)
                    .take(page.limit as usize)
                    .collect(),
            })
        })
    }

    fn apply(
        &self,
        order_id: i64,
        t: Transition,
        at: OffsetDateTime,
    ) -> Result<Applied, StoreError> {
        self.with(|s| {
            let Some(order) = s.orders.iter_mut().find(|o| o.id == order_id) else {
                return Ok(Applied::Missing);
            };
            if order.status != t.from() {
                return Ok(Applied::Refused(order.status));
            }
            order.status = t.to();
            order.finished_at = Some(at);
            let order = order.clone();
            if t == Transition::Pay {
                if let Some(shop) = s.shops.iter_mut().find(|x| x.id == order.shop_id) {
                    shop.balance = shop
                        .balance
                        .checked_add(order.amount)
                        .unwrap_or(shop.balance);
                }
                let id = s.ledger.len() as i64 + 1;
                s.ledger.push(LedgerEntry {
                    id,
                    shop_id: order.shop_id,
                    order_id,
                    amount: order.amount,
                    created_at: at,
                });
            }
            Ok(Applied::Done(order))
        })
    }

    fn expire_due(&self, now: OffsetDateTime, limit: u32) -> Result<u64, StoreError> {
        self.with(|s| {
            let mut n = 0;
            for o in s
                .orders
                .iter_mut()
                .filter(|o| o.is_overdue(now))
                .take(limit as usize)
            {
                o.status = OrderStatus::Expired;
                o.finished_at = Some(now);
                n += 1;
            }
            Ok(n)
        })
    }

    fn ledger(&self, shop: ShopId) -> Result<Vec<LedgerEntry>, StoreError> {
        self.with(|s| {
            Ok(s.ledger
                .iter()
                .filter(|e| e.shop_id == shop)
                .cloned()
                .collect())
        })
    }

    fn balance_report(&self) -> Result<Vec<BalanceLine>, StoreError> {
        self.with(|s| {
            Ok(s.shops
                .iter()
                .map(|shop| BalanceLine {
                    shop_id: shop.id,
                    balance: shop.balance,
                    ledger_sum: s
                        .ledger
                        .iter()
                        .filter(|e| e.shop_id == shop.id)
                        .map(|e| e.amount)
                        .sum(),
                })
                .collect())
        })
    }
}

/// A clock the test moves by hand.
pub struct TestClock(pub Mutex<OffsetDateTime>);

impl TestClock {
    pub fn advance(&self, by: time::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}
