//! The [`Call`] handle: control of the one call a scenario instance runs for.

use crate::collect::Collect;
use crate::dial::{Dial, Enqueue};
use crate::prompt::{IntoPrompts, Prompt};
use crate::wit::call::{self, DialTarget, RecordOptions};
use crate::wit::types::{CallError, CallInfo, Direction, HangupCause};

/// The call this scenario instance runs for.
///
/// Every method blocks the scenario (not a thread) until the host has done the work.
/// Operations return [`CallError`] for what a scenario may recover from; use `?` to stop on
/// the others (a hangup ends the scenario normally).
///
/// ```no_run
/// use wasmphony_guest::{Call, ScenarioResult};
///
/// fn greet(call: &Call) -> ScenarioResult {
///     call.answer()?;
///     call.play(["greeting", "promo"])?;
///     let choice = call.collect().prompt("menu-main").run()?;
///     call.tag(format!("choice:{choice}"))?;
///     call.hangup();
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Call {
    info: CallInfo,
}

impl Call {
    /// Wraps the call info the entry point received.
    pub fn new(info: CallInfo) -> Self {
        Self { info }
    }

    /// Asks the host for the call info (for code that did not keep the entry's `Call`).
    pub fn current() -> Self {
        Self::new(call::info())
    }

    /// Everything the host knew when the call started.
    pub fn info(&self) -> &CallInfo {
        &self.info
    }

    /// The caller's number (for outbound calls: the number the call came from).
    pub fn caller(&self) -> &str {
        &self.info.from
    }

    /// The tenant number dialed (inbound) or the caller id used (outbound).
    pub fn dialed(&self) -> &str {
        &self.info.dialed
    }

    /// True for inbound calls.
    pub fn is_inbound(&self) -> bool {
        self.info.direction == Direction::Inbound
    }

    /// Answers the call (no-op when already answered or outbound).
    pub fn answer(&self) -> Result<(), CallError> {
        call::answer()
    }

    /// Ends the call normally; the scenario should return after this.
    pub fn hangup(&self) {
        call::hangup(HangupCause::Normal);
    }

    /// Ends the call with a cause.
    pub fn hangup_with(&self, cause: HangupCause) {
        call::hangup(cause);
    }

    /// Plays prompts to the end (keys pressed meanwhile are ignored).
    pub fn play(&self, prompts: impl IntoPrompts) -> Result<(), CallError> {
        call::play(&prompts.into_prompts(), false).map(|_| ())
    }

    /// Plays prompts; a key press stops playback and is returned.
    pub fn play_interruptible(
        &self,
        prompts: impl IntoPrompts,
    ) -> Result<Option<String>, CallError> {
        call::play(&prompts.into_prompts(), true)
    }

    /// Speaks digits one by one ("4", "2").
    pub fn say_digits(&self, digits: &str) -> Result<(), CallError> {
        self.play(Prompt::Digits(digits.to_owned()))
    }

    /// Speaks a whole number ("forty-two").
    pub fn say_number(&self, value: i64) -> Result<(), CallError> {
        self.play(Prompt::Number(value))
    }

    /// Starts setting up a digit collection (see [`Collect`]).
    pub fn collect(&self) -> Collect {
        Collect::new()
    }

    /// Starts setting up a recording (see [`Record`]).
    pub fn record(&self) -> Record {
        Record::new()
    }

    /// Starts setting up a dial (see [`Dial`]).
    pub fn dial(&self) -> Dial {
        Dial::new()
    }

    /// Starts setting up a queue join (see [`Enqueue`]).
    pub fn enqueue(&self, queue: impl Into<String>) -> Enqueue {
        Enqueue::new(queue)
    }

    /// Blind transfer: hands the call to the target; the scenario should return after this.
    pub fn transfer(&self, target: DialTarget) -> Result<(), CallError> {
        call::transfer(&target)
    }

    /// Sends DTMF digits to the other side.
    pub fn send_dtmf(&self, digits: &str) -> Result<(), CallError> {
        call::send_dtmf(digits)
    }

    /// Labels the call for reports (`order`, `branch:center`, …).
    pub fn tag(&self, label: impl AsRef<str>) -> Result<(), CallError> {
        call::tag(label.as_ref())
    }

    /// Sets a call variable (visible in the call record and to later legs).
    pub fn set_var(&self, name: &str, value: impl AsRef<str>) -> Result<(), CallError> {
        call::set_var(name, value.as_ref())
    }

    /// Reads a call variable (outbound calls receive their origination variables).
    pub fn var(&self, name: &str) -> Option<String> {
        call::get_var(name)
    }
}

/// A recording being set up; finish with [`Record::run`].
///
/// Defaults: 120 s at most, stop after 5 s of silence, a beep first, `#` stops.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a recording does nothing until `run` is called"]
pub struct Record {
    options: RecordOptions,
}

impl Default for Record {
    fn default() -> Self {
        Self::new()
    }
}

impl Record {
    /// The defaults above.
    pub fn new() -> Self {
        Self {
            options: RecordOptions {
                max_seconds: 120,
                silence_seconds: 5,
                beep: true,
                terminators: "#".to_owned(),
            },
        }
    }

    /// Longest recording.
    pub fn max_seconds(mut self, seconds: u32) -> Self {
        self.options.max_seconds = seconds;
        self
    }

    /// Stop after this much silence (0: never).
    pub fn silence_seconds(mut self, seconds: u32) -> Self {
        self.options.silence_seconds = seconds;
        self
    }

    /// Beep before recording.
    pub fn beep(mut self, beep: bool) -> Self {
        self.options.beep = beep;
        self
    }

    /// Keys that stop the recording.
    pub fn terminators(mut self, keys: impl Into<String>) -> Self {
        self.options.terminators = keys.into();
        self
    }

    /// The options as the host receives them.
    pub fn options(&self) -> &RecordOptions {
        &self.options
    }

    /// Records the caller; returns the recording id.
    pub fn run(self) -> Result<String, CallError> {
        call::record(&self.options)
    }
}
