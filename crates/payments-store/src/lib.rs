//! # payments-store
//!
//! The diesel implementation of `payments-core`'s [`Store`](payments_core::Store) port, on
//! SQLite (an embedded file: the default, bundled libsqlite3, WAL, `synchronous=FULL`) or
//! PostgreSQL (for several servers on one database), chosen by the URL. One code path serves
//! both: each query is written once and compiled for each backend. Migrations (`migrations/`
//! at the workspace root, a folder per backend) are embedded and run when a store opens.
//!
//! Calls block; async callers run them on a blocking pool. Nothing here knows about HTTP.
//!
//! [`DieselStore::open`] is the one entry point; its documentation and [`DieselStore`]'s show
//! it at work. [`testing`] gives tests a database of their own.

#![warn(missing_docs)]

#[macro_use]
mod conn;
mod connect;
#[macro_use]
mod tx;
mod create_batch;
mod errors;
mod group_commit;
mod models;
mod models_settlement;
mod outbox_store;
mod schema;
mod settle;
mod stats;
mod store;
pub mod testing;

pub use connect::{Backend, PoolOptions, pg_url, sqlite_path};
pub use store::DieselStore;

/// `docs/embedding.md`, the embedding guide: its complete Rust examples run as doctests of this
/// crate, so the guide cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/embedding.md")]
pub struct EmbeddingGuide;
