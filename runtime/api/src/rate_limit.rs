//! Token buckets against abuse of the public widget route, sans-IO: every check is told
//! `now`, so tests run on a virtual clock. A bucket holds at most `burst` tokens and
//! regains one every `refill`; a request takes one or is refused with the time until the
//! next token.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// The shape of one family of buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketSpec {
    /// Requests allowed at once.
    pub burst: u32,
    /// Time to regain one request.
    pub refill: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Tokens as of `at`, fractional.
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn tokens_at(&self, spec: BucketSpec, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        let gained = elapsed / spec.refill.as_secs_f64().max(f64::MIN_POSITIVE);
        (self.tokens + gained).min(f64::from(spec.burst))
    }
}

/// Buckets by key (a widget key, a source address), at most `max_keys` of them: when the
/// table is full, buckets that have refilled completely (idle keys) are forgotten; if none
/// has, new keys are refused until one does, so memory stays bounded under a flood of
/// distinct sources.
#[derive(Debug)]
pub struct RateLimiter<K> {
    spec: BucketSpec,
    max_keys: usize,
    buckets: HashMap<K, Bucket>,
}

impl<K: Eq + Hash + Clone> RateLimiter<K> {
    /// Empty buckets of `spec`, for at most `max_keys` keys.
    pub fn new(spec: BucketSpec, max_keys: usize) -> Self {
        RateLimiter {
            spec,
            max_keys: max_keys.max(1),
            buckets: HashMap::new(),
        }
    }

    /// Takes a token of `key`'s bucket at `now`; `Err(wait)` when it is empty, with how
    /// long until it holds one again.
    pub fn check(&mut self, key: &K, now: Instant) -> Result<(), Duration> {
        let spec = self.spec;
        if spec.burst == 0 {
            return Err(spec.refill);
        }
        if !self.buckets.contains_key(key) && self.buckets.len() >= self.max_keys {
            self.buckets
                .retain(|_, bucket| bucket.tokens_at(spec, now) < f64::from(spec.burst));
            if self.buckets.len() >= self.max_keys {
                return Err(spec.refill);
            }
        }
        let bucket = self.buckets.entry(key.clone()).or_insert(Bucket {
            tokens: f64::from(spec.burst),
            at: now,
        });
        let tokens = bucket.tokens_at(spec, now);
        if tokens >= 1.0 {
            *bucket = Bucket {
                tokens: tokens - 1.0,
                at: now,
            };
            Ok(())
        } else {
            let missing = 1.0 - tokens;
            Err(spec.refill.mul_f64(missing))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use super::*;

    const SPEC: BucketSpec = BucketSpec {
        burst: 3,
        refill: Duration::from_secs(10),
    };

    #[test]
    fn a_burst_then_one_per_refill() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(SPEC, 10);
        for _ in 0..3 {
            assert_eq!(limiter.check(&"a", start), Ok(()));
        }
        assert_eq!(limiter.check(&"a", start), Err(Duration::from_secs(10)));
        // Another key has its own bucket.
        assert_eq!(limiter.check(&"b", start), Ok(()));
        let later = start + Duration::from_secs(4);
        let wait = limiter.check(&"a", later).unwrap_err();
        assert!(
            wait > Duration::from_secs(5) && wait <= Duration::from_secs(6),
            "{wait:?}"
        );
        assert_eq!(limiter.check(&"a", start + Duration::from_secs(10)), Ok(()));
        assert!(
            limiter
                .check(&"a", start + Duration::from_secs(10))
                .is_err()
        );
    }

    #[test]
    fn the_table_is_bounded_and_forgets_idle_keys() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(SPEC, 2);
        assert_eq!(limiter.check(&1, start), Ok(()));
        assert_eq!(limiter.check(&2, start), Ok(()));
        // Full of busy keys: a third source waits.
        assert!(limiter.check(&3, start).is_err());
        // Once the first two have refilled, they make room.
        assert_eq!(limiter.check(&3, start + Duration::from_secs(10)), Ok(()));
        assert!(limiter.buckets.len() <= 2);
    }
}
