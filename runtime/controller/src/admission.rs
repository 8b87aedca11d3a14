//! Admission by rate: new calls beyond the configured calls per second are
//! refused at once (`503` + Retry-After) instead of being queued into a backlog
//! that makes every call late. A token bucket, told the time.

#[cfg(test)]
use std::time::Duration;
use std::time::Instant;

/// A token bucket of new calls.
#[derive(Debug)]
pub(crate) struct CallRate {
    per_second: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl CallRate {
    /// `per_second` sustained, bursts of up to one second's worth.
    pub(crate) fn new(per_second: u32, now: Instant) -> CallRate {
        let per_second = f64::from(per_second.max(1));
        CallRate {
            per_second,
            burst: per_second,
            tokens: per_second,
            last: now,
        }
    }

    /// Takes one call's token; false when the rate is exceeded.
    pub(crate) fn try_admit(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last);
        self.last = now;
        self.tokens = (self.tokens + elapsed.as_secs_f64() * self.per_second).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// How long until the next call would be admitted.
    #[cfg(test)]
    fn wait(&self) -> Duration {
        let missing = (1.0 - self.tokens).max(0.0);
        Duration::from_secs_f64(missing / self.per_second)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_a_burst_then_the_sustained_rate() {
        let start = Instant::now();
        let mut rate = CallRate::new(100, start);
        let burst = (0..150).filter(|_| rate.try_admit(start)).count();
        assert_eq!(burst, 100, "one second's worth at once");
        assert!(rate.wait() > Duration::ZERO);
        // Over the next 2 s, offered 1,000 calls evenly: about 200 get in.
        let mut admitted = 0;
        for i in 1..=1_000u64 {
            if rate.try_admit(start + Duration::from_millis(2 * i)) {
                admitted += 1;
            }
        }
        assert!((199..=201).contains(&admitted), "{admitted}");
    }

    #[test]
    fn an_idle_bucket_refills_only_to_the_burst() {
        let start = Instant::now();
        let mut rate = CallRate::new(10, start);
        let later = start + Duration::from_secs(3_600);
        let admitted = (0..100).filter(|_| rate.try_admit(later)).count();
        assert_eq!(admitted, 10);
    }

    #[test]
    fn time_going_backwards_is_harmless() {
        let start = Instant::now() + Duration::from_secs(10);
        let mut rate = CallRate::new(1, start);
        assert!(rate.try_admit(start));
        assert!(!rate.try_admit(start - Duration::from_secs(5)));
    }
}
