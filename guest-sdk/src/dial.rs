//! Ringing targets and joining queues.

use crate::wit::call::{
    self, DialOptions, DialOutcome, DialStrategy, DialTarget, EnqueueOptions, QueueOutcome,
};
use crate::wit::types::CallError;

/// Default ring time of a dial, in seconds.
pub const DEFAULT_RING_TIMEOUT_SECONDS: u32 = 20;

/// Reads a target as written in a configuration file.
///
/// `sip:`/`sips:` URIs are SIP URIs, `assigned-manager` is the caller's manager, a leading
/// `+` or seven and more digits is an external number, anything else is an extension.
///
/// ```
/// use wasmphony_guest::dial::parse_target;
/// use wasmphony_guest::wit::call::DialTarget;
/// assert_eq!(parse_target("201"), DialTarget::Extension("201".into()));
/// assert_eq!(parse_target("+35924001000"), DialTarget::Number("+35924001000".into()));
/// assert_eq!(parse_target("0888123456"), DialTarget::Number("0888123456".into()));
/// assert_eq!(parse_target("sip:bar@pbx.local"), DialTarget::SipUri("sip:bar@pbx.local".into()));
/// assert_eq!(parse_target("assigned-manager"), DialTarget::AssignedManager);
/// ```
pub fn parse_target(text: &str) -> DialTarget {
    let text = text.trim();
    if text.starts_with("sip:") || text.starts_with("sips:") {
        DialTarget::SipUri(text.to_owned())
    } else if text == "assigned-manager" {
        DialTarget::AssignedManager
    } else if text.starts_with('+') || (text.len() >= 7 && text.bytes().all(|b| b.is_ascii_digit()))
    {
        DialTarget::Number(text.to_owned())
    } else {
        DialTarget::Extension(text.to_owned())
    }
}

/// A dial being set up; finish with [`Dial::run`].
///
/// ```
/// # use wasmphony_guest::Call;
/// # fn demo(call: &Call) -> wasmphony_guest::ScenarioResult {
/// let outcome = call
///     .dial()
///     .extensions(["201", "202"])
///     .parallel()
///     .ring_timeout_seconds(25)
///     .caller_id("+35924001000")
///     .run();
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a dial does nothing until `run` is called"]
pub struct Dial {
    options: DialOptions,
}

impl Default for Dial {
    fn default() -> Self {
        Self::new()
    }
}

impl Dial {
    /// No targets yet, parallel, 20 s ring time, the caller's number as caller id.
    pub fn new() -> Self {
        Self {
            options: DialOptions {
                targets: Vec::new(),
                strategy: DialStrategy::Parallel,
                ring_timeout_seconds: DEFAULT_RING_TIMEOUT_SECONDS,
                caller_id: None,
                record: false,
            },
        }
    }

    /// Adds a target.
    pub fn target(mut self, target: DialTarget) -> Self {
        self.options.targets.push(target);
        self
    }

    /// Adds targets as written in configuration (see [`parse_target`]).
    pub fn targets<I, S>(mut self, targets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.options.targets.extend(
            targets
                .into_iter()
                .map(|target| parse_target(target.as_ref())),
        );
        self
    }

    /// Adds an extension.
    pub fn extension(self, extension: impl Into<String>) -> Self {
        self.target(DialTarget::Extension(extension.into()))
    }

    /// Adds several extensions.
    pub fn extensions<I, S>(mut self, extensions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.options.targets.extend(
            extensions
                .into_iter()
                .map(|e| DialTarget::Extension(e.into())),
        );
        self
    }

    /// Adds an external number.
    pub fn number(self, number: impl Into<String>) -> Self {
        self.target(DialTarget::Number(number.into()))
    }

    /// Adds a SIP URI.
    pub fn sip_uri(self, uri: impl Into<String>) -> Self {
        self.target(DialTarget::SipUri(uri.into()))
    }

    /// Adds the assigned manager of the caller's customer card.
    pub fn assigned_manager(self) -> Self {
        self.target(DialTarget::AssignedManager)
    }

    /// Ring every target at once (the default).
    pub fn parallel(mut self) -> Self {
        self.options.strategy = DialStrategy::Parallel;
        self
    }

    /// Ring targets one after another.
    pub fn sequential(mut self) -> Self {
        self.options.strategy = DialStrategy::Sequential;
        self
    }

    /// How long each target (sequential) or the group (parallel) rings.
    pub fn ring_timeout_seconds(mut self, seconds: u32) -> Self {
        self.options.ring_timeout_seconds = seconds;
        self
    }

    /// Caller id shown to the targets.
    pub fn caller_id(mut self, caller_id: impl Into<String>) -> Self {
        self.options.caller_id = Some(caller_id.into());
        self
    }

    /// Record the bridged conversation.
    pub fn record(mut self, record: bool) -> Self {
        self.options.record = record;
        self
    }

    /// The options as the host receives them.
    pub fn options(&self) -> &DialOptions {
        &self.options
    }

    /// Rings the targets; on answer the caller is bridged and this returns when the
    /// conversation ends. With no targets this is [`CallError::Invalid`] without asking the host.
    pub fn run(self) -> Result<DialOutcome, CallError> {
        if self.options.targets.is_empty() {
            return Err(CallError::Invalid("dial without targets".to_owned()));
        }
        call::dial(&self.options)
    }
}

/// Joining a call queue; finish with [`Enqueue::run`].
///
/// ```
/// # use wasmphony_guest::Call;
/// # use wasmphony_guest::wit::call::QueueOutcome;
/// # fn demo(call: &Call) -> wasmphony_guest::ScenarioResult {
/// match call.enqueue("delivery").announce_every_seconds(30).max_wait_seconds(180).callback_key("1").run()? {
///     QueueOutcome::Answered(_) => {}
///     QueueOutcome::CallbackRequested => call.play("callback-confirmed")?,
///     QueueOutcome::Overflow => call.play("all-busy")?,
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "an enqueue does nothing until `run` is called"]
pub struct Enqueue {
    options: EnqueueOptions,
}

impl Enqueue {
    /// Priority 0, no announcements, the queue's own wait limit, no callback key.
    pub fn new(queue: impl Into<String>) -> Self {
        Self {
            options: EnqueueOptions {
                queue: queue.into(),
                priority: 0,
                announce_every_seconds: 0,
                max_wait_seconds: 0,
                callback_key: None,
            },
        }
    }

    /// Higher is served first.
    pub fn priority(mut self, priority: u8) -> Self {
        self.options.priority = priority;
        self
    }

    /// Announce position and estimated wait every this many seconds.
    pub fn announce_every_seconds(mut self, seconds: u32) -> Self {
        self.options.announce_every_seconds = seconds;
        self
    }

    /// Leave the queue after this long.
    pub fn max_wait_seconds(mut self, seconds: u32) -> Self {
        self.options.max_wait_seconds = seconds;
        self
    }

    /// Key that asks for a callback instead of waiting.
    pub fn callback_key(mut self, key: impl Into<String>) -> Self {
        self.options.callback_key = Some(key.into());
        self
    }

    /// The options as the host receives them.
    pub fn options(&self) -> &EnqueueOptions {
        &self.options
    }

    /// Puts the caller into the queue.
    pub fn run(self) -> Result<QueueOutcome, CallError> {
        call::enqueue(&self.options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dial_builder_collects_targets_and_options() {
        let dial = Dial::new()
            .targets(["201", "+359888000111"])
            .assigned_manager()
            .sequential()
            .ring_timeout_seconds(15)
            .caller_id("+35924001000");
        let options = dial.options();
        assert_eq!(
            options.targets,
            vec![
                DialTarget::Extension("201".into()),
                DialTarget::Number("+359888000111".into()),
                DialTarget::AssignedManager,
            ]
        );
        assert_eq!(options.strategy, DialStrategy::Sequential);
        assert_eq!(options.ring_timeout_seconds, 15);
        assert_eq!(options.caller_id.as_deref(), Some("+35924001000"));
    }

    #[test]
    fn dial_without_targets_fails_before_reaching_the_host() {
        assert_eq!(
            Dial::new().run().map(|outcome| outcome.answered_by),
            Err(CallError::Invalid("dial without targets".into()))
        );
    }

    #[test]
    fn enqueue_builder_sets_options() {
        let enqueue = Enqueue::new("kitchen")
            .priority(2)
            .max_wait_seconds(90)
            .callback_key("1");
        let options = enqueue.options();
        assert_eq!(options.queue, "kitchen");
        assert_eq!(options.priority, 2);
        assert_eq!(options.max_wait_seconds, 90);
        assert_eq!(options.callback_key.as_deref(), Some("1"));
    }
}
