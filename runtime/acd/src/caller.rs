//! Callers in a queue and the order they are served in.

use crate::ids::{AgentId, CallerId, Skill};
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BTreeSet;

/// Caller priority; higher is served first. Within one priority the
/// longest-waiting caller is served first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Priority(pub u8);

/// How a caller asks to join.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct JoinRequest {
    /// Service priority (VIP customers, callbacks promised by a supervisor, …).
    #[serde(default)]
    pub priority: Priority,
    /// Only agents with this skill may take the call.
    #[serde(default)]
    pub skill: Option<Skill>,
}

/// The position of an entry in service order: higher priority first, then
/// earlier join, then arrival sequence (two joins in the same millisecond).
/// A callback task keeps its key, so it keeps its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ServiceKey {
    priority: Reverse<Priority>,
    joined_at: Instant,
    arrival: u64,
}

impl ServiceKey {
    pub(crate) fn new(priority: Priority, joined_at: Instant, arrival: u64) -> Self {
        ServiceKey {
            priority: Reverse(priority),
            joined_at,
            arrival,
        }
    }

    pub(crate) fn joined_at(&self) -> Instant {
        self.joined_at
    }
}

/// A ringing offer for one entry.
#[derive(Debug, Clone)]
pub(crate) struct PendingOffer {
    pub(crate) agents: Vec<AgentId>,
    pub(crate) deadline: Instant,
}

/// One queued caller (live) or callback task.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) caller: CallerId,
    pub(crate) skill: Option<Skill>,
    /// False once the caller asked for a callback and hung up.
    pub(crate) live: bool,
    pub(crate) offer: Option<PendingOffer>,
    /// Next announcement, for live callers when announcements are on.
    pub(crate) next_announce: Option<Instant>,
    /// Agents whose offer for this caller rang out or was declined; others are
    /// preferred for the next offer.
    pub(crate) tried: BTreeSet<AgentId>,
}
