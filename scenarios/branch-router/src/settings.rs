//! The route configuration of `branch-router` (see `config.json`).

use order_flow::{BranchChoice, OrderSettings};
use serde::Deserialize;
use wasmphony_guest::Schedule;

/// Default number of tries at the branch menu.
pub(crate) const DEFAULT_MENU_ATTEMPTS: u8 = 3;
/// Default ring time of the branch's agents and of its backup phone.
pub(crate) const DEFAULT_RING_TIMEOUT_SECONDS: u32 = 20;

/// Everything a route configures.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Settings {
    /// Played after answering.
    pub(crate) greeting: String,
    /// Names the branches and their keys.
    pub(crate) choose_prompt: String,
    /// Played when the caller picks a branch that is closed now.
    pub(crate) closed_prompt: String,
    /// Tries at the branch menu before the first open branch is taken.
    #[serde(default = "default_menu_attempts")]
    pub(crate) menu_attempts: u8,
    /// How long the branch's agents ring (together).
    #[serde(default = "default_ring_timeout")]
    pub(crate) ring_timeout_seconds: u32,
    /// How long the backup phone rings.
    #[serde(default = "default_ring_timeout")]
    pub(crate) backup_ring_timeout_seconds: u32,
    /// The chain's branches.
    pub(crate) branches: Vec<Branch>,
    /// The self-ordering dialogue, the last fallback.
    #[serde(default)]
    pub(crate) order: OrderSettings,
}

/// One restaurant of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct Branch {
    /// Stable id (`center`), kept on the caller's card as `last-branch`.
    pub(crate) id: String,
    /// Key at the branch menu.
    pub(crate) key: String,
    /// Prompt naming the branch.
    pub(crate) prompt: String,
    /// Opening hours: calls are routed to open branches only.
    pub(crate) hours: Schedule,
    /// Extensions of the branch's staff, rung together.
    pub(crate) agents: Vec<String>,
    /// A mobile or other phone rung when no agent answers.
    #[serde(default)]
    pub(crate) backup: Option<String>,
}

impl Settings {
    /// Checks what serde cannot: branches exist, keys and ids are unique, everyone has agents.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let choices: Vec<_> = self.branches.iter().map(Branch::choice).collect();
        order_flow::validate_branches(&choices)?;
        match self.branches.iter().find(|branch| branch.agents.is_empty()) {
            Some(branch) => Err(format!("branch `{}` has no agents", branch.id)),
            None => Ok(()),
        }
    }
}

impl Branch {
    /// The branch as the ordering dialogue sees it (bookings only within its hours).
    pub(crate) fn choice(&self) -> BranchChoice {
        BranchChoice {
            id: self.id.clone(),
            key: self.key.clone(),
            prompt: self.prompt.clone(),
            hours: Some(self.hours.clone()),
        }
    }
}

fn default_menu_attempts() -> u8 {
    DEFAULT_MENU_ATTEMPTS
}

fn default_ring_timeout() -> u32 {
    DEFAULT_RING_TIMEOUT_SECONDS
}
