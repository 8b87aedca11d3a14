//! Call queues (ACD) on real calls: a tokio task per (tenant, queue) drives the sans-IO
//! [`wasmphony_acd::Queue`] core with a real clock, and each waiting caller's
//! [`crate::sip_call::SipCall`] carries out what the core decides for it (ring agents'
//! phones, bridge, overflow), reporting back what happened.
//!
//! A queue's agents are its members' extensions; an agent is logged in while at least
//! one of its phones is registered (checked when a caller joins and every 2 s while
//! callers wait).
//!
//! Waiting callers hear their position and estimated wait between hold music
//! (`announcement`). A caller who presses the callback key is filed on the tenant's
//! callback list and keeps their place as a callback task; when an agent frees up, the
//! queue rings the agent and, once answered, dials the customer and connects them
//! (`callback`). The server's dialer hands stored callback tasks to a queue the same
//! way when one of its agents is free (`offer`).

mod announcement;
mod callback;
mod hub;
mod live_view;
mod offer;
mod sizes;
mod task;

use wasmphony_acd::QueueConfig;

use crate::route::Tenant;

pub(crate) use announcement::announcement;
pub(crate) use callback::CallbackTask;
pub(crate) use hub::{QueueHandle, QueueHub};
pub use offer::{CallbackJob, CallbackOfferError};
pub use sizes::QueueSize;
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

/// A queue with the tenant its calls belong to (services for callback tasks, prompts
/// for the legs the queue places itself).
#[derive(Clone)]
pub(crate) struct HostedQueue {
    pub(crate) definition: QueueDefinition,
    pub(crate) tenant: Tenant,
}
