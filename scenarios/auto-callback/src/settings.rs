//! The route configuration of `auto-callback` (see `config.json`) and the call variables it
//! reads.

use serde::Deserialize;

/// Tries to reach the customer before giving up, unless the route says otherwise.
pub(crate) const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// Hard ceiling on attempts, whatever a route configures: a customer is never called
/// more often than this for one missed call.
pub(crate) const MAX_ATTEMPTS_CEILING: u32 = 10;

/// Everything a route configures.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct Settings {
    /// Tries to reach the customer (this call counts as the `attempt` variable says).
    pub(crate) max_attempts: u32,
    /// Delay before the next try.
    pub(crate) retry_after_seconds: i64,
    /// How long the customer's phone rings.
    pub(crate) ring_timeout_seconds: u32,
    /// Key the agent presses to accept the callback.
    pub(crate) accept_key: String,
    /// How often the offer is repeated to a silent agent.
    pub(crate) offer_tries: u8,
    /// Wait for the agent's key.
    pub(crate) offer_timeout_ms: u32,
    /// Queue whose agents get the retry, unless the call names one (`queue` variable).
    pub(crate) queue: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            retry_after_seconds: 900,
            ring_timeout_seconds: 30,
            accept_key: "1".to_owned(),
            offer_tries: 2,
            offer_timeout_ms: 6_000,
            queue: "callbacks".to_owned(),
        }
    }
}

impl Settings {
    /// The configured attempts, bounded by [`MAX_ATTEMPTS_CEILING`].
    pub(crate) fn attempts(&self) -> u32 {
        self.max_attempts.clamp(1, MAX_ATTEMPTS_CEILING)
    }
}

/// What the origination tells this call (call variables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Task {
    /// The missed caller's number.
    pub(crate) customer: String,
    /// 1 for the first try.
    pub(crate) attempt: u32,
    /// Queue (or agent group) the callback belongs to.
    pub(crate) queue: Option<String>,
    /// Why the customer called (shown in logs and the retry's reason).
    pub(crate) reason: String,
}

impl Task {
    /// Reads the variables; `None` without a customer number.
    pub(crate) fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let customer = var("customer").filter(|number| !number.trim().is_empty())?;
        let attempt = var("attempt").and_then(|text| text.trim().parse().ok()).unwrap_or(1).max(1);
        Some(Self {
            customer,
            attempt,
            queue: var("queue").or_else(|| var("agent")),
            reason: var("reason").unwrap_or_else(|| "missed call".to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn variables_become_a_task() {
        let task = Task::from_vars(vars(&[("customer", "+359888777666"), ("attempt", "2"), ("agent", "201")])).unwrap();
        assert_eq!(task.customer, "+359888777666");
        assert_eq!(task.attempt, 2);
        assert_eq!(task.queue.as_deref(), Some("201"));
        assert_eq!(task.reason, "missed call");
        let first = Task::from_vars(vars(&[("customer", "+359888777666"), ("attempt", "x")])).unwrap();
        assert_eq!(first.attempt, 1);
        assert!(Task::from_vars(vars(&[("attempt", "1")])).is_none());
        assert!(Task::from_vars(vars(&[("customer", " ")])).is_none());
    }

    #[test]
    fn attempts_are_bounded() {
        let shipped: Settings = wasmphony_guest::config::parse(include_str!("../config.json")).unwrap();
        assert_eq!(shipped.attempts(), 3);
        let greedy = Settings { max_attempts: 1_000, ..Settings::default() };
        assert_eq!(greedy.attempts(), MAX_ATTEMPTS_CEILING);
        let zero = Settings { max_attempts: 0, ..Settings::default() };
        assert_eq!(zero.attempts(), 1);
    }
}
