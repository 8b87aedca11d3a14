//! Agents as one queue sees them: devices, skills, and a presence state that
//! only changes through events carrying `now`.

use crate::error::QueueError;
use crate::ids::{AgentId, CallerId, DeviceId, Skill, SkillLevel};
use crate::limits::{MAX_DEVICES_PER_AGENT, MAX_SKILLS_PER_AGENT};
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An agent as logged into a queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSpec {
    /// Who.
    pub id: AgentId,
    /// Where to ring them; all devices ring together for one offer.
    pub devices: Vec<DeviceId>,
    /// Skills with levels (used by the skills strategy and required-skill callers).
    #[serde(default)]
    pub skills: BTreeMap<Skill, SkillLevel>,
}

impl AgentSpec {
    /// An agent with one device and no skills.
    pub fn new(id: AgentId, device: DeviceId) -> Self {
        AgentSpec {
            id,
            devices: vec![device],
            skills: BTreeMap::new(),
        }
    }

    /// Adds a skill at a level.
    pub fn with_skill(mut self, skill: Skill, level: SkillLevel) -> Self {
        self.skills.insert(skill, level);
        self
    }

    pub(crate) fn validate(&self) -> Result<(), QueueError> {
        let devices_ok = !self.devices.is_empty() && self.devices.len() <= MAX_DEVICES_PER_AGENT;
        if devices_ok && self.skills.len() <= MAX_SKILLS_PER_AGENT {
            Ok(())
        } else {
            Err(QueueError::InvalidAgent(self.id))
        }
    }

    /// The agent's level in `skill`, if they have it.
    pub fn level(&self, skill: &Skill) -> Option<SkillLevel> {
        self.skills.get(skill).copied()
    }
}

/// Why an agent is not taking queue calls although logged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AwayReason {
    /// The agent set themselves away (break, meeting).
    Break,
    /// The queue paused them after an unanswered offer.
    NoAnswer,
    /// Busy with a call outside this queue (another queue, a direct call).
    BusyElsewhere,
}

/// An agent's presence in one queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentState {
    /// Free to take an offer; free since `since` (for longest-idle).
    Available {
        /// When the agent last became free.
        since: Instant,
    },
    /// Devices are ringing for `caller`.
    Ringing {
        /// The offered caller.
        caller: CallerId,
        /// When the agent became free before this offer; restored if the offer
        /// is withdrawn through no fault of theirs (caller left, another agent answered).
        idle_since: Instant,
    },
    /// Talking with `caller` since `since`.
    OnCall {
        /// The connected caller.
        caller: CallerId,
        /// When the call was bridged.
        since: Instant,
    },
    /// After-call work until `until`.
    WrapUp {
        /// When the agent becomes available again.
        until: Instant,
    },
    /// Logged in but not taking calls.
    Away(AwayReason),
}

/// One logged-in agent inside a queue.
#[derive(Debug, Clone)]
pub(crate) struct Agent {
    pub(crate) spec: AgentSpec,
    pub(crate) state: AgentState,
    /// Set when the agent logs out during a call: leave once the call ends.
    pub(crate) logout_after_call: bool,
}

impl Agent {
    pub(crate) fn is_available(&self) -> bool {
        matches!(self.state, AgentState::Available { .. })
    }

    pub(crate) fn idle_since(&self) -> Option<Instant> {
        match self.state {
            AgentState::Available { since } => Some(since),
            _ => None,
        }
    }

    pub(crate) fn can_serve(&self, skill: Option<&Skill>) -> bool {
        skill.is_none_or(|skill| self.spec.skills.contains_key(skill))
    }
}
