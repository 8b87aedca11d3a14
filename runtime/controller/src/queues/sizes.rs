//! Each queue's size as its task last saw it (callers waiting, agents available), kept in
//! atomics the task sets after every step, so a metrics scrape never asks the task.

use std::sync::atomic::{AtomicU64, Ordering};

use wasmphony_acd::{AgentId, AgentState, Queue};

/// One queue's current size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSize {
    /// The tenant's slug.
    pub tenant: String,
    /// The queue's name.
    pub queue: String,
    /// Live callers waiting (callback tasks excluded).
    pub waiting: u64,
    /// Agents logged in and free to take a call.
    pub agents_available: u64,
}

/// Written by a queue's task, read by [`super::QueueHub::sizes`].
#[derive(Debug, Default)]
pub(crate) struct QueueGauges {
    waiting: AtomicU64,
    agents_available: AtomicU64,
}

impl QueueGauges {
    /// Records what `queue` holds now; `agents` are the queue's members.
    pub(crate) fn update(&self, queue: &Queue, agents: &[(AgentId, String)]) {
        let available = agents
            .iter()
            .filter(|(id, _)| matches!(queue.agent_state(*id), Some(AgentState::Available { .. })))
            .count();
        self.waiting
            .store(queue.live_len() as u64, Ordering::Relaxed);
        self.agents_available
            .store(available as u64, Ordering::Relaxed);
    }

    /// (waiting, agents available).
    pub(crate) fn read(&self) -> (u64, u64) {
        (
            self.waiting.load(Ordering::Relaxed),
            self.agents_available.load(Ordering::Relaxed),
        )
    }
}
