//! `enqueue`: the caller waits in a queue with hold music while the queue's task decides
//! whom to ring; this call rings the offered agents' phones, bridges the one who answers,
//! and reports every outcome back to the queue. Between the music the caller hears their
//! position and estimated wait; a caller who presses the callback key is filed on the
//! tenant's callback list and leaves, keeping their place as a callback task.
//!
//! When the queue overflows the caller (full, or waited its maximum) the host carries out
//! the queue's overflow itself (`overflow.rs`): another queue takes the caller, or a
//! backup number is rung and bridged; voicemail and voice self-ordering go back to the
//! scenario. A caller who leaves unanswered — hangs up while waiting, or is handed back
//! to the scenario — is filed on the tenant's callback list, so nobody is lost.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use wasmphony_acd::{AgentId, CallerId, JoinRequest, OverflowAction, Priority};
use wasmphony_engine::CallbackFiling;
use wasmphony_engine::api::{
    CallError, CallbackRequest, DialTarget, EnqueueOptions, Prompt, QueueOutcome,
};
use wasmphony_media::dtmf::Digit;

use super::SipCall;
use super::dial_op::BridgeVia;
use super::wake::Wake;
use crate::outbound::{RingFailure, resolve_target};
use crate::prompts::playlist;
use crate::queues::{
    CALLER_EVENTS, CallbackTask, CallerEvent, QueueCommand, QueueHandle, announcement,
};

/// The library prompt looped while a caller waits (silence when the tenant has none).
pub const HOLD_MUSIC_PROMPT: &str = "hold-music";
/// The `reason` of callback tasks filed by a waiting caller's key press.
pub const QUEUE_CALLBACK_REASON: &str = "queue_callback";
/// The tag of a call whose caller left a queue asking to be called back.
pub(crate) const QUEUE_CALLBACK_TAG: &str = "queue-callback";
/// The variable naming the agent (extension) who answered a queue caller.
pub(crate) const QUEUE_ANSWERED_BY_VAR: &str = "queue_answered_by";

/// Queue caller ids, unique in this process.
static NEXT_CALLER: AtomicU64 = AtomicU64::new(1);

/// What the caller's leg is playing while they wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Playing {
    HoldMusic,
    Announcement,
}

/// How the wait in one queue ended.
pub(super) enum Waited {
    /// For good: answered by an agent, or a callback was requested.
    Done(QueueOutcome),
    /// The queue sent the caller away through its overflow action.
    Overflow {
        action: OverflowAction,
        ring_time: Duration,
    },
    /// The scenario's own `max_wait_seconds` passed.
    ScenarioLimit,
    /// The caller hung up (or their media failed) while waiting.
    Abandoned(CallError),
}

impl SipCall {
    /// Waits in `handle`'s queue `queue` until an agent answers, the caller asks for a
    /// callback or leaves, the queue overflows the caller, or `max_wait` passes.
    pub(super) async fn wait_in(
        &mut self,
        handle: &QueueHandle,
        queue_name: &str,
        options: &EnqueueOptions,
        max_wait: Option<Instant>,
    ) -> Result<Waited, CallError> {
        let queue = handle.commands.clone();
        let caller = CallerId(NEXT_CALLER.fetch_add(1, Ordering::Relaxed));
        let (events_tx, mut events) = mpsc::channel(CALLER_EVENTS);
        let (joined_tx, joined) = oneshot::channel();
        let join = QueueCommand::Join {
            caller,
            request: JoinRequest {
                priority: Priority(options.priority),
                skill: None,
            },
            events: events_tx,
            joined: joined_tx,
        };
        let stopped = || CallError::Rejected(format!("queue {queue_name} stopped"));
        queue.send(join).await.map_err(|_| stopped())?;
        joined
            .await
            .map_err(|_| stopped())?
            .map_err(|e| CallError::Rejected(format!("queue {queue_name}: {e}")))?;
        let callback_key = callback_key(options.callback_key.as_deref(), handle.callback_key);
        self.hold_music().await?;
        let mut playing = Playing::HoldMusic;
        loop {
            let event = tokio::select! {
                wake = self.next_wake(max_wait) => match wake {
                    Wake::Gone => {
                        let _ = queue.send(QueueCommand::Leave { caller }).await;
                        return Ok(Waited::Abandoned(self.caller_left()));
                    }
                    Wake::Deadline => {
                        let _ = queue.send(QueueCommand::Leave { caller }).await;
                        return Ok(Waited::ScenarioLimit);
                    }
                    // The hold music loops; an announcement's end brings it back.
                    Wake::PlayEnded => {
                        if playing == Playing::Announcement {
                            playing = Playing::HoldMusic;
                            if let Err(error) = self.hold_music().await {
                                let _ = queue.send(QueueCommand::Leave { caller }).await;
                                return Err(error);
                            }
                        }
                        continue;
                    }
                    Wake::Digit(digit) if Some(digit.as_char()) == callback_key => {
                        if self.request_callback(handle, queue_name, caller).await {
                            return Ok(Waited::Done(QueueOutcome::CallbackRequested));
                        }
                        continue;
                    }
                    // Other keys are kept for the scenario's next collect.
                    Wake::Digit(digit) => {
                        self.keep_type_ahead(digit);
                        continue;
                    }
                    // No recording runs while waiting in a queue.
                    Wake::Silence => continue,
                },
                event = events.recv() => event,
            };
            match event {
                None => return Err(stopped()),
                Some(CallerEvent::Overflow { action, ring_time }) => {
                    return Ok(Waited::Overflow { action, ring_time });
                }
                Some(CallerEvent::Announce {
                    position,
                    estimated_wait,
                }) => {
                    tracing::debug!(call = %self.info.id, position, "queue position");
                    // A scenario that asks for no announcements gets none.
                    if options.announce_every_seconds > 0 {
                        let prompts = announcement(position, estimated_wait, callback_key);
                        match self.announce(&prompts).await {
                            Ok(true) => playing = Playing::Announcement,
                            Ok(false) => {}
                            Err(error) => {
                                let _ = queue.send(QueueCommand::Leave { caller }).await;
                                return Err(error);
                            }
                        }
                    }
                }
                Some(CallerEvent::Ring { agents, ring_time }) => {
                    match self.ring_agents(&agents, ring_time).await {
                        Ok((answered, agent)) => {
                            let _ = queue.send(QueueCommand::Answered { caller, agent }).await;
                            let who = answered.label.clone();
                            {
                                let mut book = self.book.lock();
                                book.served_from_queue(Some(who.clone()));
                                book.set_var(QUEUE_ANSWERED_BY_VAR.into(), who);
                            }
                            self.finish_play().await;
                            let bridged = self
                                .bridge(answered, BridgeVia::QueueAgent(queue_name))
                                .await;
                            let _ = queue.send(QueueCommand::AgentDone { agent }).await;
                            return bridged
                                .map(|outcome| Waited::Done(QueueOutcome::Answered(outcome)));
                        }
                        Err(RingFailure::CallerGone) => {
                            let _ = queue.send(QueueCommand::Leave { caller }).await;
                            return Ok(Waited::Abandoned(self.caller_left()));
                        }
                        Err(_) => {
                            for (agent, _) in &agents {
                                let declined = QueueCommand::Declined {
                                    caller,
                                    agent: *agent,
                                };
                                let _ = queue.send(declined).await;
                            }
                        }
                    }
                }
            }
        }
    }

    /// Loops the tenant's hold music, or waits in silence without one.
    async fn hold_music(&mut self) -> Result<(), CallError> {
        let Ok(items) = playlist(&self.prompts, &[Prompt::File(HOLD_MUSIC_PROMPT.into())]).await
        else {
            return Ok(());
        };
        let leg = self.leg.as_ref().ok_or(CallError::Hangup)?;
        if leg.play(items, true, false).await.is_err() {
            return Err(self.caller_left());
        }
        self.playing = true;
        Ok(())
    }

    /// Stops the music and plays `prompts`; `false` (music goes on) when the tenant's
    /// library lacks one of them.
    async fn announce(&mut self, prompts: &[Prompt]) -> Result<bool, CallError> {
        let items = match playlist(&self.prompts, prompts).await {
            Ok(items) => items,
            Err(error) => {
                tracing::debug!(call = %self.info.id, ?error, "no queue announcement");
                return Ok(false);
            }
        };
        self.finish_play().await;
        self.start_play(items, false).await?;
        Ok(true)
    }

    /// Files a callback task for this caller and turns their place in `handle`'s queue
    /// into it; `false` when that failed and the caller waits on.
    async fn request_callback(
        &mut self,
        handle: &QueueHandle,
        queue_name: &str,
        caller: CallerId,
    ) -> bool {
        let request = CallbackRequest {
            number: self.info.from.clone(),
            at_unix: None,
            queue: Some(queue_name.to_string()),
            reason: QUEUE_CALLBACK_REASON.into(),
        };
        // Filed under the number this caller dialled, like the call's own CDR.
        let filing =
            CallbackFiling::on_call(request, self.info.dialed.clone(), self.info.id.clone());
        let id = match handle.services.schedule_callback(filing).await {
            Ok(id) => id,
            Err(error) => {
                tracing::info!(call = %self.info.id, ?error, "callback not filed; caller waits on");
                return false;
            }
        };
        let task = CallbackTask {
            number: self.info.from.clone(),
            dialed: self.info.dialed.clone(),
            id,
        };
        let (done, placed) = oneshot::channel();
        let request = QueueCommand::RequestCallback { caller, task, done };
        if handle.commands.send(request).await.is_err() {
            return false;
        }
        match placed.await {
            Ok(Ok(())) => {
                self.book.lock().add_tag(QUEUE_CALLBACK_TAG.into());
                true
            }
            // Answered or overflowed meanwhile: the task stays on the tenant's list.
            _ => false,
        }
    }

    /// Rings every registered phone of the offered agents together.
    async fn ring_agents(
        &mut self,
        agents: &[(AgentId, String)],
        ring_time: Duration,
    ) -> Result<(crate::outbound::AnsweredLeg, AgentId), RingFailure> {
        let mut requests = Vec::new();
        for (_, extension) in agents {
            let target = DialTarget::Extension(extension.clone());
            if let Ok(phones) = resolve_target(&target, &self.context, &self.info.tenant) {
                requests.extend(phones);
            }
        }
        if requests.is_empty() {
            return Err(RingFailure::NoAnswer);
        }
        let codec = self
            .caller_format
            .map(|f| f.codec)
            .ok_or(RingFailure::CallerGone)?;
        let caller_id = self.info.from.clone();
        let answered = self
            .ring_for_caller(requests, &caller_id, codec, ring_time)
            .await?;
        let agent = agents
            .iter()
            .find(|(_, extension)| *extension == answered.label)
            .map(|(agent, _)| *agent)
            .ok_or(RingFailure::NoAnswer)?;
        Ok((answered, agent))
    }
}

/// The key that asks for a callback: the scenario's (if it is a phone key), else the
/// queue's own offer.
fn callback_key(scenario_key: Option<&str>, queue_key: Option<char>) -> Option<char> {
    match scenario_key {
        Some(key) => key
            .chars()
            .next()
            .and_then(Digit::from_char)
            .map(Digit::as_char),
        None => queue_key,
    }
}

#[cfg(test)]
mod tests {
    use super::callback_key;

    #[test]
    fn the_scenarios_callback_key_wins_over_the_queues() {
        assert_eq!(callback_key(Some("2"), Some('1')), Some('2'));
        assert_eq!(callback_key(None, Some('1')), Some('1'));
        assert_eq!(callback_key(None, None), None);
    }

    #[test]
    fn a_scenario_key_that_is_no_phone_key_offers_no_callback() {
        assert_eq!(callback_key(Some("x"), Some('1')), None);
        assert_eq!(callback_key(Some(""), Some('1')), None);
    }
}
