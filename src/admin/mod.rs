//! The operator's API: shops, order confirmation, ledger verification. Over HTTP behind a bearer
//! token (`routes`), and the same operations as CLI commands (`crate::commands`).

pub mod json;
pub mod openapi;
mod routes;
pub mod settlement;

pub use routes::{AdminToken, routes};
