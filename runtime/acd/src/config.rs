//! Queue configuration as a tenant writes it (YAML/API), with defaults that
//! follow the industry norm (service level: answered within 20 s).

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How a free agent is chosen for the caller at the head of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Ring every free agent at once; the first to answer takes the call.
    RingAll,
    /// Ring the agent who has been free the longest.
    #[default]
    LongestIdle,
    /// Ring agents in login order, continuing after the last one rung.
    RoundRobin,
    /// Ring the agent with the best level in the caller's required skill,
    /// ties broken by longest idle.
    Skills,
}

/// Where a caller goes when the queue cannot keep them. The server interprets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "to")]
pub enum OverflowAction {
    /// Another queue (department), by name.
    Queue(String),
    /// A backup number or SIP address (a mobile, the director's phone).
    Number(String),
    /// The voice self-ordering scenario.
    VoiceSelfOrder,
    /// Voicemail.
    Voicemail,
}

/// One queue's behaviour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// Agent selection.
    pub strategy: Strategy,
    /// How long one offer rings before it is withdrawn and tried elsewhere.
    #[serde(with = "crate::time::secs")]
    pub ring_timeout: Duration,
    /// Time after each queue call before the agent gets the next offer.
    #[serde(with = "crate::time::secs")]
    pub wrap_up: Duration,
    /// Whether an agent who let an offer time out is paused (away) instead of
    /// being made available again.
    pub pause_on_no_answer: bool,
    /// Longest a live caller waits before overflowing; `None` waits forever.
    #[serde(with = "crate::time::opt_secs")]
    pub max_wait: Option<Duration>,
    /// Most live callers waiting at once; a caller joining a full queue overflows.
    /// Capped by [`crate::limits::MAX_QUEUE_ENTRIES`] either way.
    pub max_length: Option<usize>,
    /// Where overflowing callers go.
    pub overflow: OverflowAction,
    /// Interval between position/estimated-wait announcements; `None` disables them.
    /// The first announcement comes one interval after joining.
    #[serde(with = "crate::time::opt_secs")]
    pub announce_every: Option<Duration>,
    /// Service-level threshold: a call answered within this counts as "in service level".
    #[serde(with = "crate::time::secs")]
    pub service_level_threshold: Duration,
    /// Handle time assumed for the wait estimate before any call was handled.
    #[serde(with = "crate::time::secs")]
    pub default_handle_time: Duration,
    /// Whether waiting callers are offered a callback that keeps their place
    /// ("press 1 to be called back").
    pub offer_callback: bool,
    /// The key that asks for the callback when it is offered.
    pub callback_key: char,
}

impl QueueConfig {
    /// The key a waiting caller presses to be called back: `None` when the
    /// callback is not offered or the configured key is not a phone key.
    pub fn callback_key(&self) -> Option<char> {
        let is_phone_key = self.callback_key.is_ascii_digit() || "*#".contains(self.callback_key);
        (self.offer_callback && is_phone_key).then_some(self.callback_key)
    }
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            strategy: Strategy::default(),
            ring_timeout: Duration::from_secs(15),
            wrap_up: Duration::from_secs(10),
            pause_on_no_answer: false,
            max_wait: Some(Duration::from_secs(300)),
            max_length: Some(50),
            overflow: OverflowAction::Voicemail,
            announce_every: Some(Duration::from_secs(30)),
            service_level_threshold: Duration::from_secs(20),
            default_handle_time: Duration::from_secs(180),
            offer_callback: false,
            callback_key: '1',
        }
    }
}
