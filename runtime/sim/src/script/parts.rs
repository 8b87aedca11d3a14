//! The parts of a script that describe the world around the scenario: the
//! caller, what they do, and how dial targets and queues behave.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::short_or_long::short_or_long;

use crate::time::Seconds;

/// Who calls.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Caller {
    /// The caller's number as the host would normalise it.
    pub number: String,
    /// Caller name from signalling.
    #[serde(default)]
    pub name: Option<String>,
    /// Present when the caller has a customer card.
    #[serde(default)]
    pub contact: Option<ContactCard>,
}

/// The caller's customer card, as the tenant's contacts hold it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactCard {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    /// Extension of the employee responsible for this customer.
    #[serde(default)]
    pub assigned_manager: Option<String>,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Earlier calls, most recent first.
    #[serde(default)]
    pub history: Vec<PastCall>,
}

/// One earlier call on the caller's card.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PastCall {
    /// How it ended (`answered`, `missed`, …).
    pub disposition: String,
    /// The tenant number that was dialed (default: this script's `dialed`).
    #[serde(default)]
    pub dialed: Option<String>,
    /// How many days before this call it happened.
    #[serde(default)]
    pub days_ago: u32,
    #[serde(default)]
    pub talk: u32,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// One thing the caller does at a moment of the call.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    /// When, in seconds after the call arrived.
    pub at: Seconds,
    /// Keys to press (several keys: [`crate::KEY_SPACING_MS`] apart).
    #[serde(default)]
    pub press: Option<String>,
    /// `true`: the caller hangs up.
    #[serde(default)]
    pub hangup: Option<bool>,
}

/// How a dial target behaves when rung.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetBehaviour {
    /// `busy` or `no-answer`.
    Simple(TargetState),
    /// `{ answer_after: 3, talk: 45 }`.
    Answers(Answering),
}

/// The short forms of [`TargetBehaviour`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetState {
    Busy,
    NoAnswer,
}

/// A target (or queue agent) that answers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answering {
    /// Seconds of ringing before the answer.
    pub answer_after: Seconds,
    /// Seconds the conversation lasts before the agent hangs up
    /// (default [`crate::DEFAULT_TALK_SECONDS`]).
    #[serde(default)]
    pub talk: Option<Seconds>,
}

/// How a queue behaves when the scenario puts the caller into it.
#[derive(Debug, Clone, PartialEq)]
pub enum QueueBehaviour {
    /// `overflow` (nobody answers before the wait limit) or `full` (the
    /// queue refuses the caller at once).
    Simple(QueueState),
    Detailed(QueueSetup),
}

/// The short forms of [`QueueBehaviour`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QueueState {
    Overflow,
    Full,
}

/// A queue in detail.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSetup {
    /// Seconds of waiting before an agent answers (absent: nobody answers).
    #[serde(default)]
    pub answer_after: Option<Seconds>,
    /// The agent's extension (default `agent`).
    #[serde(default)]
    pub agent: Option<String>,
    /// Seconds of conversation (default [`crate::DEFAULT_TALK_SECONDS`]).
    #[serde(default)]
    pub talk: Option<Seconds>,
    /// The caller's position on joining (default 1).
    #[serde(default)]
    pub position: Option<u32>,
    /// The queue's own wait limit, used when the scenario passes 0
    /// (default [`crate::DEFAULT_QUEUE_MAX_WAIT_SECONDS`]).
    #[serde(default)]
    pub max_wait: Option<Seconds>,
}

impl QueueBehaviour {
    /// The behaviour as one detailed setup; `None` for a full queue.
    pub fn setup(&self) -> Option<QueueSetup> {
        match self {
            QueueBehaviour::Simple(QueueState::Full) => None,
            QueueBehaviour::Simple(QueueState::Overflow) => Some(QueueSetup::default()),
            QueueBehaviour::Detailed(setup) => Some(setup.clone()),
        }
    }
}

/// Where the scenario's configuration comes from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ConfigSource {
    /// A JSON or YAML file, relative to the script.
    File(String),
    /// A mapping written in the script.
    Inline(serde_json::Value),
}

/// Which world the scenario runs in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScriptWorld {
    /// An inbound call from `caller` to `dialed`.
    #[default]
    InboundCall,
    /// An outbound call from `dialed` (the caller id) to `caller`, already answered.
    OutboundCall,
}

short_or_long!(
    TargetBehaviour,
    Simple,
    TargetState,
    Answers,
    Answering,
    "`busy`, `no-answer` or a mapping like `{ answer_after: 3, talk: 45 }`"
);
short_or_long!(
    QueueBehaviour,
    Simple,
    QueueState,
    Detailed,
    QueueSetup,
    "`overflow`, `full` or a mapping like `{ answer_after: 20, agent: \"301\" }`"
);
