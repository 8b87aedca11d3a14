//! The route configuration of `voice-order` (see `config.json`).

use order_flow::{BranchChoice, OrderSettings};
use serde::Deserialize;

/// Everything a route configures.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Settings {
    /// Played after answering.
    #[serde(default = "default_welcome")]
    pub(crate) welcome: String,
    /// Branches the caller chooses from (the question is skipped when there is one).
    pub(crate) branches: Vec<BranchChoice>,
    /// The ordering dialogue.
    #[serde(default)]
    pub(crate) order: OrderSettings,
}

fn default_welcome() -> String {
    "order-welcome".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_configuration_names_three_branches() {
        let settings: Settings = wasmphony_guest::config::parse(include_str!("../config.json")).unwrap();
        let keys: Vec<_> = settings.branches.iter().map(|b| (b.key.as_str(), b.id.as_str())).collect();
        assert_eq!(keys, [("1", "center"), ("2", "mall"), ("3", "airport")]);
        assert_eq!(settings.order.status, "self-service");
        assert_eq!(settings.welcome, "order-welcome");
        let airport = &settings.branches[2];
        assert!(airport.hours.as_ref().is_some_and(|h| h.is_open_at(2, 3 * 60)));
    }
}
