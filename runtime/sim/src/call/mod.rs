//! [`SimCall`]: a scripted caller on a virtual clock, implementing the
//! engine's [`CallControl`].

mod connect;
mod control;
mod prompts;
mod queue;
mod record;
#[cfg(test)]
mod tests;

pub use connect::ANY_TARGET;
pub use queue::DEFAULT_AGENT;

use std::collections::VecDeque;
use std::sync::Arc;

use wasmphony_engine::api::{CallError, CallInfo, Direction, Header};

use crate::durations::PromptDurations;
use crate::journal::CallJournal;
use crate::pace::Pace;
use crate::script::{CallerAction, Script, ScriptWorld};
use crate::services::SimServices;
use crate::time::{Span, VirtualTime};
use crate::timeline::Happening;

/// Id every simulated call carries.
pub const SIM_CALL_ID: &str = "sim-call-1";
/// Tenant every simulated call belongs to.
pub const SIM_TENANT: &str = "sim";
/// Conversation length when a script gives none.
pub const DEFAULT_TALK_SECONDS: u64 = 60;
/// Ring timeout used when the scenario passes 0.
pub const DEFAULT_RING_TIMEOUT_SECONDS: u32 = 30;
/// A queue's own wait limit when neither the scenario nor the script sets one.
pub const DEFAULT_QUEUE_MAX_WAIT_SECONDS: u32 = 300;
/// Virtual length after which the simulated caller gives up and hangs up,
/// so that a scenario looping on prompts cannot run forever.
pub const MAX_CALL_SECONDS: u64 = 4 * 3600;
/// One DTMF digit sent to the caller.
pub const SEND_DTMF_DIGIT_MS: u64 = 100;

/// What ended a stretch of virtual waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wake {
    /// A key the waiting operation listens for.
    Key(char),
    CallerHungUp,
    /// The deadline passed with nothing heard.
    Deadline,
}

/// A scripted call. Cheap to build; the journal handle
/// ([`SimCall::journal`]) reads what happened after the engine is done.
pub struct SimCall {
    script: Arc<Script>,
    pace: Pace,
    journal: CallJournal,
    services: Option<Arc<SimServices>>,
    durations: PromptDurations,
    /// Key presses not yet reached by the clock.
    keys: VecDeque<(VirtualTime, char)>,
    hangup_at: Option<VirtualTime>,
    caller_gone: bool,
    /// The scenario hung up or transferred the call away.
    ended: bool,
    answered: bool,
    recordings: u32,
}

impl SimCall {
    /// A call that follows `script`'s caller actions at `pace`.
    pub fn new(script: Arc<Script>, pace: Pace) -> Self {
        let mut keys = VecDeque::new();
        let mut hangup_at = None;
        for action in &script.actions {
            match *action {
                CallerAction::Press { at, key } => keys.push_back((at, key)),
                CallerAction::Hangup { at } => {
                    hangup_at = Some(hangup_at.map_or(at, |h: VirtualTime| h.min(at)));
                }
            }
        }
        let hangup_at =
            Some(hangup_at.unwrap_or(VirtualTime::ZERO.after(Span::from_secs(MAX_CALL_SECONDS))));
        let journal = CallJournal::default();
        let outbound = script.world == Some(ScriptWorld::OutboundCall);
        let (from, to) = if outbound {
            (script.dialed.clone(), script.caller.number.clone())
        } else {
            (script.caller.number.clone(), script.dialed.clone())
        };
        journal.note(Happening::CallArrives { from, to, outbound });
        journal.with_facts(|facts| facts.vars = script.vars.clone());
        SimCall {
            durations: PromptDurations::new(script.prompts.clone()),
            script,
            pace,
            journal,
            services: None,
            keys,
            hangup_at,
            caller_gone: false,
            ended: false,
            answered: outbound,
            recordings: 0,
        }
    }

    /// Resolves the assigned manager through these services' contact cards
    /// (otherwise through the script's caller card).
    pub fn with_services(mut self, services: Arc<SimServices>) -> Self {
        self.services = Some(services);
        self
    }

    /// The handle on this call's timeline and facts.
    pub fn journal(&self) -> CallJournal {
        self.journal.clone()
    }

    fn clock(&self) -> VirtualTime {
        self.journal.now()
    }

    fn call_info(&self) -> CallInfo {
        let script = &self.script;
        let outbound = script.world == Some(ScriptWorld::OutboundCall);
        let (from, to, direction) = if outbound {
            (
                script.dialed.clone(),
                script.caller.number.clone(),
                Direction::Outbound,
            )
        } else {
            (
                script.caller.number.clone(),
                script.dialed.clone(),
                Direction::Inbound,
            )
        };
        CallInfo {
            id: SIM_CALL_ID.into(),
            tenant: SIM_TENANT.into(),
            direction,
            from,
            to,
            dialed: script.dialed.clone(),
            caller_name: script.caller.name.clone(),
            source: script.source.clone(),
            headers: Vec::<Header>::new(),
        }
    }

    /// Fails with `Hangup` once the caller is gone or the scenario let the
    /// call go; a hang-up due by now takes effect here.
    fn ensure_connected(&mut self) -> Result<(), CallError> {
        if !self.caller_gone
            && !self.ended
            && let Some(at) = self.hangup_at
            && at <= self.clock()
        {
            self.caller_hangs_up(at);
        }
        if self.caller_gone || self.ended {
            Err(CallError::Hangup)
        } else {
            Ok(())
        }
    }

    fn caller_hangs_up(&mut self, at: VirtualTime) {
        self.caller_gone = true;
        self.hangup_at = None;
        self.journal
            .note_at(at.max(self.clock()), Happening::CallerHangsUp);
        self.journal.with_facts(|facts| {
            facts.outcomes.caller_hung_up = true;
            facts.call_ended = true;
        });
    }

    /// Lets virtual time run to `deadline`, stopping early when the caller
    /// hangs up or presses a key `listening` accepts. Keys nobody listens
    /// for are logged and dropped. A key and a hang-up at the same moment:
    /// the key comes first.
    async fn wait_until(
        &mut self,
        deadline: VirtualTime,
        listening: impl Fn(char) -> bool,
    ) -> Wake {
        loop {
            let now = self.clock();
            let key = self.keys.front().copied().filter(|(at, _)| *at < deadline);
            let hangup = self.hangup_at.filter(|at| *at < deadline || *at <= now);
            match (key, hangup) {
                (Some((at, key)), hangup) if hangup.is_none_or(|h| at <= h) => {
                    self.keys.pop_front();
                    self.advance_to(at).await;
                    let heard = listening(key);
                    self.journal.note(Happening::CallerPresses { key, heard });
                    if heard {
                        return Wake::Key(key);
                    }
                }
                (_, Some(at)) => {
                    self.advance_to(at).await;
                    self.caller_hangs_up(at);
                    return Wake::CallerHungUp;
                }
                (_, None) => {
                    self.advance_to(deadline).await;
                    return Wake::Deadline;
                }
            }
        }
    }

    async fn advance_to(&mut self, to: VirtualTime) {
        let moved = self.journal.advance_to(to);
        self.pace.wait(moved).await;
    }

    /// Waits `span` with nobody listening for keys.
    async fn pass(&mut self, span: Span) -> Result<(), CallError> {
        let deadline = self.clock().after(span);
        match self.wait_until(deadline, |_| false).await {
            Wake::CallerHungUp => Err(CallError::Hangup),
            Wake::Key(_) | Wake::Deadline => Ok(()),
        }
    }

    fn result(&self, op: &'static str, result: impl Into<String>) {
        self.journal.note(Happening::Result {
            op,
            result: result.into(),
        });
    }

    fn failed<T>(&self, op: &'static str, error: CallError) -> Result<T, CallError> {
        self.result(op, error.kind());
        Err(error)
    }
}
