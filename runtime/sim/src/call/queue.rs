//! Waiting in a call queue on the virtual clock.

use wasmphony_engine::api::{CallError, EnqueueOptions, QueueOutcome};

use super::{DEFAULT_QUEUE_MAX_WAIT_SECONDS, DEFAULT_TALK_SECONDS, SimCall, Wake};
use crate::journal::bounded_push;
use crate::script::QueueBehaviour;
use crate::time::Span;
use crate::timeline::Happening;

/// Agent named when a script's queue names none.
pub const DEFAULT_AGENT: &str = "agent";

impl SimCall {
    /// The caller waits until an agent answers (bridged), the wait limit
    /// passes (overflow), they press the callback key, or they hang up
    /// (abandoned). Position announcements go on the timeline every
    /// `announce_every_seconds`, the position dropping by one each time.
    pub(crate) async fn sim_enqueue(
        &mut self,
        options: &EnqueueOptions,
    ) -> Result<QueueOutcome, CallError> {
        self.ensure_connected()?;
        let queue = options.queue.clone();
        self.journal.with_facts(|facts| {
            bounded_push(&mut facts.queues, queue.clone());
            facts.outcomes.tried_to_connect = true;
        });
        let behaviour = self.script.queues.get(&queue).cloned();
        let Some(setup) = behaviour.map_or(Some(Default::default()), |b: QueueBehaviour| b.setup())
        else {
            self.journal.note(Happening::Enqueued {
                queue: queue.clone(),
                max_wait_seconds: 0,
            });
            self.result("enqueue", "overflow (queue full)");
            return Ok(QueueOutcome::Overflow);
        };
        let max_wait = match options.max_wait_seconds {
            0 => setup.max_wait.map_or(
                Span::from_secs(u64::from(DEFAULT_QUEUE_MAX_WAIT_SECONDS)),
                |s| s.span(),
            ),
            seconds => Span::from_secs(u64::from(seconds)),
        };
        self.journal.note(Happening::Enqueued {
            queue: queue.clone(),
            max_wait_seconds: (max_wait.as_millis() / 1000) as u32,
        });
        let answer = setup
            .answer_after
            .map(|s| s.span())
            .filter(|after| *after <= max_wait);
        let start = self.clock();
        let end = start.after(answer.unwrap_or(max_wait));
        let every = Span::from_secs(u64::from(options.announce_every_seconds));
        let callback_key = options.callback_key.clone().unwrap_or_default();
        let mut position = setup.position.unwrap_or(1).max(1);
        let mut announcements = 1u64;
        loop {
            let next_announcement = (every > Span::ZERO)
                .then(|| {
                    start.after(Span::from_millis(
                        every.as_millis().saturating_mul(announcements),
                    ))
                })
                .filter(|at| *at < end);
            let until = next_announcement.unwrap_or(end);
            match self
                .wait_until(until, |key| callback_key.contains(key))
                .await
            {
                Wake::Key(_) => {
                    self.journal.with_facts(|facts| {
                        facts.queue_callbacks += 1;
                        facts.outcomes.callback = true;
                    });
                    self.result("enqueue", "callback requested");
                    return Ok(QueueOutcome::CallbackRequested);
                }
                Wake::CallerHungUp => {
                    self.journal
                        .with_facts(|facts| facts.outcomes.hung_up_waiting = true);
                    return self.failed("enqueue", CallError::Hangup);
                }
                Wake::Deadline if next_announcement.is_some() => {
                    self.journal.note(Happening::QueuePosition {
                        queue: queue.clone(),
                        position,
                    });
                    position = position.saturating_sub(1).max(1);
                    announcements += 1;
                }
                Wake::Deadline => break,
            }
        }
        if answer.is_none() {
            self.result("enqueue", "overflow");
            return Ok(QueueOutcome::Overflow);
        }
        let agent = setup.agent.unwrap_or_else(|| DEFAULT_AGENT.to_string());
        let talk = setup
            .talk
            .map_or(Span::from_secs(DEFAULT_TALK_SECONDS), |s| s.span());
        let outcome = self.bridge(&agent, talk).await;
        self.result("enqueue", format!("answered by {agent}"));
        Ok(QueueOutcome::Answered(outcome))
    }
}
