//! Why a scenario instance stopped before finishing its call.

use std::time::Duration;

/// A guest failure. Whatever the reason, the caller is handed to the route's
/// fallback; this value is what the call's timeline and metrics report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioFailure {
    #[error("guest trapped: {0}")]
    Trap(String),
    #[error("guest ran longer than its CPU budget of {0:?} without a host call")]
    CpuBudget(Duration),
    #[error("guest tried to grow its memory past the {0}-byte cap")]
    Memory(usize),
    #[error("guest overflowed its stack (unbounded recursion)")]
    StackOverflow,
    #[error("guest wrote more than {0} log lines")]
    LogFlood(u32),
    #[error("guest returned an error: {0}")]
    GuestError(String),
    #[error("tenant already runs {0} scenario instances (its cap)")]
    InstanceLimit(u32),
    #[error("component could not be instantiated: {0}")]
    Instantiate(String),
}

impl ScenarioFailure {
    /// A short machine-readable name, for metrics and simulator expectations.
    pub fn kind(&self) -> &'static str {
        match self {
            ScenarioFailure::Trap(_) => "trap",
            ScenarioFailure::CpuBudget(_) => "cpu",
            ScenarioFailure::Memory(_) => "memory",
            ScenarioFailure::StackOverflow => "stack",
            ScenarioFailure::LogFlood(_) => "log-flood",
            ScenarioFailure::GuestError(_) => "error",
            ScenarioFailure::InstanceLimit(_) => "instance-limit",
            ScenarioFailure::Instantiate(_) => "instantiate",
        }
    }
}
