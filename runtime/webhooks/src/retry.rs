//! When to try a delivery again: exponential backoff, capped, a bounded number of attempts.
//! Sans-IO: told the time of each failure, it answers with the time of the next attempt.

use std::time::{Duration, Instant};

/// The first wait after a failed attempt; each further wait doubles it.
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Attempts per event, the first included: 1 s, 2 s, 4 s, 8 s, 16 s apart, so a receiver
/// that is down for about half a minute still gets the event.
pub const MAX_ATTEMPTS: u32 = 6;

/// How a delivery is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failure.
    pub first_backoff: Duration,
    /// The longest wait.
    pub max_backoff: Duration,
    /// Attempts per event, the first included (at least 1).
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first_backoff: FIRST_BACKOFF,
            max_backoff: MAX_BACKOFF,
            max_attempts: MAX_ATTEMPTS,
        }
    }
}

impl RetryPolicy {
    /// The wait after the `failures`-th failed attempt (1-based): `first × 2^(failures-1)`,
    /// capped at `max_backoff`.
    pub fn backoff(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.first_backoff
            .saturating_mul(1_u32 << doublings)
            .min(self.max_backoff)
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextAttempt {
    /// Try again at this time.
    At(Instant),
    /// That was the last attempt: give the event up.
    GiveUp,
}

/// One event's attempts so far.
#[derive(Debug, Clone)]
pub struct RetrySchedule {
    policy: RetryPolicy,
    failures: u32,
}

impl RetrySchedule {
    /// A delivery not yet attempted.
    pub fn new(policy: RetryPolicy) -> RetrySchedule {
        RetrySchedule {
            policy,
            failures: 0,
        }
    }

    /// Attempts that failed so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Records an attempt that failed at `now`.
    pub fn failed(&mut self, now: Instant) -> NextAttempt {
        self.failures = self.failures.saturating_add(1);
        if self.failures >= self.policy.max_attempts.max(1) {
            NextAttempt::GiveUp
        } else {
            NextAttempt::At(now + self.policy.backoff(self.failures))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A virtual clock: the schedule only ever sees the times it is given.
    struct Clock(Instant);

    impl Clock {
        fn advance_to(&mut self, at: Instant) -> Instant {
            self.0 = at;
            at
        }
    }

    #[test]
    fn waits_double_from_one_second_and_the_sixth_failure_gives_up() {
        let mut clock = Clock(Instant::now());
        let start = clock.0;
        let mut schedule = RetrySchedule::new(RetryPolicy::default());
        let mut waits = Vec::new();
        loop {
            let now = clock.0;
            match schedule.failed(now) {
                NextAttempt::At(at) => {
                    waits.push(at - now);
                    clock.advance_to(at);
                }
                NextAttempt::GiveUp => break,
            }
        }
        let secs: Vec<u64> = waits.iter().map(Duration::as_secs).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 16]);
        assert_eq!(schedule.failures(), MAX_ATTEMPTS);
        assert_eq!(clock.0 - start, Duration::from_secs(31));
    }

    #[test]
    fn waits_are_capped_and_never_overflow() {
        let policy = RetryPolicy {
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(10),
            max_attempts: u32::MAX,
        };
        assert_eq!(policy.backoff(4), Duration::from_secs(8));
        assert_eq!(policy.backoff(5), Duration::from_secs(10));
        assert_eq!(policy.backoff(200), Duration::from_secs(10));
        let mut schedule = RetrySchedule::new(policy);
        let now = Instant::now();
        for _ in 0..100 {
            assert!(
                matches!(schedule.failed(now), NextAttempt::At(at) if at - now <= Duration::from_secs(10))
            );
        }
    }

    #[test]
    fn one_attempt_means_no_retry() {
        for max_attempts in [0, 1] {
            let mut schedule = RetrySchedule::new(RetryPolicy {
                max_attempts,
                ..RetryPolicy::default()
            });
            assert_eq!(schedule.failed(Instant::now()), NextAttempt::GiveUp);
        }
    }
}
