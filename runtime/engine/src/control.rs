//! The seam between the scenario host and whatever carries the call: a real
//! SIP/RTP call in the server, a scripted caller in the simulator.

use async_trait::async_trait;

use crate::api::{
    CallError, CallInfo, CollectOptions, DialOptions, DialOutcome, DialTarget, EnqueueOptions,
    HangupCause, LocalTime, LogLevel, Prompt, QueueOutcome, RecordOptions,
};

/// Call control for one call. The host validates every guest argument against
/// [`crate::SandboxLimits`] before it reaches an implementation, so an
/// implementation may trust sizes but not meaning (an unknown prompt name, a
/// malformed number).
#[async_trait]
pub trait CallControl: Send {
    /// What the scenario sees about the call.
    fn info(&self) -> CallInfo;
    async fn answer(&mut self) -> Result<(), CallError>;
    async fn hangup(&mut self, cause: HangupCause);
    /// Plays prompts; with barge-in a key press stops playback and is returned.
    async fn play(
        &mut self,
        prompts: Vec<Prompt>,
        barge_in: bool,
    ) -> Result<Option<String>, CallError>;
    async fn collect(&mut self, options: CollectOptions) -> Result<String, CallError>;
    async fn record(&mut self, options: RecordOptions) -> Result<String, CallError>;
    async fn dial(&mut self, options: DialOptions) -> Result<DialOutcome, CallError>;
    async fn enqueue(&mut self, options: EnqueueOptions) -> Result<QueueOutcome, CallError>;
    async fn transfer(&mut self, target: DialTarget) -> Result<(), CallError>;
    async fn send_dtmf(&mut self, digits: String) -> Result<(), CallError>;
    async fn tag(&mut self, label: String) -> Result<(), CallError>;
    fn set_var(&mut self, name: String, value: String);
    fn get_var(&self, name: &str) -> Option<String>;
    /// The number of variables set so far (the host bounds it).
    fn var_count(&self) -> usize;
    /// A guest log line, already bounded by the host.
    fn log(&mut self, level: LogLevel, message: &str);
    /// Tenant-local time; virtual in the simulator.
    fn now(&self) -> LocalTime;
    /// The guest failed; the route's fallback is about to run. Lets the
    /// implementation record the reason on the call's timeline.
    fn on_guest_failure(&mut self, reason: &str);
}

/// Tenant-local time for scenarios that run without a call (timer world).
pub trait TimeSource: Send + Sync {
    fn now(&self) -> LocalTime;
}

/// Where a timer-world scenario's log lines go.
pub trait TimerSink: TimeSource {
    fn log(&self, level: LogLevel, message: &str);
}
