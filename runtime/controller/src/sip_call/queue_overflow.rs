//! The queue's overflow carried out by the host, and the callback task of a caller who
//! leaves a queue unanswered.
//!
//! - `Queue(name)`: the caller joins that queue with the same priority and callback key
//!   (at most [`MAX_QUEUE_HOPS`] queues, never one twice: a loop ends in the scenario).
//! - `Number(n)`: the host rings the extension's phones, or the number through the
//!   tenant's trunks, for the queue's ring timeout and bridges whoever answers; the CDR
//!   gets the `queue-overflow` tag and the `overflow_answered_by` variable.
//! - `Voicemail`, `VoiceSelfOrder`, a backup nobody answers, the scenario's own wait
//!   limit: back to the scenario (`QueueOutcome::Overflow`), which takes a message or
//!   runs self-ordering.
//!
//! Every caller who leaves without an agent or a backup — hung up while waiting, or
//! handed back to the scenario for voicemail — is filed on the tenant's callback list
//! (the dialer calls them back when an agent is free). Only voice self-ordering, which
//! serves the caller itself, files nothing.

use std::time::Duration;

use tokio::time::Instant;
use wasmphony_acd::OverflowAction;
use wasmphony_engine::CallbackFiling;
use wasmphony_engine::api::{CallError, CallbackRequest, DialTarget, EnqueueOptions, QueueOutcome};

use super::SipCall;
use super::dial_op::BridgeVia;
use super::enqueue::Waited;
use crate::outbound::{RingFailure, resolve_target};
use crate::queues::QueueHandle;

/// Most queues one caller passes through, the first included.
pub(crate) const MAX_QUEUE_HOPS: usize = 4;
/// The tag of a call the queue overflowed (to another queue, a number or the scenario).
pub(crate) const QUEUE_OVERFLOW_TAG: &str = "queue-overflow";
/// The tag of a call whose caller hung up while waiting in a queue.
pub(crate) const QUEUE_ABANDONED_TAG: &str = "queue-abandoned";
/// The tag of a call for which a callback task was filed: it keeps the task open when
/// the call is recorded (the host answered the caller, which would otherwise close the
/// caller's open tasks).
pub(crate) const CALLBACK_FILED_TAG: &str = "callback";
/// The variable naming who answered the overflow number (extension or number).
pub(crate) const OVERFLOW_ANSWERED_BY_VAR: &str = "overflow_answered_by";
/// The `reason` of the task filed for a caller who hung up while waiting.
pub const QUEUE_ABANDONED_REASON: &str = "queue_abandoned";
/// The `reason` of the task filed for a caller the queue could not serve.
pub const QUEUE_OVERFLOW_REASON: &str = "queue_overflow";

impl SipCall {
    pub(super) async fn wait_in_queue(
        &mut self,
        options: &EnqueueOptions,
    ) -> Result<QueueOutcome, CallError> {
        self.answer_call().await?;
        // The scenario's own limit spans every queue the caller passes through.
        let max_wait = (options.max_wait_seconds > 0)
            .then(|| Instant::now() + Duration::from_secs(u64::from(options.max_wait_seconds)));
        let mut visited = vec![options.queue.clone()];
        let mut handle = self.queue_handle(&options.queue)?;
        let outcome = loop {
            let queue = visited.last().cloned().unwrap_or_default();
            self.book.lock().joined_queue(&queue);
            let waited = match self.wait_in(&handle, &queue, options, max_wait).await {
                Ok(waited) => waited,
                Err(error) => break Err(error),
            };
            match waited {
                Waited::Done(outcome) => break Ok(outcome),
                Waited::Abandoned(error) => {
                    self.file_missed(&handle, &queue, QUEUE_ABANDONED_REASON)
                        .await;
                    self.book.lock().abandoned_queue();
                    self.book.lock().add_tag(QUEUE_ABANDONED_TAG.into());
                    break Err(error);
                }
                Waited::ScenarioLimit => {
                    self.file_missed(&handle, &queue, QUEUE_OVERFLOW_REASON)
                        .await;
                    break Ok(QueueOutcome::Overflow);
                }
                Waited::Overflow { action, ring_time } => {
                    tracing::info!(call = %self.info.id, %queue, ?action, "queue overflow");
                    self.book.lock().add_tag(QUEUE_OVERFLOW_TAG.into());
                    match action {
                        OverflowAction::Queue(next) => {
                            let next_handle = (visited.len() < MAX_QUEUE_HOPS
                                && !visited.contains(&next))
                            .then(|| self.queue_handle(&next).ok())
                            .flatten();
                            if let Some(next_handle) = next_handle {
                                self.book.lock().add_tag(format!("queue:{next}"));
                                visited.push(next);
                                handle = next_handle;
                                continue;
                            }
                            tracing::warn!(call = %self.info.id, %next, "overflow queue unusable (missing or a loop)");
                            self.file_missed(&handle, &queue, QUEUE_OVERFLOW_REASON)
                                .await;
                            break Ok(QueueOutcome::Overflow);
                        }
                        OverflowAction::Number(number) => {
                            break self
                                .overflow_to_number(&handle, &queue, &number, ring_time)
                                .await;
                        }
                        OverflowAction::Voicemail => {
                            self.file_missed(&handle, &queue, QUEUE_OVERFLOW_REASON)
                                .await;
                            break Ok(QueueOutcome::Overflow);
                        }
                        OverflowAction::VoiceSelfOrder => break Ok(QueueOutcome::Overflow),
                    }
                }
            }
        };
        self.finish_play().await;
        outcome
    }

    fn queue_handle(&self, queue: &str) -> Result<QueueHandle, CallError> {
        self.context
            .queues
            .queue(&self.context, &self.info.tenant, queue)
            .ok_or_else(|| CallError::NotFound(format!("queue {queue}")))
    }

    /// Rings the backup `number` (an extension's phones, else a number through the
    /// tenant's trunks) and bridges whoever answers. Nobody answering hands the caller
    /// back to the scenario with a callback task filed.
    async fn overflow_to_number(
        &mut self,
        handle: &QueueHandle,
        queue: &str,
        number: &str,
        ring_time: Duration,
    ) -> Result<QueueOutcome, CallError> {
        let target = if self.context.phones.has_extension(&self.info.tenant, number) {
            DialTarget::Extension(number.to_string())
        } else {
            DialTarget::Number(number.to_string())
        };
        let rung = match resolve_target(&target, &self.context, &self.info.tenant) {
            Ok(requests) if !requests.is_empty() => {
                let Some(codec) = self.caller_format.map(|format| format.codec) else {
                    return Err(self.caller_left());
                };
                self.finish_play().await;
                let caller_id = self.info.from.clone();
                self.ring_for_caller(requests, &caller_id, codec, ring_time)
                    .await
            }
            Ok(_) => Err(RingFailure::NoAnswer),
            Err(error) => Err(RingFailure::Failed(error)),
        };
        match rung {
            Ok(answered) => {
                let label = answered.label.clone();
                {
                    let mut book = self.book.lock();
                    // A backup extension is a colleague taking the queue's call; a backup
                    // number outside is no agent.
                    let agent = matches!(target, DialTarget::Extension(_)).then(|| label.clone());
                    book.served_from_queue(agent);
                    book.set_var(OVERFLOW_ANSWERED_BY_VAR.into(), label);
                }
                self.bridge(answered, BridgeVia::QueueOverflow(queue))
                    .await
                    .map(QueueOutcome::Answered)
            }
            Err(RingFailure::CallerGone) => {
                self.file_missed(handle, queue, QUEUE_ABANDONED_REASON)
                    .await;
                self.book.lock().abandoned_queue();
                self.book.lock().add_tag(QUEUE_ABANDONED_TAG.into());
                Err(self.caller_left())
            }
            Err(failure) => {
                tracing::info!(call = %self.info.id, %number, ?failure, "overflow number not reached");
                self.file_missed(handle, queue, QUEUE_OVERFLOW_REASON).await;
                Ok(QueueOutcome::Overflow)
            }
        }
    }

    /// Files the caller on the tenant's callback list, to be called back through
    /// `queue`, and tags the call so that its record keeps the task open.
    async fn file_missed(&mut self, handle: &QueueHandle, queue: &str, reason: &str) {
        let request = CallbackRequest {
            number: self.info.from.clone(),
            at_unix: None,
            queue: Some(queue.to_string()),
            reason: reason.to_string(),
        };
        // Filed under the number this caller dialled, like the call's own CDR.
        let filing =
            CallbackFiling::on_call(request, self.info.dialed.clone(), self.info.id.clone());
        match handle.services.schedule_callback(filing).await {
            Ok(task) => {
                tracing::info!(call = %self.info.id, %task, %reason, "caller filed for a callback");
                self.book.lock().add_tag(CALLBACK_FILED_TAG.into());
            }
            // Already being called back (the dialer holds their task), or the store is
            // down: the call's own record still says how it ended.
            Err(error) => {
                tracing::warn!(call = %self.info.id, ?error, "caller not filed for a callback");
            }
        }
    }
}
