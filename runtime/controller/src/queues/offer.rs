//! Callback tasks handed to a queue from outside a call: the server's auto-callback
//! dialer works the tenant's stored missed-call list and gives each due task to a queue
//! with a free agent, which then rings the agent and dials the customer like a "press 1"
//! task (`callback`).

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::oneshot;
use wasmphony_acd::CallerId;

use super::{CallbackTask, QueueCommand};
use crate::controller::Controller;

/// Caller ids of offered tasks live in the upper half of the id space, so they never
/// meet the ids of live callers (counted up from 1 by `sip_call::enqueue`).
const OFFERED_IDS: u64 = 1 << 63;
static NEXT_OFFERED: AtomicU64 = AtomicU64::new(0);

pub(super) fn next_offered_caller() -> CallerId {
    CallerId(OFFERED_IDS | NEXT_OFFERED.fetch_add(1, Ordering::Relaxed))
}

/// A stored callback task to call back through a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackJob {
    /// The task's id on the tenant's callback list (what `finish_callback` records).
    pub task_id: String,
    /// The customer's number.
    pub number: String,
    /// The tenant number the customer is called from.
    pub dialed: String,
}

/// Why a queue did not take a callback task.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackOfferError {
    /// The tenant has no such queue (in the current route table).
    #[error("no such queue")]
    NoSuchQueue,
    /// Every logged-in agent is busy or already promised to a waiting caller or task.
    #[error("no free agent")]
    NoFreeAgent,
    /// The queue already holds this task (a caller pressed the callback key).
    #[error("the queue already holds this task")]
    AlreadyHeld,
    /// The queue's task is gone (shutting down) or refused it (full).
    #[error("the queue cannot take it: {0}")]
    Unavailable(String),
}

impl Controller {
    /// Hands a stored callback task to `tenant`'s queue `queue`. It is taken only when
    /// one of the queue's agents is free and not promised to anyone waiting; the queue
    /// then rings that agent, dials the customer once the agent answers, and records the
    /// attempt through the tenant's `TenantServices::finish_callback`.
    pub async fn offer_callback(
        &self,
        tenant: &str,
        queue: &str,
        job: CallbackJob,
    ) -> Result<(), CallbackOfferError> {
        let handle = self
            .context
            .queues
            .queue(&self.context, tenant, queue)
            .ok_or(CallbackOfferError::NoSuchQueue)?;
        let (done, taken) = oneshot::channel();
        let task = CallbackTask {
            number: job.number,
            dialed: job.dialed,
            id: job.task_id,
        };
        let gone = || CallbackOfferError::Unavailable("queue stopped".into());
        handle
            .commands
            .send(QueueCommand::OfferCallback { task, done })
            .await
            .map_err(|_| gone())?;
        taken.await.map_err(|_| gone())?
    }
}
