//! The contract's types as Rust values, for implementations of
//! [`crate::CallControl`] and [`crate::TenantServices`].

pub use crate::bindings::call_world::wasmphony::scenario::call::{
    CollectOptions, DialOptions, DialOutcome, DialStrategy, DialTarget, EnqueueOptions, Prompt,
    QueueOutcome, RecordOptions,
};
pub use crate::bindings::call_world::wasmphony::scenario::contacts::{
    Contact, ContactUpdate, Field, HistoryEntry,
};
pub use crate::bindings::call_world::wasmphony::scenario::host::Level as LogLevel;
pub use crate::bindings::call_world::wasmphony::scenario::outbound::{
    CallbackRequest, OriginateRequest,
};
pub use crate::bindings::call_world::wasmphony::scenario::records::{NewRecord, RecordData};
pub use crate::bindings::call_world::wasmphony::scenario::types::{
    CallError, CallInfo, Direction, HangupCause, Header, LocalTime,
};
pub use crate::bindings::timer_world::TimerEvent;

impl CallError {
    /// A short machine-readable name, for timelines and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            CallError::Hangup => "hangup",
            CallError::Timeout => "timeout",
            CallError::Busy => "busy",
            CallError::NoAnswer => "no-answer",
            CallError::Rejected(_) => "rejected",
            CallError::NotFound(_) => "not-found",
            CallError::Limit(_) => "limit",
            CallError::Invalid(_) => "invalid",
        }
    }
}
