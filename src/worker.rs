//! The background worker: every tick it expires overdue orders. Its last good tick is shown by
//! `/health`.

use crate::http_util::blocking;
use payments_core::Payments;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// When the worker last finished a tick (unix seconds; 0 = never).
#[derive(Debug, Default)]
pub struct WorkerState {
    last_tick: AtomicI64,
}

impl WorkerState {
    pub fn last_tick(&self) -> Option<i64> {
        match self.last_tick.load(Ordering::Relaxed) {
            0 => None,
            t => Some(t),
        }
    }
}

/// Runs until the server stops.
pub async fn run(payments: Payments, state: Arc<WorkerState>, tick: Duration) {
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let p = payments.clone();
        match blocking(move || p.expire_overdue()).await {
            Ok(n) => {
                if n > 0 {
                    tracing::info!(expired = n, "expired overdue orders");
                }
                state
                    .last_tick
                    .store(payments.now().unix_timestamp(), Ordering::Relaxed);
            }
            Err(e) => tracing::warn!(error = %e, "worker tick failed; retrying next tick"),
        }
    }
}
