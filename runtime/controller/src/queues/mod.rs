//! Call queues (ACD) on real calls: a tokio task per (tenant, queue) drives the sans-IO
//! [`wasmphony_acd::Queue`] core with a real clock, and each waiting caller's
//! [`crate::sip_call::SipCall`] carries out what the core decides for it (ring agents'
//! phones, bridge, overflow), reporting back what happened.
//!
//! A queue's agents are its members' extensions; an agent is logged in while at least
//! one of its phones is registered (checked when a caller joins and every 2 s while
//! callers wait).

mod hub;
mod task;

use wasmphony_acd::QueueConfig;

pub(crate) use hub::QueueHub;
pub(crate) use task::{CALLER_EVENTS, CallerEvent, QueueCommand};

/// One queue of a tenant, as the route table carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueDefinition {
    /// The queue's name (what scenarios enqueue into).
    pub name: String,
    /// Strategy, ring timeout, wrap-up, limits.
    pub config: QueueConfig,
    /// Extensions of the queue's agents, in login order.
    pub members: Vec<String>,
}
