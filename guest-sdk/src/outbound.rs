//! Callbacks and outbound calls.

use crate::wit::contacts::Field;
use crate::wit::outbound;
pub use crate::wit::outbound::{CallbackRequest, OriginateRequest};
use crate::wit::types::CallError;

/// Builds a callback task: `Callback::new(number).queue("sales").reason("missed").schedule()`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a callback is not scheduled until `schedule` is called"]
pub struct Callback {
    request: CallbackRequest,
}

impl Callback {
    /// Call `number` back as soon as an agent is free.
    pub fn new(number: impl Into<String>) -> Self {
        Self {
            request: CallbackRequest {
                number: number.into(),
                at_unix: None,
                queue: None,
                reason: String::new(),
            },
        }
    }

    /// Call back at this time (Unix seconds).
    pub fn at_unix(mut self, unix: i64) -> Self {
        self.request.at_unix = Some(unix);
        self
    }

    /// The queue whose agents handle the callback.
    pub fn queue(mut self, queue: impl Into<String>) -> Self {
        self.request.queue = Some(queue.into());
        self
    }

    /// Why the customer is called back (shown to the agent).
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.request.reason = reason.into();
        self
    }

    /// The request as the host receives it.
    pub fn build(self) -> CallbackRequest {
        self.request
    }

    /// Schedules the callback; returns the task id.
    pub fn schedule(self) -> Result<String, CallError> {
        outbound::schedule_callback(&self.request)
    }
}

/// Builds an outbound call: `Originate::new("201").scenario("auto-callback").var("customer", n).start()`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "no call is placed until `start` is called"]
pub struct Originate {
    request: OriginateRequest,
}

impl Originate {
    /// Call `to` (an extension or a number) first.
    pub fn new(to: impl Into<String>) -> Self {
        Self {
            request: OriginateRequest {
                to: to.into(),
                caller_id: None,
                scenario: None,
                vars: Vec::new(),
            },
        }
    }

    /// Caller id shown to the first leg.
    pub fn caller_id(mut self, caller_id: impl Into<String>) -> Self {
        self.request.caller_id = Some(caller_id.into());
        self
    }

    /// The scenario that runs once the first leg answers.
    pub fn scenario(mut self, scenario: impl Into<String>) -> Self {
        self.request.scenario = Some(scenario.into());
        self
    }

    /// A variable the outbound scenario reads with `call.var(..)`.
    pub fn var(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.request.vars.push(Field {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    /// The request as the host receives it.
    pub fn build(self) -> OriginateRequest {
        self.request
    }

    /// Places the call; returns its id.
    pub fn start(self) -> Result<String, CallError> {
        outbound::originate(&self.request)
    }
}
