//! # payments-core
//!
//! Kassa's payment domain, with no I/O of its own: [`Money`] in tiyin, [`Shop`]s, [`Order`]s,
//! the one [`OrderStatus`] transition table, expiry, the ledger, and the [`Payments`] service
//! that runs them over the [ports]: a [`Store`], a [`Clock`], an [`IdGenerator`].
//!
//! `payments-store` implements [`Store`] on SQLite and PostgreSQL; the dialect crates
//! (`rasmiy-api`, `tophamyon-api`) parse requests into the typed values here and render the
//! results. Nothing in this crate knows about HTTP, JSON or SQL, so a Rust service can embed it
//! directly.
//!
//! ## Where to start
//!
//! - [`Payments`]: every operation, over a [`Store`]. Build it with [`Payments::new`] from a
//!   store (`payments_store::DieselStore::open("shop.db")`), a [`KeyHasher`] keyed with the
//!   server secret, and a [`PaymentsConfig`].
//! - Values are parsed at the edge and typed from then on: [`Money`] (integer tiyin, never a
//!   float), [`ShopId`], [`ShopKey`], [`OrderCode`], [`PayToken`], [`CardNumber`].
//! - An order is `pending` until one row of [`TRANSITIONS`] makes it `paid`, `cancelled` or
//!   `expired`, all final. Paying credits the shop once and writes its [`LedgerEntry`];
//!   [`Payments::verify`] checks `balance == sum(ledger)` for every shop.
//! - Money comes in through [`settlement`]: a [`PaymentSource`] of your own, bank
//!   [`notification`]s, or the operator's confirmation. Status changes are announced through
//!   the [`outbox`] (signed webhooks, Telegram).
//! - Errors are one enum, [`PaymentError`]; nothing was changed when one is returned.
//!
//! Every call blocks (it runs SQL through the store): from async code, run it on a blocking
//! pool. `docs/embedding.md` and `examples/embed.rs` in the repository walk through a whole
//! embedding service.

#![warn(missing_docs)]

mod error;
mod ids;
mod ids_random;
mod ingest;
mod keys;
mod money;
pub mod notification;
mod order;
pub mod outbox;
pub mod ports;
mod service;
mod settle_service;
pub mod settlement;
mod shop;
mod status;
mod throttle;

pub use error::PaymentError;
pub use ids::{CardNumber, IdError, OrderCode, PayToken, ShopId, ShopKey};
pub use ids_random::{RANDOM_PART_LEN, RASMIY_CODE_LEN, RandomIds};
pub use ingest::{IngestLine, IngestOutcome, NOTIFICATION_SOURCE};
pub use keys::{KeyHash, KeyHasher, WeakSecret};
pub use money::{AmountError, Money};
pub use order::{CodeStyle, NewOrder, Order, OrderCodes, OrderPage, OrderView, Page};
pub use outbox::{Channel, DeliveryAttempt, DeliveryLog, NotifyPolicy, OutboxItem, OutboxStatus};
pub use ports::{
    Applied, Attached, BalanceLine, Clock, IdGenerator, LedgerEntry, Store, StoreError, SystemClock,
};
pub use service::{Credentials, Payments, PaymentsConfig, ShopDraft, VerifyReport};
pub use settle_service::PullReport;
pub use settlement::{
    IncomingPayment, PayablePlan, PaymentRecord, PaymentSource, PaymentStatus, Resolution,
    Settlement, SourceError, Unmatched,
};
pub use shop::{MonthStatus, NewShop, Shop, ShopKind, ShopPatch, ShopStatus};
pub use status::{OrderStatus, TRANSITIONS, Transition, TransitionRefused};
pub use throttle::{KeyThrottle, ThrottleConfig};
