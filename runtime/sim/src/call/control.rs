//! The engine's [`CallControl`] on top of the simulated call.

use async_trait::async_trait;
use wasmphony_engine::CallControl;
use wasmphony_engine::api::{
    CallError, CallInfo, CollectOptions, DialOptions, DialOutcome, DialTarget, EnqueueOptions,
    HangupCause, LocalTime, LogLevel, Prompt, QueueOutcome, RecordOptions,
};

use super::{SEND_DTMF_DIGIT_MS, SimCall};
use crate::journal::bounded_push;
use crate::time::Span;
use crate::timeline::Happening;

#[async_trait]
impl CallControl for SimCall {
    fn info(&self) -> CallInfo {
        self.call_info()
    }

    async fn answer(&mut self) -> Result<(), CallError> {
        self.ensure_connected()?;
        if !self.answered {
            self.answered = true;
            self.journal.note(Happening::Answered);
        }
        Ok(())
    }

    async fn hangup(&mut self, cause: HangupCause) {
        if self.caller_gone || self.ended {
            return;
        }
        self.ended = true;
        self.journal
            .note(Happening::ScenarioHangsUp(cause_name(cause)));
        self.journal.with_facts(|facts| facts.call_ended = true);
    }

    async fn play(
        &mut self,
        prompts: Vec<Prompt>,
        barge_in: bool,
    ) -> Result<Option<String>, CallError> {
        match self.sim_play(&prompts, barge_in).await {
            Ok(Some(key)) => {
                self.result("play", format!("interrupted by {key}"));
                Ok(Some(key.to_string()))
            }
            Ok(None) => Ok(None),
            Err(error) => self.failed("play", error),
        }
    }

    async fn collect(&mut self, options: CollectOptions) -> Result<String, CallError> {
        self.sim_collect(&options).await
    }

    async fn record(&mut self, options: RecordOptions) -> Result<String, CallError> {
        self.sim_record(&options).await
    }

    async fn dial(&mut self, options: DialOptions) -> Result<DialOutcome, CallError> {
        self.sim_dial(&options).await
    }

    async fn enqueue(&mut self, options: EnqueueOptions) -> Result<QueueOutcome, CallError> {
        self.sim_enqueue(&options).await
    }

    async fn transfer(&mut self, target: DialTarget) -> Result<(), CallError> {
        self.ensure_connected()?;
        let label = match self.target_label(&target) {
            Ok(label) => label,
            Err(error) => return self.failed("transfer", error),
        };
        self.journal.note(Happening::Transfers(label.clone()));
        self.journal.with_facts(|facts| {
            bounded_push(&mut facts.transfers, label);
            facts.outcomes.transferred = true;
            facts.call_ended = true;
        });
        // The call now belongs to the target; the scenario has nothing left to control.
        self.ended = true;
        Ok(())
    }

    async fn send_dtmf(&mut self, digits: String) -> Result<(), CallError> {
        self.ensure_connected()?;
        self.journal.note(Happening::SendsDtmf(digits.clone()));
        let length = Span::from_millis(SEND_DTMF_DIGIT_MS * digits.chars().count() as u64);
        self.pass(length).await
    }

    async fn tag(&mut self, label: String) -> Result<(), CallError> {
        self.journal.note(Happening::Tag(label.clone()));
        self.journal
            .with_facts(|facts| bounded_push(&mut facts.tags, label));
        Ok(())
    }

    fn set_var(&mut self, name: String, value: String) {
        self.journal.note(Happening::SetVar {
            name: name.clone(),
            value: value.clone(),
        });
        self.journal
            .with_facts(|facts| facts.vars.insert(name, value));
    }

    fn get_var(&self, name: &str) -> Option<String> {
        self.journal
            .with_facts(|facts| facts.vars.get(name).cloned())
    }

    fn var_count(&self) -> usize {
        self.journal.with_facts(|facts| facts.vars.len())
    }

    fn log(&mut self, level: LogLevel, message: &str) {
        self.journal.note(Happening::Log {
            level: level_name(level),
            message: message.to_string(),
        });
    }

    fn now(&self) -> LocalTime {
        self.script.time.local_time(self.journal.now())
    }

    fn on_guest_failure(&mut self, reason: &str) {
        self.journal
            .note(Happening::GuestFailed(crate::report::one_line_reason(
                reason,
            )));
        self.journal
            .with_facts(|facts| facts.outcomes.guest_failed = true);
    }
}

fn cause_name(cause: HangupCause) -> &'static str {
    match cause {
        HangupCause::Normal => "normal",
        HangupCause::Busy => "busy",
        HangupCause::Rejected => "rejected",
        HangupCause::Unavailable => "unavailable",
    }
}

fn level_name(level: LogLevel) -> &'static str {
    match level {
        LogLevel::Trace => "trace",
        LogLevel::Debug => "debug",
        LogLevel::Info => "info",
        LogLevel::Warn => "warn",
        LogLevel::Error => "error",
    }
}
