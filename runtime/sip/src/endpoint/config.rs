//! Endpoint settings and limits.

use std::net::SocketAddr;

use super::rate_limit::RateLimit;
use crate::message::Host;
use crate::transaction::Timers;

/// Default capacity of the channel of new requests to the endpoint's user. When it is full,
/// new requests get `503` + Retry-After instead of queueing without bound.
pub const DEFAULT_INCOMING_QUEUE: usize = 1024;

/// Capacity of the command channel from handles to the core.
pub const COMMAND_QUEUE: usize = 8192;

/// Events buffered per client transaction (provisionals, the final, 2xx retransmissions).
pub const CLIENT_EVENT_QUEUE: usize = 16;

/// Most transactions (server + client) alive at once; new requests beyond get `503`.
pub const MAX_TRANSACTIONS: usize = 200_000;

/// What an endpoint listens on and how it behaves.
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// UDP listen addresses (IPv4 and/or IPv6; port 0 picks a free port).
    pub udp: Vec<SocketAddr>,
    /// TCP listen addresses.
    pub tcp: Vec<SocketAddr>,
    /// Transaction timers.
    pub timers: Timers,
    /// Per-source rate limit for new requests.
    pub rate_limit: RateLimit,
    /// Capacity of the channel of new requests to the user.
    pub incoming_queue: usize,
    /// Value of the Server / User-Agent header on what the endpoint itself sends.
    pub user_agent: String,
    /// Host written in our Via headers and offered for Contact instead of the socket's address
    /// (needed when listening on `0.0.0.0`/`::` or behind a 1:1 NAT).
    pub advertised_host: Option<Host>,
}

impl EndpointConfig {
    /// UDP and TCP on the same address.
    pub fn udp_and_tcp(addr: SocketAddr) -> EndpointConfig {
        EndpointConfig {
            udp: vec![addr],
            tcp: vec![addr],
            timers: Timers::default(),
            rate_limit: RateLimit::default(),
            incoming_queue: DEFAULT_INCOMING_QUEUE,
            user_agent: "wasmphony".to_owned(),
            advertised_host: None,
        }
    }

    /// UDP only.
    pub fn udp(addr: SocketAddr) -> EndpointConfig {
        EndpointConfig {
            tcp: Vec::new(),
            ..EndpointConfig::udp_and_tcp(addr)
        }
    }
}
