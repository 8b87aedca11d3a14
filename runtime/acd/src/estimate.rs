//! Estimated wait from a moving window of recent handle times.

use crate::limits::HANDLE_TIME_WINDOW;
use std::collections::VecDeque;
use std::time::Duration;

/// The last [`HANDLE_TIME_WINDOW`] handle times (talk plus wrap-up).
#[derive(Debug, Clone)]
pub(crate) struct HandleTimes {
    recent: VecDeque<Duration>,
    default: Duration,
}

impl HandleTimes {
    pub(crate) fn new(default: Duration) -> Self {
        HandleTimes {
            recent: VecDeque::with_capacity(HANDLE_TIME_WINDOW),
            default,
        }
    }

    pub(crate) fn record(&mut self, handle_time: Duration) {
        if self.recent.len() == HANDLE_TIME_WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back(handle_time);
    }

    /// Mean of the window, or the configured default before any data.
    pub(crate) fn average(&self) -> Duration {
        let count = u32::try_from(self.recent.len()).unwrap_or(u32::MAX);
        if count == 0 {
            return self.default;
        }
        self.recent.iter().sum::<Duration>() / count
    }

    /// Expected wait for the caller at 1-based `position` when `staffed` agents
    /// work the queue: each agent frees up once per average handle time, so the
    /// caller is served after `position / staffed` handle times (rounded up).
    pub(crate) fn estimate_wait(&self, position: usize, staffed: usize) -> Duration {
        let staffed = staffed.max(1);
        let rounds = u32::try_from(position.div_ceil(staffed)).unwrap_or(u32::MAX);
        self.average().saturating_mul(rounds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_applies_until_data_arrives_and_old_data_ages_out() {
        let mut times = HandleTimes::new(Duration::from_secs(180));
        assert_eq!(times.average(), Duration::from_secs(180));
        for _ in 0..HANDLE_TIME_WINDOW {
            times.record(Duration::from_secs(600));
        }
        assert_eq!(times.average(), Duration::from_secs(600));
        for _ in 0..HANDLE_TIME_WINDOW {
            times.record(Duration::from_secs(60));
        }
        assert_eq!(times.average(), Duration::from_secs(60));
    }

    #[test]
    fn the_wait_grows_with_position_and_shrinks_with_staffing() {
        let times = HandleTimes::new(Duration::from_secs(100));
        assert_eq!(times.estimate_wait(1, 3), Duration::from_secs(100));
        assert_eq!(times.estimate_wait(3, 3), Duration::from_secs(100));
        assert_eq!(times.estimate_wait(4, 3), Duration::from_secs(200));
        assert_eq!(times.estimate_wait(2, 0), Duration::from_secs(200));
    }
}
