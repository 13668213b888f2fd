//! The background worker: every tick it expires overdue orders. Its last good tick is shown by
//! `/health`.

use crate::http_util::blocking;
use crate::notifier::Notifier;
use payments_core::{PaymentError, PaymentSource, Payments};
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

/// Notifications claimed at a time.
const OUTBOX_BATCH: u32 = 20;

/// Batches one tick sends at most. A backlog (after a restart, say) is worked off in ticks that
/// follow one another at once, so expiry sweeps and a stop are never held up behind it.
const OUTBOX_BATCHES_PER_TICK: u32 = 10;

/// What a tick did.
struct Ticked {
    expired: u64,
    /// The outbox had more due than one tick sends.
    more_due: bool,
}

/// One tick: settle what the sources hold, expire overdue orders, send the outbox. Safe with
/// several processes on one database: every change is a conditional update and outbox rows
/// are claimed (`SKIP LOCKED`) before they are sent.
fn tick_once(
    payments: &Payments,
    notifier: &Notifier,
    sources: &[Arc<dyn PaymentSource>],
) -> Result<Ticked, PaymentError> {
    for source in sources {
        match payments.settle_from(source.as_ref()) {
            Ok(r) if r.matched + r.unmatched + r.duplicates > 0 => {
                tracing::info!(
                    source = source.name(),
                    matched = r.matched,
                    unmatched = r.unmatched,
                    duplicates = r.duplicates,
                    "settled incoming payments"
                );
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(source = source.name(), error = %e, "payment source failed this tick")
            }
        }
    }
    let expired = payments.expire_overdue()?;
    for _ in 0..OUTBOX_BATCHES_PER_TICK {
        let items = payments.claim_outbox(OUTBOX_BATCH)?;
        for item in &items {
            notifier.deliver(payments, item)?;
        }
        if items.len() < OUTBOX_BATCH as usize {
            return Ok(Ticked {
                expired,
                more_due: false,
            });
        }
    }
    Ok(Ticked {
        expired,
        more_due: true,
    })
}

/// Runs until `stop` turns true (or its sender is gone). A stop never cuts a tick short: it is
/// seen between ticks, so a claimed notification is always sent and logged before the end.
pub async fn run(
    payments: Payments,
    state: Arc<WorkerState>,
    tick: Duration,
    notifier: Notifier,
    sources: Vec<Arc<dyn PaymentSource>>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stop.changed() => {}
        }
        if stop.has_changed().is_err() || *stop.borrow() {
            tracing::info!("worker stopped between ticks");
            return;
        }
        let (p, n, s) = (payments.clone(), notifier.clone(), sources.clone());
        match blocking(move || tick_once(&p, &n, &s)).await {
            Ok(ticked) => {
                if ticked.expired > 0 {
                    tracing::info!(expired = ticked.expired, "expired overdue orders");
                }
                if ticked.more_due {
                    interval.reset_immediately();
                }
                state
                    .last_tick
                    .store(payments.now().unix_timestamp(), Ordering::Relaxed);
            }
            Err(e) => tracing::warn!(error = %e, "worker tick failed; retrying next tick"),
        }
    }
}
