//! Callbacks go on the tenant's missed-call list; outbound calls are refused for now.

use wasmphony_engine::api::{CallError, OriginateRequest};
use wasmphony_engine::{CallbackAttempt, CallbackFiling};
use wasmphony_store::{CallId, CallbackTaskId, MissedCall, StoreError};

use wasmphony_controller::QUEUE_CALLBACK_REASON;

use super::StoreServices;
use super::fields::to_ms;
use super::ids::parse_id;
use crate::dialer::{outcome_after, queue_claimer};

impl StoreServices {
    /// The `dialed` of a callback task filed with no call (a timer scenario's request,
    /// [`CallbackFiling::without_call`]); a call's requests carry the number it dialled.
    /// The missed-call list deduplicates open tasks per (number, dialed), so all such
    /// requests for one customer merge into one task; the dialer finds no route for it,
    /// so it is called back at any hour.
    pub const DEFAULT_CALLBACK_DIALED: &'static str = "scenario";

    /// What a guest reads when it asks for an outbound call.
    pub const ORIGINATE_UNAVAILABLE: &'static str = "originate is not available on this node yet";

    /// Files the request on the missed-call list under the filing call's dialled number
    /// (the tenant number the customer is called back from, whose route's working hours
    /// the dialer keeps) and returns the task's id. An open task for the same customer
    /// and dialled number — the call's own missed-call entry among them — absorbs it
    /// (its id is returned, and it keeps the earlier due time), so a scenario that asks
    /// twice makes one callback.
    ///
    /// The request's `queue` is kept on the task: the dialer calls back through it.
    ///
    /// A queue's "press 1" request (reason [`QUEUE_CALLBACK_REASON`]) is claimed for the
    /// queue at once, since the queue keeps that caller's place in memory and calls back
    /// itself: the dialer must not take it too. When the customer's task is already being
    /// worked (claimed by the dialer), the request is refused and the caller waits on.
    pub(super) async fn file_callback(&self, filing: CallbackFiling) -> Result<String, CallError> {
        let CallbackFiling {
            request,
            dialed,
            call_id,
        } = filing;
        let now = self.now();
        let due = match request.at_unix {
            Some(at) => to_ms(at)?,
            None => now,
        };
        let missed = MissedCall {
            number: request.number,
            dialed: dialed.unwrap_or_else(|| Self::DEFAULT_CALLBACK_DIALED.to_owned()),
            reason: request.reason.clone(),
            call: call_id.map(CallId),
            due,
            queue: request.queue,
        };
        let task = self
            .store
            .add_missed_call(self.tenant, &missed, now)
            .await
            .map_err(self.fail("schedule callback"))?;
        if missed_reason_is_held(&missed.reason) {
            self.store
                .claim_callback(self.tenant, task.id, &queue_claimer(&self.store), now)
                .await
                .map_err(self.fail("hold callback for the queue"))?;
        }
        Ok(task.id.to_string())
    }

    /// Records one attempt at a task a queue offered to an agent: done when the customer
    /// was reached; when not, due again after the dialer's pause, or failed after its
    /// attempt limit ([`outcome_after`]).
    pub(super) async fn record_callback_attempt(
        &self,
        task_id: &str,
        attempt: CallbackAttempt,
    ) -> Result<(), CallError> {
        let id = parse_id(task_id)
            .map(CallbackTaskId)
            .ok_or_else(|| CallError::NotFound(format!("callback task {task_id}")))?;
        let now = self.now();
        let claimer = queue_claimer(&self.store);
        let task = match self
            .store
            .claim_callback(self.tenant, id, &claimer, now)
            .await
        {
            Ok(task) => task,
            // Already in progress (held for the queue, or the dialer's): record anyway.
            Err(StoreError::Conflict(_)) => self
                .store
                .callback_task(self.tenant, id)
                .await
                .map_err(self.fail("read callback"))?,
            Err(error) => return Err(self.fail("claim callback")(error)),
        };
        let outcome = outcome_after(task.attempts, attempt, now);
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

/// Whether a task filed with this reason is held in a queue's memory.
fn missed_reason_is_held(reason: &str) -> bool {
    reason == QUEUE_CALLBACK_REASON
}
