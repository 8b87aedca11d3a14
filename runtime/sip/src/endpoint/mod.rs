//! The endpoint: a tokio shell owning the transports and the transaction table.
//!
//! One core task owns every transaction and drives their timers; transports feed it parsed
//! messages, handles send it commands. It absorbs retransmissions, answers malformed requests
//! `400` (when a Via can be read), refuses sources over their rate with `503` + Retry-After,
//! answers OPTIONS, handles CANCEL, and hands every other new request to its user through a
//! bounded channel ([`Incoming`]). Requests go out through [`Endpoint::send_request`].

mod client_side;
mod client_transaction;
mod config;
mod core;
mod counters;
mod handle;
mod messages;
mod rate_limit;
mod server_side;
mod server_transaction;
mod target;
mod timer_queue;

pub use client_transaction::{ClientEvent, ClientTransaction};
pub use config::{
    CLIENT_EVENT_QUEUE, COMMAND_QUEUE, DEFAULT_INCOMING_QUEUE, EndpointConfig, MAX_TRANSACTIONS,
};
pub use counters::{
    METHOD_LABELS, MessageCounts, OverloadReason, STATUS_CLASS_LABELS, SipCounters,
    SipCountersSnapshot,
};
pub use handle::Endpoint;
pub use messages::{EndpointError, EndpointStats, Incoming};
pub use rate_limit::{
    DEFAULT_BURST, DEFAULT_REQUESTS_PER_SECOND, DEFAULT_RETRY_AFTER_SECS, MAX_TRACKED_SOURCES,
    RateLimit, RateLimiter,
};
pub use server_transaction::ServerTransaction;
pub use target::{Target, TransportKind};

#[cfg(test)]
mod tests;
