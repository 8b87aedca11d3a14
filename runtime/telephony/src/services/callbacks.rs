//! Callbacks go on the tenant's missed-call list; outbound calls are refused for now.

use wasmphony_engine::CallbackAttempt;
use wasmphony_engine::api::{CallError, CallbackRequest, OriginateRequest};
use wasmphony_store::{CallbackOutcome, CallbackTaskId, MissedCall, StoreError};

use super::StoreServices;
use super::fields::to_ms;
use super::ids::parse_id;

/// Who claims a task when a queue's callback offer reaches an agent.
const QUEUE_CLAIMER: &str = "queue";

impl StoreServices {
    /// The `dialed` of a callback task filed by services that were not given the call's
    /// dialled number ([`StoreServices::with_dialed`]), for example from a timer
    /// scenario. The missed-call list deduplicates open tasks per (number, dialed), so
    /// all such requests for one customer merge into one task.
    pub const DEFAULT_CALLBACK_DIALED: &'static str = "scenario";

    /// What a guest reads when it asks for an outbound call.
    pub const ORIGINATE_UNAVAILABLE: &'static str = "originate is not available on this node yet";

    /// Files the request on the missed-call list and returns the task's id. An open task
    /// for the same customer and dialled number absorbs it (its id is returned, and it
    /// keeps the earlier due time), so a scenario that asks twice makes one callback.
    ///
    /// The request's `queue` is not kept: the store's callback tasks have no queue (the
    /// dialer picks the agents). It is logged at debug level.
    pub(super) async fn file_callback(
        &self,
        request: CallbackRequest,
    ) -> Result<String, CallError> {
        let now = self.now();
        let due = match request.at_unix {
            Some(at) => to_ms(at)?,
            None => now,
        };
        if let Some(queue) = &request.queue {
            tracing::debug!(tenant = %self.tenant, queue, "callback queue is not stored");
        }
        let missed = MissedCall {
            number: request.number,
            dialed: self
                .dialed
                .clone()
                .unwrap_or_else(|| Self::DEFAULT_CALLBACK_DIALED.to_owned()),
            reason: request.reason,
            call: None,
            due,
        };
        let task = self
            .store
            .add_missed_call(self.tenant, &missed, now)
            .await
            .map_err(self.fail("schedule callback"))?;
        Ok(task.id.to_string())
    }

    /// Records one attempt at a task a queue offered to an agent: done when the customer
    /// was reached, due again at once when not (the dialer's retry limits apply).
    pub(super) async fn record_callback_attempt(
        &self,
        task_id: &str,
        attempt: CallbackAttempt,
    ) -> Result<(), CallError> {
        let id = parse_id(task_id)
            .map(CallbackTaskId)
            .ok_or_else(|| CallError::NotFound(format!("callback task {task_id}")))?;
        let now = self.now();
        match self.store.claim_callback(self.tenant, id, QUEUE_CLAIMER, now).await {
            // Already in progress (the queue claimed it, or a dialer did): record anyway.
            Ok(_) | Err(StoreError::Conflict(_)) => {}
            Err(error) => return Err(self.fail("claim callback")(error)),
        }
        let outcome = match attempt {
            CallbackAttempt::Reached => CallbackOutcome::Done,
            CallbackAttempt::NotReached => CallbackOutcome::Retry { due: now },
        };
        self.store
            .finish_callback(self.tenant, id, outcome, None, now)
            .await
            .map(drop)
            .map_err(self.fail("finish callback"))
    }

    /// No outbound dialer is wired on this node and the store has no queue of outbound
    /// calls to put the request in, so the request is refused rather than silently lost.
    pub(super) fn refuse_originate(&self, request: &OriginateRequest) -> Result<String, CallError> {
        tracing::info!(tenant = %self.tenant, to = %request.to, "originate refused: no outbound dialer");
        Err(CallError::Rejected(Self::ORIGINATE_UNAVAILABLE.to_owned()))
    }
}
