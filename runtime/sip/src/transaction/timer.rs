//! RFC 3261 timer values (Table 4).

use std::time::{Duration, Instant};

/// Base timer values; derived timers (A..M) come from these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// RTT estimate (default 500 ms).
    pub t1: Duration,
    /// Maximum retransmit interval for non-INVITE requests and INVITE responses (default 4 s).
    pub t2: Duration,
    /// Maximum time a message stays in the network (default 5 s).
    pub t4: Duration,
}

impl Default for Timers {
    fn default() -> Timers {
        Timers {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

impl Timers {
    /// 64·T1: timers B, F, H, J, L, M.
    pub fn transaction_timeout(&self) -> Duration {
        self.t1 * 64
    }

    /// Timer D: at least 32 s over unreliable transports, zero over reliable ones.
    pub fn timer_d(&self, reliable: bool) -> Duration {
        if reliable {
            Duration::ZERO
        } else {
            Duration::from_secs(32).max(self.t1 * 64)
        }
    }
}

/// A retransmission timer whose interval doubles up to a cap.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Backoff {
    pub(crate) at: Instant,
    pub(crate) interval: Duration,
    pub(crate) cap: Duration,
}

impl Backoff {
    pub(crate) fn start(now: Instant, first: Duration, cap: Duration) -> Backoff {
        Backoff {
            at: now + first,
            interval: first,
            cap,
        }
    }

    /// Advances after a firing: the next interval doubles up to the cap.
    pub(crate) fn fire(&mut self, now: Instant) {
        self.interval = (self.interval * 2).min(self.cap);
        self.at = now + self.interval;
    }
}

/// Earliest of several optional deadlines.
pub(crate) fn earliest(deadlines: &[Option<Instant>]) -> Option<Instant> {
    deadlines.iter().flatten().min().copied()
}

/// True when `deadline` is set and reached.
pub(crate) fn due(deadline: Option<Instant>, now: Instant) -> bool {
    deadline.is_some_and(|d| d <= now)
}
