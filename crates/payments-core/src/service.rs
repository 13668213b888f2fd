//! The services: every operation on shops and orders, over the ports.

use crate::{
    Applied, BalanceLine, CardNumber, Clock, CodeStyle, IdGenerator, KeyHasher, LedgerEntry, Money,
    MonthStatus, NewOrder, NewShop, Order, OrderCode, OrderPage, OrderView, Page, PayToken,
    PaymentError, RandomIds, Shop, ShopId, ShopKey, ShopKind, ShopPatch, ShopStatus, Store,
    StoreError, SystemClock, Transition, TransitionRefused, throttle::KeyThrottle,
    throttle::ThrottleConfig,
};
use crate::{PayablePlan, outbox::NotifyPolicy};
use std::sync::Arc;
use time::{Duration, OffsetDateTime, UtcOffset};

/// Settings of the domain. `Default` gives the server's defaults.
///
/// ```
/// use payments_core::{Money, PaymentsConfig};
/// use time::Duration;
/// let config = PaymentsConfig {
///     order_ttl: Duration::minutes(15),
///     max_amount: Money::from_tiyin(5_000_000 * 100), // 5 000 000 so'm
///     ..PaymentsConfig::default()
/// };
/// assert_eq!(config.payable_steps, 100);
/// assert_eq!(config.hold_minutes(), 25); // 15 minutes TTL + 10 minutes quarantine
/// ```
#[derive(Debug, Clone)]
pub struct PaymentsConfig {
    /// How long a new order waits for its payment (default 5 minutes, as the original services).
    pub order_ttl: Duration,
    /// The largest amount one order may ask for.
    pub max_amount: Money,
    /// The offset times are shown in (default +05:00, Tashkent).
    pub display_offset: UtcOffset,
    /// Limits on wrong keys per client and shop.
    pub throttle: ThrottleConfig,
    /// Payable amounts are `amount + k × payable_step` (default 1 tiyin)…
    pub payable_step: Money,
    /// …for `k` below `payable_steps` (default 100).
    pub payable_steps: u32,
    /// How long after its order's expiry a payable amount stays taken on its card, whatever
    /// became of the order, so one transfer can only ever match one order (default 10 minutes).
    pub quarantine: Duration,
    /// Which notifications status changes write.
    pub notify: NotifyPolicy,
}

impl PaymentsConfig {
    /// The longest a payable amount can stay taken: TTL plus quarantine, in whole minutes
    /// rounded up (what the "wait" message says).
    pub fn hold_minutes(&self) -> i64 {
        let seconds = (self.order_ttl + self.quarantine).whole_seconds();
        (seconds + 59).div_euclid(60)
    }
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        PaymentsConfig {
            order_ttl: Duration::minutes(5),
            max_amount: Money::from_tiyin(100_000_000 * 100),
            display_offset: UtcOffset::from_hms(5, 0, 0).unwrap_or(UtcOffset::UTC),
            throttle: ThrottleConfig::default(),
            payable_step: Money::from_tiyin(1),
            payable_steps: 100,
            quarantine: Duration::minutes(10),
            notify: NotifyPolicy::default(),
        }
    }
}

/// A shop's id and key as a client presented them, with who presented them (an IP address,
/// say) so that wrong keys can be throttled per client.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The shop id presented.
    pub shop_id: ShopId,
    /// The key presented.
    pub key: ShopKey,
    /// Who presented them: wrong keys are counted per client and shop. The server uses the TCP
    /// peer's IP address; an embedder uses whatever identifies its caller (a fixed name for its
    /// own calls).
    pub client: String,
}

/// A shop to create. Id and key are generated when not given (given ones import an existing
/// shop, such as the documents' test shops).
#[derive(Debug, Clone)]
pub struct ShopDraft {
    /// Its id, or `None` for a random six-digit one.
    pub id: Option<ShopId>,
    /// Its key, or `None` for a random 16-character one.
    pub key: Option<ShopKey>,
    /// Its name.
    pub name: String,
    /// The owner's Telegram user id (0: none).
    pub user_id: i64,
    /// Whether its payers get the hosted pay page.
    pub kind: ShopKind,
    /// Its admission: only [`ShopStatus::Confirm`] shops take payments.
    pub status: ShopStatus,
    /// Its fee status: only [`MonthStatus::Paid`] shops take payments.
    pub month_status: MonthStatus,
    /// Its receiving card: a shop without one cannot take payments.
    pub card: Option<CardNumber>,
    /// Where webhooks go; setting one makes the shop's webhook secret.
    pub callback_url: Option<String>,
}

/// The outcome of `kassa verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// How many shops were checked.
    pub shops: usize,
    /// The shops whose balance differs from their ledger's sum (none, unless the database was
    /// changed behind Kassa's back).
    pub mismatches: Vec<BalanceLine>,
}

impl VerifyReport {
    /// No mismatches.
    pub fn is_clean(&self) -> bool {
        self.mismatches.is_empty()
    }
}

pub(crate) struct Inner {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) ids: Arc<dyn IdGenerator>,
    pub(crate) hasher: KeyHasher,
    pub(crate) throttle: KeyThrottle,
    pub(crate) config: PaymentsConfig,
}

/// The payments domain: cheap to clone, safe to share between threads.
///
/// Every method is blocking (it calls the store); async callers run it on a blocking pool
/// (`tokio::task::spawn_blocking`, `actix_web::web::block`).
///
/// Build it over a store (`payments_store::DieselStore`, or any [`Store`]) with
/// [`Payments::new`]; then shops ([`add_shop`](Payments::add_shop)), orders
/// ([`create_order`](Payments::create_order), [`order`](Payments::order),
/// [`cancel`](Payments::cancel)), settlement ([`settle`](Payments::settle),
/// [`settle_from`](Payments::settle_from), [`confirm`](Payments::confirm)), expiry
/// ([`expire_overdue`](Payments::expire_overdue)), the ledger ([`ledger`](Payments::ledger),
/// [`verify`](Payments::verify)) and the outbox ([`claim_outbox`](Payments::claim_outbox),
/// [`record_delivery`](Payments::record_delivery)). `payments_store::DieselStore`'s
/// documentation has a runnable example; `examples/embed.rs` and `docs/embedding.md` in the
/// repository walk through a whole service.
#[derive(Clone)]
pub struct Payments {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Payments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payments")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// How many overdue orders one expiry statement takes at most.
const EXPIRE_BATCH: u32 = 1000;

impl Payments {
    /// The domain over a store, with the system clock and random ids.
    pub fn new(store: Arc<dyn Store>, hasher: KeyHasher, config: PaymentsConfig) -> Payments {
        Payments::with_ports(
            store,
            Arc::new(SystemClock),
            Arc::new(RandomIds),
            hasher,
            config,
        )
    }

    /// The domain with every port chosen by the caller.
    pub fn with_ports(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        hasher: KeyHasher,
        config: PaymentsConfig,
    ) -> Payments {
        let throttle = KeyThrottle::new(config.throttle);
        Payments {
            inner: Arc::new(Inner {
                store,
                clock,
                ids,
                hasher,
                throttle,
                config,
            }),
        }
    }

    /// The settings it was built with.
    pub fn config(&self) -> &PaymentsConfig {
        &self.inner.config
    }

    /// The store it runs on (for what the service does not wrap, such as
    /// [`Store::ping`]).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// Now, to the second (what storage keeps).
    pub fn now(&self) -> OffsetDateTime {
        let now = self.inner.clock.now();
        now.replace_nanosecond(0).unwrap_or(now)
    }

    /// A time in the configured display offset.
    pub fn local(&self, t: OffsetDateTime) -> OffsetDateTime {
        t.to_offset(self.inner.config.display_offset)
    }

    /// The shop these credentials belong to. Unknown id and wrong key are one error, and take
    /// the same time; a client that keeps sending wrong keys for one shop is throttled.
    pub fn authenticate(&self, creds: &Credentials) -> Result<Shop, PaymentError> {
        let (hasher, throttle) = (&self.inner.hasher, &self.inner.throttle);
        let now = self.now();
        if let Err(retry_after) = throttle.check(&creds.client, creds.shop_id, now) {
            return Err(PaymentError::Throttled { retry_after });
        }
        let found = match self.inner.store.shop(creds.shop_id)? {
            Some(shop) if hasher.verify(&creds.key, &shop.key_hash) => Some(shop),
            Some(_) => None,
            None => {
                hasher.verify_nothing(&creds.key);
                None
            }
        };
        match found {
            Some(shop) => {
                throttle.succeeded(&creds.client, creds.shop_id);
                Ok(shop)
            }
            None => {
                throttle.failed(&creds.client, creds.shop_id, now);
                Err(PaymentError::InvalidCredentials)
            }
        }
    }

    /// Whether a shop may take payments now: confirmed, fee paid, a receiving card.
    pub fn admit(shop: &Shop) -> Result<(), PaymentError> {
        if shop.status != ShopStatus::Confirm {
            return Err(PaymentError::ShopNotActive(shop.status));
        }
        if shop.month_status != MonthStatus::Paid {
            return Err(PaymentError::FeeUnpaid);
        }
        if shop.card.is_none() {
            return Err(PaymentError::NoReceivingCard);
        }
        Ok(())
    }

    /// Creates a pending order for an admitted shop.
    ///
    /// Authenticates ([`authenticate`](Payments::authenticate)), admits
    /// ([`admit`](Payments::admit)), checks the maximum, then stores the order with the first
    /// free payable amount on the shop's card, expiring after the order TTL. Returns the order
    /// and the shop (whose card the payer sends [`Order::payable_amount`] to).
    ///
    /// Errors: [`PaymentError::InvalidCredentials`], [`PaymentError::Throttled`],
    /// [`PaymentError::ShopNotActive`], [`PaymentError::FeeUnpaid`],
    /// [`PaymentError::NoReceivingCard`], [`PaymentError::AmountAboveMaximum`],
    /// [`PaymentError::NoFreePayableAmount`], [`PaymentError::Store`].
    pub fn create_order(
        &self,
        creds: &Credentials,
        amount: Money,
        style: CodeStyle,
    ) -> Result<(Order, Shop), PaymentError> {
        let shop = self.authenticate(creds)?;
        Payments::admit(&shop)?;
        let max = self.inner.config.max_amount;
        if amount > max {
            return Err(PaymentError::AmountAboveMaximum { max });
        }
        let now = self.now();
        let config = &self.inner.config;
        let expires_at = now + config.order_ttl;
        let plan = PayablePlan {
            step: config.payable_step,
            steps: config.payable_steps,
            hold_until: expires_at + config.quarantine,
        };
        // Codes carry ≥ 96 random bits; a collision is retried rather than assumed impossible.
        let mut attempts = 0;
        loop {
            let order = NewOrder {
                codes: self.inner.ids.order_codes(style, now),
                shop_id: shop.id,
                amount,
                card: shop.card.clone(),
                created_at: now,
                expires_at,
            };
            match self.inner.store.insert_order(&order, &plan) {
                Ok(Some(order)) => return Ok((order, shop)),
                Ok(None) => {
                    return Err(PaymentError::NoFreePayableAmount {
                        amount,
                        wait_minutes: config.hold_minutes(),
                    });
                }
                Err(StoreError::Conflict(_)) if attempts < 3 => attempts += 1,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// An order and its shop's name, by order code or payment id.
    pub fn order(&self, code: &OrderCode) -> Result<OrderView, PaymentError> {
        self.inner
            .store
            .order(code)?
            .ok_or(PaymentError::OrderNotFound)
    }

    /// Runs a read at once on the calling thread when the store can serve it without waiting
    /// ([`Store::read_now`]: on SQLite with an idle connection), and gives its result;
    /// otherwise gives `read` back, not called, for the caller to run on a blocking pool.
    ///
    /// For reads only ([`order`](Payments::order), [`order_by_token`](Payments::order_by_token),
    /// [`authenticate`](Payments::authenticate), [`orders`](Payments::orders),
    /// [`shop`](Payments::shop)): a write may wait for the database's write lock.
    ///
    /// ```
    /// # use payments_core::{Payments, PaymentError, OrderCode};
    /// # fn check(payments: &Payments, code: OrderCode) -> Result<(), PaymentError> {
    /// let view = match payments.read_now(|p| p.order(&code)) {
    ///     Ok(found) => found?,
    ///     // An async caller would hand this to its blocking pool.
    ///     Err(read) => read(payments)?,
    /// };
    /// # let _ = view;
    /// # Ok(())
    /// # }
    /// ```
    pub fn read_now<T, F>(&self, read: F) -> Result<T, F>
    where
        F: FnOnce(&Payments) -> T,
    {
        let mut read = Some(read);
        let mut out = None;
        self.inner.store.read_now(&mut || {
            if let Some(f) = read.take() {
                out = Some(f(self));
            }
        });
        match (out, read) {
            (Some(value), _) => Ok(value),
            (None, Some(read)) => Err(read),
            // `read` was taken only to be called, which set `out`.
            (None, None) => unreachable!("a read taken and not run"),
        }
    }

    /// An order and its shop's name, by the pay page's token.
    pub fn order_by_token(&self, token: &PayToken) -> Result<OrderView, PaymentError> {
        self.inner
            .store
            .order_by_token(token)?
            .ok_or(PaymentError::OrderNotFound)
    }

    /// The shop calls an order off. Takes the code alone, as both documents do.
    pub fn cancel(&self, code: &OrderCode) -> Result<Order, PaymentError> {
        self.transition(code, Transition::Cancel)
    }

    /// The money for an order arrived: pays it and credits its shop, exactly once.
    pub fn confirm(&self, code: &OrderCode) -> Result<Order, PaymentError> {
        self.transition(code, Transition::Pay)
    }

    /// Applies a transition to the order with this code. A pending order whose time is up is
    /// expired first, so nothing is paid or cancelled after its deadline.
    pub fn transition(
        &self,
        code: &OrderCode,
        transition: Transition,
    ) -> Result<Order, PaymentError> {
        let order = self.order(code)?.order;
        let now = self.now();
        let wanted = if order.is_overdue(now) {
            Transition::Expire
        } else {
            transition
        };
        let current =
            match self
                .inner
                .store
                .apply(order.id, wanted, now, &self.inner.config.notify)?
            {
                Applied::Done(order) if wanted == transition => return Ok(order),
                Applied::Done(order) => order.status,
                Applied::Refused(current) => current,
                Applied::Missing => return Err(PaymentError::OrderNotFound),
            };
        Err(TransitionRefused {
            current,
            transition,
        }
        .into())
    }

    /// Expires every pending order whose time is up, a batch at a time. Returns how many.
    pub fn expire_overdue(&self) -> Result<u64, PaymentError> {
        let now = self.now();
        let mut total = 0;
        loop {
            let n = self
                .inner
                .store
                .expire_due(now, EXPIRE_BATCH, &self.inner.config.notify)?;
            total += n;
            if n < u64::from(EXPIRE_BATCH) {
                return Ok(total);
            }
        }
    }

    /// A shop's orders, newest first, for the shop's own credentials.
    pub fn orders(&self, creds: &Credentials, page: Page) -> Result<OrderPage, PaymentError> {
        Ok(self.shop_and_orders(creds, page)?.1)
    }

    /// [`Payments::orders`] with the shop the credentials opened (its name and balance head
    /// the page in the dialects' answers), without reading the shop twice.
    pub fn shop_and_orders(
        &self,
        creds: &Credentials,
        page: Page,
    ) -> Result<(Shop, OrderPage), PaymentError> {
        let shop = self.authenticate(creds)?;
        let orders = self.inner.store.orders(shop.id, page)?;
        Ok((shop, orders))
    }

    // ---- administration (behind the operator's token or the CLI) ----

    /// Creates a shop; returns it with its key in clear, the only time the key is shown.
    pub fn add_shop(&self, draft: ShopDraft) -> Result<(Shop, ShopKey), PaymentError> {
        let key = draft
            .key
            .clone()
            .unwrap_or_else(|| self.inner.ids.shop_key());
        let mut attempts = 0;
        loop {
            let new = NewShop {
                id: draft.id.unwrap_or_else(|| self.inner.ids.shop_id()),
                name: draft.name.clone(),
                user_id: draft.user_id,
                kind: draft.kind,
                status: draft.status,
                month_status: draft.month_status,
                card: draft.card.clone(),
                callback_url: draft.callback_url.clone(),
                webhook_secret: draft.callback_url.as_ref().map(|_| self.inner.ids.secret()),
                key_hash: self.inner.hasher.hash(&key),
                created_at: self.now(),
            };
            match self.inner.store.insert_shop(&new) {
                Ok(shop) => return Ok((shop, key)),
                Err(StoreError::Conflict(_)) if draft.id.is_some() => {
                    return Err(PaymentError::ShopIdTaken);
                }
                Err(StoreError::Conflict(_)) if attempts < 20 => attempts += 1,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// A shop by id (no credentials: for the operator and the embedder);
    /// [`PaymentError::ShopNotFound`] if there is none.
    pub fn shop(&self, id: ShopId) -> Result<Shop, PaymentError> {
        self.inner.store.shop(id)?.ok_or(PaymentError::ShopNotFound)
    }

    /// Changes a shop. Setting a callback URL on a shop without a webhook secret makes one.
    pub fn update_shop(&self, id: ShopId, patch: &ShopPatch) -> Result<Shop, PaymentError> {
        let mut patch = patch.clone();
        if matches!(patch.callback_url, Some(Some(_))) && self.shop(id)?.webhook_secret.is_none() {
            patch.webhook_secret = Some(Some(self.inner.ids.secret()));
        }
        self.inner
            .store
            .update_shop(id, &patch)?
            .ok_or(PaymentError::ShopNotFound)
    }

    /// Gives a shop a new webhook secret; webhooks are signed with it from now on.
    pub fn rotate_webhook_secret(&self, id: ShopId) -> Result<Shop, PaymentError> {
        let patch = ShopPatch {
            webhook_secret: Some(Some(self.inner.ids.secret())),
            ..ShopPatch::default()
        };
        self.inner
            .store
            .update_shop(id, &patch)?
            .ok_or(PaymentError::ShopNotFound)
    }

    /// Gives a shop a new random key; the old one stops working at once.
    pub fn rotate_key(&self, id: ShopId) -> Result<(Shop, ShopKey), PaymentError> {
        let key = self.inner.ids.shop_key();
        if !self
            .inner
            .store
            .set_key_hash(id, &self.inner.hasher.hash(&key))?
        {
            return Err(PaymentError::ShopNotFound);
        }
        Ok((self.shop(id)?, key))
    }

    /// A shop's ledger, oldest first: one credit per paid order, whose sum is its balance.
    pub fn ledger(&self, id: ShopId) -> Result<Vec<LedgerEntry>, PaymentError> {
        Ok(self.inner.store.ledger(id)?)
    }

    /// Checks `balance == sum(ledger)` for every shop.
    pub fn verify(&self) -> Result<VerifyReport, PaymentError> {
        let lines = self.inner.store.balance_report()?;
        let shops = lines.len();
        let mismatches = lines.into_iter().filter(|l| !l.is_consistent()).collect();
        Ok(VerifyReport { shops, mismatches })
    }
}
