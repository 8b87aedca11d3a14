//! Dialing targets and bridged conversations on the virtual clock.

use wasmphony_engine::api::{CallError, DialOptions, DialOutcome, DialStrategy, DialTarget};

use super::{DEFAULT_RING_TIMEOUT_SECONDS, DEFAULT_TALK_SECONDS, SimCall, Wake};
use crate::journal::{DialFact, bounded_push};
use crate::script::{Strategy, TargetBehaviour, TargetState};
use crate::time::{Span, VirtualTime};
use crate::timeline::Happening;

/// Script key for targets the script does not name.
pub const ANY_TARGET: &str = "*";

/// How one target will behave when rung.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ring {
    Busy,
    NoAnswer,
    Answers { after: Span, talk: Span },
}

impl SimCall {
    /// The label a target is written as; the assigned manager resolves to
    /// their extension through the caller's card.
    pub(crate) fn target_label(&self, target: &DialTarget) -> Result<String, CallError> {
        match target {
            DialTarget::Extension(s) | DialTarget::Number(s) | DialTarget::SipUri(s) => {
                Ok(s.clone())
            }
            DialTarget::AssignedManager => self.assigned_manager().ok_or_else(|| {
                CallError::NotFound(
                    "the caller has no customer card with an assigned manager".into(),
                )
            }),
        }
    }

    fn assigned_manager(&self) -> Option<String> {
        let number = &self.script.caller.number;
        match &self.services {
            Some(services) => services.assigned_manager(number),
            None => self
                .script
                .caller
                .contact
                .as_ref()
                .and_then(|c| c.assigned_manager.clone()),
        }
    }

    fn ring_of(&self, label: &str) -> Ring {
        let behaviour = self
            .script
            .targets
            .get(label)
            .or_else(|| self.script.targets.get(ANY_TARGET));
        match behaviour {
            None | Some(TargetBehaviour::Simple(TargetState::NoAnswer)) => Ring::NoAnswer,
            Some(TargetBehaviour::Simple(TargetState::Busy)) => Ring::Busy,
            Some(TargetBehaviour::Answers(answering)) => Ring::Answers {
                after: answering.answer_after.span(),
                talk: answering
                    .talk
                    .map_or(Span::from_secs(DEFAULT_TALK_SECONDS), |talk| talk.span()),
            },
        }
    }

    /// Parallel: every target rings at once and the first to answer within
    /// the ring timeout wins (ties: the first listed). Sequential: one after
    /// another, each for the ring timeout; busy ones are skipped at once.
    pub(crate) async fn sim_dial(
        &mut self,
        options: &DialOptions,
    ) -> Result<DialOutcome, CallError> {
        self.ensure_connected()?;
        let labels = options
            .targets
            .iter()
            .map(|target| self.target_label(target))
            .collect::<Result<Vec<_>, _>>();
        let labels = match labels {
            Ok(labels) => labels,
            Err(error) => return self.failed("dial", error),
        };
        let strategy = match options.strategy {
            DialStrategy::Parallel => Strategy::Parallel,
            DialStrategy::Sequential => Strategy::Sequential,
        };
        let ring_seconds = match options.ring_timeout_seconds {
            0 => DEFAULT_RING_TIMEOUT_SECONDS,
            seconds => seconds,
        };
        self.journal.note(Happening::Dials {
            targets: labels.clone(),
            strategy: strategy.as_str(),
            ring_seconds,
        });
        self.journal.with_facts(|facts| {
            bounded_push(
                &mut facts.dials,
                DialFact {
                    targets: labels.clone(),
                    strategy,
                },
            );
            facts.outcomes.tried_to_connect = true;
        });
        let timeout = Span::from_secs(u64::from(ring_seconds));
        let result = match strategy {
            Strategy::Parallel => self.dial_parallel(&labels, timeout).await,
            Strategy::Sequential => self.dial_sequential(&labels, timeout).await,
        };
        match result {
            Ok(outcome) => {
                self.result("dial", format!("answered by {}", outcome.answered_by));
                Ok(outcome)
            }
            Err(error) => self.failed("dial", error),
        }
    }

    async fn dial_parallel(
        &mut self,
        labels: &[String],
        timeout: Span,
    ) -> Result<DialOutcome, CallError> {
        let rings: Vec<Ring> = labels.iter().map(|label| self.ring_of(label)).collect();
        for (label, ring) in labels.iter().zip(&rings) {
            if *ring == Ring::Busy {
                self.journal.note(Happening::TargetBusy(label.clone()));
            }
        }
        if rings.iter().all(|ring| *ring == Ring::Busy) {
            return Err(CallError::Busy);
        }
        let winner = rings
            .iter()
            .enumerate()
            .filter_map(|(index, ring)| match ring {
                Ring::Answers { after, talk } if *after <= timeout => Some((*after, index, *talk)),
                _ => None,
            })
            .min_by_key(|(after, index, _)| (*after, *index));
        let start = self.clock();
        let wait = winner.map_or(timeout, |(after, _, _)| after);
        self.ring_until(start.after(wait)).await?;
        match winner {
            Some((_, index, talk)) => Ok(self.bridge(&labels[index], talk).await),
            None => {
                for (label, ring) in labels.iter().zip(&rings) {
                    if *ring != Ring::Busy {
                        self.journal.note(Happening::TargetNoAnswer(label.clone()));
                    }
                }
                Err(CallError::NoAnswer)
            }
        }
    }

    async fn dial_sequential(
        &mut self,
        labels: &[String],
        timeout: Span,
    ) -> Result<DialOutcome, CallError> {
        let mut any_rang = false;
        for label in labels {
            match self.ring_of(label) {
                Ring::Busy => self.journal.note(Happening::TargetBusy(label.clone())),
                Ring::Answers { after, talk } if after <= timeout => {
                    let answer_at = self.clock().after(after);
                    self.ring_until(answer_at).await?;
                    return Ok(self.bridge(label, talk).await);
                }
                Ring::Answers { .. } | Ring::NoAnswer => {
                    any_rang = true;
                    let give_up = self.clock().after(timeout);
                    self.ring_until(give_up).await?;
                    self.journal.note(Happening::TargetNoAnswer(label.clone()));
                }
            }
        }
        Err(if any_rang {
            CallError::NoAnswer
        } else {
            CallError::Busy
        })
    }

    /// Rings until `until`; a caller hang-up meanwhile abandons the call.
    async fn ring_until(&mut self, until: VirtualTime) -> Result<(), CallError> {
        match self.wait_until(until, |_| false).await {
            Wake::CallerHungUp => {
                self.journal
                    .with_facts(|facts| facts.outcomes.hung_up_waiting = true);
                Err(CallError::Hangup)
            }
            Wake::Key(_) | Wake::Deadline => Ok(()),
        }
    }

    /// Bridges the caller to `with` for `talk`, or until the caller hangs up.
    pub(crate) async fn bridge(&mut self, with: &str, talk: Span) -> DialOutcome {
        self.journal
            .note(Happening::TargetAnswers(with.to_string()));
        self.journal
            .with_facts(|facts| facts.outcomes.bridged = true);
        let start = self.clock();
        let wake = self.wait_until(start.after(talk), |_| false).await;
        let talked = self.clock().since(start);
        let caller_hung_up = wake == Wake::CallerHungUp;
        self.journal.note(Happening::Conversation {
            with: with.to_string(),
            talk: talked,
            caller_hung_up,
        });
        DialOutcome {
            answered_by: with.to_string(),
            talk_seconds: (talked.as_millis() / 1000) as u32,
            caller_hung_up,
        }
    }
}
