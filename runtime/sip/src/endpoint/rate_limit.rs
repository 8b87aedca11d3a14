//! Per-source token buckets; a source over its budget gets `503` + Retry-After.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Rate limit settings (per source IP address).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Sustained requests per second per source.
    pub requests_per_second: f64,
    /// Burst size (bucket capacity).
    pub burst: f64,
    /// Seconds sent in Retry-After when refusing.
    pub retry_after_secs: u32,
}

/// Default sustained rate per source: generous for a carrier trunk's steady traffic.
pub const DEFAULT_REQUESTS_PER_SECOND: f64 = 2_000.0;
/// Default burst per source.
pub const DEFAULT_BURST: f64 = 4_000.0;
/// Default Retry-After seconds.
pub const DEFAULT_RETRY_AFTER_SECS: u32 = 5;
/// Sources tracked at once; beyond this, full (idle) buckets are forgotten first.
pub const MAX_TRACKED_SOURCES: usize = 65_536;

impl Default for RateLimit {
    fn default() -> RateLimit {
        RateLimit {
            requests_per_second: DEFAULT_REQUESTS_PER_SECOND,
            burst: DEFAULT_BURST,
            retry_after_secs: DEFAULT_RETRY_AFTER_SECS,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Sans-IO token buckets keyed by source address.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: HashMap<IpAddr, Bucket>,
}

impl RateLimiter {
    /// A limiter with `limit`.
    pub fn new(limit: RateLimit) -> RateLimiter {
        RateLimiter {
            limit,
            buckets: HashMap::new(),
        }
    }

    /// Takes one token for `source` at `now`; false when the source is over its budget.
    pub fn allow(&mut self, source: IpAddr, now: Instant) -> bool {
        if self.buckets.len() >= MAX_TRACKED_SOURCES && !self.buckets.contains_key(&source) {
            self.forget_idle(now);
        }
        let limit = self.limit;
        let bucket = self.buckets.entry(source).or_insert(Bucket {
            tokens: limit.burst,
            last: now,
        });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * limit.requests_per_second).min(limit.burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// The Retry-After value to send.
    pub fn retry_after(&self) -> Duration {
        Duration::from_secs(u64::from(self.limit.retry_after_secs))
    }

    fn forget_idle(&mut self, now: Instant) {
        let limit = self.limit;
        self.buckets.retain(|_, b| {
            let refill =
                now.saturating_duration_since(b.last).as_secs_f64() * limit.requests_per_second;
            b.tokens + refill < limit.burst
        });
        if self.buckets.len() >= MAX_TRACKED_SOURCES {
            // Everyone is busy: start over rather than grow without bound.
            self.buckets.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill() {
        let t0 = Instant::now();
        let mut rl = RateLimiter::new(RateLimit {
            requests_per_second: 10.0,
            burst: 3.0,
            retry_after_secs: 7,
        });
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(rl.allow(ip, t0));
        assert!(rl.allow(ip, t0));
        assert!(rl.allow(ip, t0));
        assert!(!rl.allow(ip, t0), "burst spent");
        assert!(rl.allow(other, t0), "other sources unaffected");
        assert!(
            rl.allow(ip, t0 + Duration::from_millis(100)),
            "one token back after 100 ms"
        );
        assert!(!rl.allow(ip, t0 + Duration::from_millis(100)));
        assert_eq!(rl.retry_after(), Duration::from_secs(7));
    }
}
