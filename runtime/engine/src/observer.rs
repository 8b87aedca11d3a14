//! What the host tells its operator about guests: how long instantiation took and why a
//! guest failed. The server turns these into metrics; the engine knows nothing of them.

use std::time::Duration;

use crate::failure::ScenarioFailure;

/// Told of every instantiation and every guest failure, on the call's own task: keep it
/// cheap (an atomic add, not a lock or I/O).
pub trait HostObserver: Send + Sync {
    /// A component was instantiated for a call or a timer wake-up in `elapsed`.
    fn instantiated(&self, elapsed: Duration);
    /// A guest stopped early ([`ScenarioFailure::kind`] names the reason).
    fn guest_failed(&self, failure: &ScenarioFailure);
}

/// The observer of a host nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unobserved;

impl HostObserver for Unobserved {
    fn instantiated(&self, _: Duration) {}
    fn guest_failed(&self, _: &ScenarioFailure) {}
}
