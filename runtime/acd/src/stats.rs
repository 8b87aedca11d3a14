//! Service-level counters for one queue.

use std::time::Duration;

/// Counters since the queue was created. The server persists CDRs for real
/// reports; these feed live dashboards and the wait estimate's sanity checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServiceStats {
    /// Callers that joined (including ones overflowed at once).
    pub joined: u64,
    /// Live callers bridged to an agent.
    pub answered: u64,
    /// Of `answered`, those answered within the service-level threshold.
    pub answered_within_threshold: u64,
    /// Live callers that hung up while waiting.
    pub abandoned: u64,
    /// Callers sent to the overflow action.
    pub overflowed: u64,
    /// Callback tasks created: callers who pressed the callback key, plus tasks
    /// added with `Queue::add_callback_task` (website requests, reloads).
    pub callbacks_requested: u64,
    /// Callback tasks handed to an agent.
    pub callbacks_started: u64,
    /// Offers that rang out or were declined.
    pub offers_missed: u64,
    /// Total wait of answered live callers.
    pub total_answered_wait: Duration,
}

impl ServiceStats {
    /// Share of answered calls answered within the threshold, in 0..=1;
    /// `None` before any call was answered.
    pub fn service_level(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.answered_within_threshold as f64 / self.answered as f64)
    }
}
