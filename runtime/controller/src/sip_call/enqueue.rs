//! `enqueue`: the caller waits in a queue with hold music while the queue's task decides
//! whom to ring; this call rings the offered agents' phones, bridges the one who answers,
//! and reports every outcome back to the queue. Between the music the caller hears their
//! position and estimated wait; a caller who presses the callback key is filed on the
//! tenant's callback list and leaves, keeping their place as a callback task.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use wasmphony_acd::{AgentId, CallerId, JoinRequest, Priority};
use wasmphony_engine::api::{
    CallError, CallbackRequest, DialTarget, EnqueueOptions, Prompt, QueueOutcome,
};
use wasmphony_media::dtmf::Digit;

use super::SipCall;
use super::wake::Wake;
use crate::outbound::{RingFailure, resolve_target, ring};
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

/// Queue caller ids, unique in this process.
static NEXT_CALLER: AtomicU64 = AtomicU64::new(1);

/// What the caller's leg is playing while they wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Playing {
    HoldMusic,
    Announcement,
}

impl SipCall {
    pub(super) async fn wait_in_queue(
        &mut self,
        options: &EnqueueOptions,
    ) -> Result<QueueOutcome, CallError> {
        self.answer_call().await?;
        let handle = self
            .context
            .queues
            .queue(&self.context, &self.info.tenant, &options.queue)
            .ok_or_else(|| CallError::NotFound(format!("queue {}", options.queue)))?;
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
        let stopped = || CallError::Rejected(format!("queue {} stopped", options.queue));
        queue.send(join).await.map_err(|_| stopped())?;
        joined
            .await
            .map_err(|_| stopped())?
            .map_err(|e| CallError::Rejected(format!("queue {}: {e}", options.queue)))?;
        let max_wait = (options.max_wait_seconds > 0)
            .then(|| Instant::now() + Duration::from_secs(u64::from(options.max_wait_seconds)));
        let callback_key = callback_key(options.callback_key.as_deref(), handle.callback_key);
        self.hold_music().await?;
        let mut playing = Playing::HoldMusic;
        let outcome = loop {
            let event = tokio::select! {
                wake = self.next_wake(max_wait) => match wake {
                    Wake::Gone => {
                        let _ = queue.send(QueueCommand::Leave { caller }).await;
                        break Err(self.caller_left());
                    }
                    Wake::Deadline => {
                        let _ = queue.send(QueueCommand::Leave { caller }).await;
                        break Ok(QueueOutcome::Overflow);
                    }
                    // The hold music loops; an announcement's end brings it back.
                    Wake::PlayEnded => {
                        if playing == Playing::Announcement {
                            playing = Playing::HoldMusic;
                            if let Err(error) = self.hold_music().await {
                                let _ = queue.send(QueueCommand::Leave { caller }).await;
                                break Err(error);
                            }
                        }
                        continue;
                    }
                    Wake::Digit(digit) if Some(digit.as_char()) == callback_key => {
                        if self.request_callback(&handle, caller, options).await {
                            break Ok(QueueOutcome::CallbackRequested);
                        }
                        continue;
                    }
                    // Other keys are kept for the scenario's next collect.
                    Wake::Digit(digit) => {
                        self.keep_type_ahead(digit);
                        continue;
                    }
                },
                event = events.recv() => event,
            };
            match event {
                None => break Err(stopped()),
                Some(CallerEvent::Overflow) => break Ok(QueueOutcome::Overflow),
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
                                break Err(error);
                            }
                        }
                    }
                }
                Some(CallerEvent::Ring { agents, ring_time }) => {
                    match self.ring_agents(&agents, ring_time).await {
                        Ok((answered, agent)) => {
                            let _ = queue.send(QueueCommand::Answered { caller, agent }).await;
                            self.finish_play().await;
                            let bridged = self.bridge(answered).await;
                            let _ = queue.send(QueueCommand::AgentDone { agent }).await;
                            break bridged.map(QueueOutcome::Answered);
                        }
                        Err(RingFailure::CallerGone) => {
                            let _ = queue.send(QueueCommand::Leave { caller }).await;
                            break Err(self.caller_left());
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
        };
        self.finish_play().await;
        outcome
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
        caller: CallerId,
        options: &EnqueueOptions,
    ) -> bool {
        let request = CallbackRequest {
            number: self.info.from.clone(),
            at_unix: None,
            queue: Some(options.queue.clone()),
            reason: QUEUE_CALLBACK_REASON.into(),
        };
        let id = match handle.services.schedule_callback(request).await {
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
        let context = self.context.clone();
        let prompts = self.prompts.clone();
        let caller_id = self.info.from.clone();
        let answered = ring(
            &context,
            &prompts,
            requests,
            &caller_id,
            codec,
            ring_time,
            &mut self.gone,
        )
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
