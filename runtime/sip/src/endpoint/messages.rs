//! What flows between the endpoint's core and its user: errors, incoming items, commands, stats.

use std::net::SocketAddr;

use thiserror::Error;
use tokio::sync::{mpsc, oneshot};

use super::client_transaction::ClientEvent;
use super::server_transaction::ServerTransaction;
use super::target::TransportKind;
use crate::message::{Request, Response};
use crate::transaction::TransactionKey;
use crate::transport::Flow;

/// Endpoint failures a user sees.
#[derive(Debug, Error)]
pub enum EndpointError {
    /// The endpoint's core has stopped.
    #[error("endpoint closed")]
    Closed,
    /// No listener of the needed transport / address family.
    #[error("no {0:?} transport for this address family")]
    NoTransport(TransportKind),
    /// Binding or connecting failed.
    #[error("transport I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// What the endpoint hands to its user.
#[derive(Debug)]
pub enum Incoming {
    /// A new request (INVITE, BYE, REGISTER, INFO, REFER, ...) to answer.
    Request(ServerTransaction),
    /// An ACK for a 2xx (it belongs to the dialog, not to a transaction).
    Ack {
        /// The ACK.
        request: Request,
        /// Where it came from.
        source: SocketAddr,
    },
    /// A 2xx to an INVITE was never ACKed (the call should be ended with BYE).
    AckTimeout {
        /// The INVITE's Call-ID.
        call_id: String,
    },
}

/// Requests from handles to the core.
pub(crate) enum Command {
    /// Boxed, as the request below: a message is hundreds of bytes, and the command queue
    /// and every future sending on it are sized by the largest command.
    Respond {
        key: TransactionKey,
        response: Box<Response>,
    },
    Abandon {
        key: TransactionKey,
    },
    StartClient {
        request: Box<Request>,
        flow: Flow,
        events: mpsc::Sender<ClientEvent>,
    },
    Cancel {
        key: TransactionKey,
    },
    Stats {
        reply: oneshot::Sender<EndpointStats>,
    },
}

/// A snapshot of the endpoint's tables (for tests, metrics and leak checks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndpointStats {
    /// Live server transactions.
    pub server_transactions: usize,
    /// Live client transactions.
    pub client_transactions: usize,
    /// 2xx answers waiting for their ACK.
    pub awaiting_ack: usize,
    /// Scheduled timers.
    pub timers: usize,
}
