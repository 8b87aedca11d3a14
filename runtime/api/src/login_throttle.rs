//! Login attempt limits, sans-IO: token buckets per source address and per (tenant, user)
//! name, told `now`. A source that guesses many users and a user guessed from many sources
//! both run dry; an attempt counts against both, refused attempts against neither.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;

use wasmphony_store::UnixMs;

/// One token bucket's shape: `burst` attempts at once, then one more every `refill_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketShape {
    /// Attempts allowed back to back.
    pub burst: u32,
    /// Milliseconds until one more attempt is allowed.
    pub refill_ms: i64,
}

/// Per source address: ten at once, then one every six seconds (ten a minute).
pub const PER_SOURCE: BucketShape = BucketShape {
    burst: 10,
    refill_ms: 6_000,
};

/// Per user name within a tenant: five at once, then one a minute.
pub const PER_USER: BucketShape = BucketShape {
    burst: 5,
    refill_ms: 60_000,
};

/// Most keys each table tracks. When it is full, buckets that have refilled are forgotten;
/// if none has, a new key is refused (fails closed) until one does.
pub const MAX_TRACKED_KEYS: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: u32,
    /// When `tokens` was last brought up to date.
    updated: UnixMs,
}

impl Bucket {
    fn full(shape: BucketShape, now: UnixMs) -> Bucket {
        Bucket {
            tokens: shape.burst,
            updated: now,
        }
    }

    /// Adds the tokens earned since `updated`.
    fn refill(&mut self, shape: BucketShape, now: UnixMs) {
        let elapsed = now.0.saturating_sub(self.updated.0).max(0);
        let earned = elapsed / shape.refill_ms.max(1);
        if earned == 0 {
            return;
        }
        let tokens = i64::from(self.tokens).saturating_add(earned);
        if tokens >= i64::from(shape.burst) {
            *self = Bucket::full(shape, now);
        } else {
            self.tokens = u32::try_from(tokens).unwrap_or(shape.burst);
            self.updated = self.updated.plus_ms(earned * shape.refill_ms);
        }
    }

    /// Milliseconds until the next token (only meaningful when empty).
    fn wait_ms(&self, shape: BucketShape, now: UnixMs) -> i64 {
        (shape.refill_ms - now.0.saturating_sub(self.updated.0)).clamp(1, shape.refill_ms)
    }
}

/// Buckets of one shape by key, at most [`MAX_TRACKED_KEYS`].
#[derive(Debug)]
struct Buckets<K> {
    shape: BucketShape,
    buckets: HashMap<K, Bucket>,
}

impl<K: Hash + Eq + Clone> Buckets<K> {
    fn new(shape: BucketShape) -> Self {
        Buckets {
            shape,
            buckets: HashMap::new(),
        }
    }

    /// `Err(wait)` if `key` has no token at `now`; takes nothing.
    fn check(&mut self, key: &K, now: UnixMs) -> Result<(), i64> {
        let shape = self.shape;
        if let Some(bucket) = self.buckets.get_mut(key) {
            bucket.refill(shape, now);
            return if bucket.tokens > 0 {
                Ok(())
            } else {
                Err(bucket.wait_ms(shape, now))
            };
        }
        if self.buckets.len() >= MAX_TRACKED_KEYS {
            self.buckets.retain(|_, bucket| {
                bucket.refill(shape, now);
                bucket.tokens < shape.burst
            });
            if self.buckets.len() >= MAX_TRACKED_KEYS {
                return Err(shape.refill_ms);
            }
        }
        Ok(())
    }

    /// Takes one token (after a successful [`Buckets::check`]).
    fn take(&mut self, key: K, now: UnixMs) {
        let shape = self.shape;
        let bucket = self
            .buckets
            .entry(key)
            .or_insert_with(|| Bucket::full(shape, now));
        bucket.tokens = bucket.tokens.saturating_sub(1);
    }
}

/// A refused attempt: how long until the next one may be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter {
    /// Milliseconds to wait.
    pub ms: i64,
}

impl RetryAfter {
    /// The wait in whole seconds, rounded up (for the `Retry-After` header).
    pub fn seconds(self) -> i64 {
        (self.ms + 999) / 1000
    }
}

/// The login attempt limits of one API server.
#[derive(Debug)]
pub struct LoginThrottle {
    per_source: Buckets<Option<IpAddr>>,
    per_user: Buckets<(String, String)>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle::new(PER_SOURCE, PER_USER)
    }
}

impl LoginThrottle {
    /// Limits with these shapes.
    pub fn new(per_source: BucketShape, per_user: BucketShape) -> LoginThrottle {
        LoginThrottle {
            per_source: Buckets::new(per_source),
            per_user: Buckets::new(per_user),
        }
    }

    /// Counts one login attempt from `source` (`None`: unknown, all such share a bucket)
    /// for `user` of `tenant` (compared case-insensitively), or refuses it.
    pub fn attempt(
        &mut self,
        source: Option<IpAddr>,
        tenant: &str,
        user: &str,
        now: UnixMs,
    ) -> Result<(), RetryAfter> {
        let user_key = (tenant.trim().to_lowercase(), user.trim().to_lowercase());
        let source_wait = self.per_source.check(&source, now).err();
        let user_wait = self.per_user.check(&user_key, now).err();
        if source_wait.is_some() || user_wait.is_some() {
            let ms = source_wait.unwrap_or(0).max(user_wait.unwrap_or(0));
            return Err(RetryAfter { ms });
        }
        self.per_source.take(source, now);
        self.per_user.take(user_key, now);
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use super::*;

    const SHAPE: BucketShape = BucketShape {
        burst: 3,
        refill_ms: 1_000,
    };

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([10, 0, 0, last]))
    }

    #[test]
    fn a_user_gets_a_burst_then_one_per_refill() {
        let mut throttle = LoginThrottle::new(PER_SOURCE, SHAPE);
        let t0 = UnixMs(1_000_000);
        for n in 0..3 {
            assert!(throttle.attempt(ip(n), "acme", "101", t0).is_ok());
        }
        // From a fourth address: the user's bucket is what is empty.
        let refused = throttle.attempt(ip(9), "ACME", " 101", t0).unwrap_err();
        assert_eq!(refused, RetryAfter { ms: 1_000 });
        assert_eq!(refused.seconds(), 1);
        let refused = throttle.attempt(ip(9), "acme", "101", t0.plus_ms(400));
        assert_eq!(refused, Err(RetryAfter { ms: 600 }));
        assert!(
            throttle
                .attempt(ip(9), "acme", "101", t0.plus_ms(1_000))
                .is_ok()
        );
        assert!(
            throttle
                .attempt(ip(9), "acme", "101", t0.plus_ms(1_500))
                .is_err()
        );
        // Another user is not affected.
        assert!(
            throttle
                .attempt(ip(9), "acme", "102", t0.plus_ms(1_500))
                .is_ok()
        );
        // Long after, the full burst is back, not more.
        let later = t0.plus_ms(3_600_000);
        for _ in 0..3 {
            assert!(throttle.attempt(ip(20), "acme", "101", later).is_ok());
        }
        assert!(throttle.attempt(ip(20), "acme", "101", later).is_err());
    }

    #[test]
    fn a_source_guessing_many_users_runs_dry_and_refused_attempts_cost_nothing() {
        let mut throttle = LoginThrottle::new(SHAPE, PER_USER);
        let t0 = UnixMs(0);
        for n in 0..3 {
            assert!(
                throttle
                    .attempt(ip(1), "acme", &format!("u{n}"), t0)
                    .is_ok()
            );
        }
        assert_eq!(
            throttle.attempt(ip(1), "acme", "victim", t0),
            Err(RetryAfter { ms: 1_000 })
        );
        // The refused attempt took nothing from the victim's bucket: five remain for it.
        for _ in 0..3 {
            assert!(throttle.attempt(ip(2), "acme", "victim", t0).is_ok());
        }
        assert!(throttle.attempt(ip(3), "acme", "victim", t0).is_ok());
        assert!(throttle.attempt(ip(3), "acme", "victim", t0).is_ok());
        assert!(throttle.attempt(ip(4), "acme", "victim", t0).is_err());
    }

    #[test]
    fn the_tables_stay_bounded_and_fail_closed_when_full() {
        let generous = BucketShape {
            burst: u32::MAX,
            refill_ms: 1,
        };
        let mut throttle = LoginThrottle::new(generous, SHAPE);
        let t0 = UnixMs(0);
        for n in 0..MAX_TRACKED_KEYS {
            assert!(throttle.attempt(None, "acme", &n.to_string(), t0).is_ok());
        }
        // Full of buckets that have not refilled: a new name waits.
        assert_eq!(
            throttle.attempt(None, "acme", "fresh", t0),
            Err(RetryAfter { ms: 1_000 })
        );
        assert_eq!(throttle.per_user.buckets.len(), MAX_TRACKED_KEYS);
        // Once they have refilled, they are forgotten to make room.
        assert!(
            throttle
                .attempt(None, "acme", "fresh", t0.plus_ms(1_000))
                .is_ok()
        );
        assert_eq!(throttle.per_user.buckets.len(), 1);
    }
}
