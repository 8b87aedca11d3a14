//! What the queue core asks its driver to do.

use crate::config::OverflowAction;
use crate::ids::{AgentId, CallerId, DeviceId};
use std::fmt;
use std::time::Duration;

/// One agent rung by an offer, with the devices to ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferTarget {
    /// The agent.
    pub agent: AgentId,
    /// All of the agent's devices ring together.
    pub devices: Vec<DeviceId>,
}

/// Whether an offer is for a caller on the line or for a callback task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferKind {
    /// The caller is waiting on the line (music on hold).
    Live,
    /// The caller hung up asking to be called back: once the agent answers,
    /// the driver dials the customer.
    Callback,
}

/// An instruction for the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Ring these agents for `caller`. Exactly one target except in ring-all.
    Offer {
        /// The caller being offered.
        caller: CallerId,
        /// Live caller or callback task.
        kind: OfferKind,
        /// Who to ring.
        agents: Vec<OfferTarget>,
    },
    /// Stop ringing `agent` for `caller` (timeout, someone else answered, caller left).
    CancelOffer {
        /// The caller whose offer is withdrawn.
        caller: CallerId,
        /// The agent whose devices stop ringing.
        agent: AgentId,
    },
    /// Connect the live `caller` to `agent`, who answered.
    Bridge {
        /// The waiting caller.
        caller: CallerId,
        /// The agent who answered.
        agent: AgentId,
    },
    /// The agent answered a callback task: dial the customer and connect them.
    /// The task leaves the queue; retries are the callback dialer's business.
    CallBack {
        /// The customer to dial.
        caller: CallerId,
        /// The agent already on the line.
        agent: AgentId,
    },
    /// Tell a waiting caller their place and expected wait.
    Announce {
        /// Who hears it.
        caller: CallerId,
        /// 1-based place in service order (callback tasks ahead count).
        position: usize,
        /// Expected time until an agent answers.
        estimated_wait: Duration,
    },
    /// Send the caller away from this queue (full queue or waited too long).
    Overflow {
        /// The caller leaving.
        caller: CallerId,
        /// Where to.
        action: OverflowAction,
    },
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Offer {
                caller,
                kind,
                agents,
            } => {
                let names: Vec<String> = agents.iter().map(|t| t.agent.to_string()).collect();
                let kind = match kind {
                    OfferKind::Live => "offer",
                    OfferKind::Callback => "offer-callback",
                };
                write!(f, "{kind} {caller} -> {}", names.join(","))
            }
            Action::CancelOffer { caller, agent } => write!(f, "cancel {caller} -> {agent}"),
            Action::Bridge { caller, agent } => write!(f, "bridge {caller} <-> {agent}"),
            Action::CallBack { caller, agent } => write!(f, "call-back {caller} <- {agent}"),
            Action::Announce {
                caller,
                position,
                estimated_wait,
            } => {
                write!(
                    f,
                    "announce {caller} #{position} ~{}s",
                    estimated_wait.as_secs()
                )
            }
            Action::Overflow { caller, action } => write!(f, "overflow {caller} {action:?}"),
        }
    }
}
