//! Throttling of wrong shop keys, per client and shop: a brute force of one shop's key from one
//! client stalls, while every other client and shop goes on unhindered.

use crate::ShopId;
use std::collections::HashMap;
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

/// Limits of the key throttle.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleConfig {
    /// Wrong keys allowed in one window before the client is locked out for that shop.
    pub max_failures: u32,
    /// The window failures are counted in, and how long a lock-out lasts.
    pub window: Duration,
    /// Entries kept at most; past that the stale ones are dropped (bounded memory under attack).
    pub max_entries: usize,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            max_failures: 10,
            window: Duration::minutes(5),
            max_entries: 100_000,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    since: OffsetDateTime,
}

/// Counts wrong keys per (client, shop).
///
/// [`Payments`](crate::Payments) keeps one and consults it in every call that takes
/// credentials; it is in memory, so each server process counts on its own.
///
/// ```
/// use payments_core::{KeyThrottle, ShopId, ThrottleConfig};
/// use time::OffsetDateTime;
/// # fn main() -> Result<(), payments_core::IdError> {
/// let throttle = KeyThrottle::new(ThrottleConfig { max_failures: 2, ..ThrottleConfig::default() });
/// let (shop, now) = (ShopId::parse("101")?, OffsetDateTime::UNIX_EPOCH);
/// throttle.failed("203.0.113.7", shop, now);
/// assert_eq!(throttle.check("203.0.113.7", shop, now), Ok(()));
/// throttle.failed("203.0.113.7", shop, now);
/// assert_eq!(throttle.check("203.0.113.7", shop, now), Err(300)); // locked out for 5 minutes
/// assert_eq!(throttle.check("198.51.100.1", shop, now), Ok(())); // other clients are not
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default)]
pub struct KeyThrottle {
    config: ThrottleConfig,
    entries: Mutex<HashMap<(String, ShopId), Entry>>,
}

impl KeyThrottle {
    /// An empty throttle with these limits.
    pub fn new(config: ThrottleConfig) -> KeyThrottle {
        KeyThrottle {
            config,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut HashMap<(String, ShopId), Entry>) -> R) -> R {
        let mut guard = match self.entries.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// `Err(seconds to wait)` while this client is locked out of this shop.
    pub fn check(&self, client: &str, shop: ShopId, now: OffsetDateTime) -> Result<(), u64> {
        let window = self.config.window;
        let max = self.config.max_failures;
        self.with(|map| match map.get(&(client.to_owned(), shop)) {
            Some(e) if e.failures >= max && now < e.since + window => Err((e.since + window - now)
                .whole_seconds()
                .max(1)
                .unsigned_abs()),
            _ => Ok(()),
        })
    }

    /// Counts a wrong key from this client for this shop.
    pub fn failed(&self, client: &str, shop: ShopId, now: OffsetDateTime) {
        let config = self.config;
        self.with(|map| {
            if map.len() >= config.max_entries {
                map.retain(|_, e| now < e.since + config.window);
            }
            if map.len() >= config.max_entries {
                // Still full of live entries: forget the oldest half rather than grow without bound.
                let mut times: Vec<_> = map.values().map(|e| e.since).collect();
                times.sort();
                let cut = times[times.len() / 2];
                map.retain(|_, e| e.since > cut);
            }
            let e = map.entry((client.to_owned(), shop)).or_insert(Entry {
                failures: 0,
                since: now,
            });
            if now >= e.since + config.window {
                *e = Entry {
                    failures: 0,
                    since: now,
                };
            }
            e.failures += 1;
            if e.failures == config.max_failures {
                // The lock-out runs a full window from the failure that caused it.
                e.since = now;
            }
        });
    }

    /// A right key: forgets this client's failures for this shop.
    pub fn succeeded(&self, client: &str, shop: ShopId) {
        self.with(|map| map.remove(&(client.to_owned(), shop)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_one_client_for_one_shop() {
        let t = KeyThrottle::new(ThrottleConfig {
            max_failures: 3,
            ..ThrottleConfig::default()
        });
        let now = OffsetDateTime::UNIX_EPOCH;
        let (a, b) = (ShopId(1), ShopId(2));
        for _ in 0..3 {
            assert!(t.check("1.2.3.4", a, now).is_ok());
            t.failed("1.2.3.4", a, now);
        }
        assert_eq!(t.check("1.2.3.4", a, now), Err(300));
        assert!(t.check("1.2.3.4", b, now).is_ok(), "other shop unaffected");
        assert!(
            t.check("5.6.7.8", a, now).is_ok(),
            "other client unaffected"
        );
        assert!(
            t.check("1.2.3.4", a, now + Duration::minutes(5)).is_ok(),
            "lock-out ends"
        );
    }

    #[test]
    fn success_clears_and_memory_is_bounded() {
        let t = KeyThrottle::new(ThrottleConfig {
            max_failures: 2,
            max_entries: 100,
            ..ThrottleConfig::default()
        });
        let now = OffsetDateTime::UNIX_EPOCH;
        t.failed("c", ShopId(1), now);
        t.succeeded("c", ShopId(1));
        t.failed("c", ShopId(1), now);
        assert!(t.check("c", ShopId(1), now).is_ok());
        for i in 0..1000 {
            t.failed(&format!("client{i}"), ShopId(1), now);
        }
        assert!(t.with(|m| m.len()) <= 100);
    }
}
