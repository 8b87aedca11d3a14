//! RFC 3261 §17 transactions as sans-IO state machines.
//!
//! Each machine is told the time (`now`) and writes what must happen into an output buffer of
//! [`TxAction`]s that the caller owns and reuses, so the hot path does not allocate per event.
//! The caller asks [`next_deadline`](ClientInvite::next_deadline) when to call `on_timer`.
//! INVITE server and client transactions follow RFC 6026 (the `Accepted` state).

mod client_invite;
mod client_non_invite;
mod key;
mod server_invite;
mod server_non_invite;
mod timer;

pub use client_invite::ClientInvite;
pub use client_non_invite::ClientNonInvite;
pub use key::TransactionKey;
pub use server_invite::ServerInvite;
pub use server_non_invite::ServerNonInvite;
pub use timer::Timers;

use bytes::Bytes;

use crate::message::Response;

/// What a transaction asks its owner to do.
// The buffer of actions is reused, so the Response variant's size costs no allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxAction {
    /// Send these bytes to the transaction's peer (first send or retransmission).
    Send(Bytes),
    /// A response for the transaction user (client transactions only).
    Response(Response),
    /// Timer B, F, H or L fired: the peer never answered (or never ACKed).
    Timeout,
    /// The transaction is over; drop it from the table.
    Terminated,
}

#[cfg(test)]
mod tests;
