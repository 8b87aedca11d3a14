//! Errors of the queue and forwarding cores. They describe inputs the driver
//! got wrong or raced (a late answer after a cancel), never internal failures.

use crate::ids::{AgentId, CallerId};
use crate::limits;

/// An input the queue could not apply. The queue's state is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// The caller is already in this queue.
    #[error("caller {0} is already queued")]
    AlreadyQueued(CallerId),
    /// The caller is not (or no longer) in this queue.
    #[error("caller {0} is not queued")]
    UnknownCaller(CallerId),
    /// The queue holds [`limits::MAX_QUEUE_ENTRIES`] entries already.
    #[error("queue holds the maximum of {} entries", limits::MAX_QUEUE_ENTRIES)]
    QueueFull,
    /// The agent is not logged into this queue.
    #[error("agent {0} is not logged in")]
    UnknownAgent(AgentId),
    /// The agent is already logged in.
    #[error("agent {0} is already logged in")]
    AlreadyLoggedIn(AgentId),
    /// The queue already has [`limits::MAX_AGENTS_PER_QUEUE`] agents.
    #[error("queue has the maximum of {} agents", limits::MAX_AGENTS_PER_QUEUE)]
    TooManyAgents,
    /// An agent spec exceeds [`limits::MAX_DEVICES_PER_AGENT`] or [`limits::MAX_SKILLS_PER_AGENT`],
    /// or has no device at all.
    #[error("agent {0} has no device or too many devices or skills")]
    InvalidAgent(AgentId),
    /// The agent is not being offered this caller (a late answer after a cancel,
    /// or a caller that left meanwhile). The driver should hang up that leg.
    #[error("agent {agent} has no offer for caller {caller}")]
    NoSuchOffer {
        /// The agent that reported.
        agent: AgentId,
        /// The caller it reported about.
        caller: CallerId,
    },
    /// The agent is on a queue call and cannot change presence now.
    #[error("agent {0} is on a queue call")]
    AgentOnCall(AgentId),
    /// The agent is not on a queue call.
    #[error("agent {0} is not on a queue call")]
    NotOnCall(AgentId),
    /// The caller is a callback task or being connected and cannot change this way.
    #[error("caller {0} cannot request a callback now")]
    CallbackNotPossible(CallerId),
}

/// A forwarding plan or event that could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForwardError {
    /// The plan has no step or no target.
    #[error("forwarding plan is empty")]
    EmptyPlan,
    /// The plan exceeds [`limits::MAX_FORWARD_STEPS`] or [`limits::MAX_TARGETS_PER_STEP`].
    #[error("forwarding plan is too large")]
    PlanTooLarge,
    /// The leg is unknown or already finished (e.g. an answer after a cancel).
    #[error("leg {0} is not ringing")]
    UnknownLeg(u32),
    /// The forwarding already finished (bridged, exhausted or cancelled).
    #[error("forwarding already finished")]
    Finished,
}
