//! `enqueue`: the caller waits in a queue with hold music while the queue's task decides
//! whom to ring; this call rings the offered agents' phones, bridges the one who answers,
//! and reports every outcome back to the queue.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use wasmphony_acd::{AgentId, CallerId, JoinRequest, Priority};
use wasmphony_engine::api::{CallError, DialTarget, EnqueueOptions, Prompt, QueueOutcome};

use super::SipCall;
use super::wake::Wake;
use crate::outbound::{RingFailure, resolve_target, ring};
use crate::prompts::playlist;
use crate::queues::{CALLER_EVENTS, CallerEvent, QueueCommand};

/// The library prompt looped while a caller waits (silence when the tenant has none).
pub const HOLD_MUSIC_PROMPT: &str = "hold-music";

/// Queue caller ids, unique in this process.
static NEXT_CALLER: AtomicU64 = AtomicU64::new(1);

impl SipCall {
    pub(super) async fn wait_in_queue(
        &mut self,
        options: &EnqueueOptions,
    ) -> Result<QueueOutcome, CallError> {
        self.answer_call().await?;
        let queue = self
            .context
            .queues
            .queue(&self.context, &self.info.tenant, &options.queue)
            .ok_or_else(|| CallError::NotFound(format!("queue {}", options.queue)))?;
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
        self.hold_music().await?;
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
                    // The hold music loops; keys are kept for the scenario's next collect.
                    Wake::PlayEnded => continue,
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
                Some(CallerEvent::Announce { position, .. }) => {
                    tracing::debug!(call = %self.info.id, position, "queue position");
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
