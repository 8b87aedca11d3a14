//! Tokio transports: UDP sockets and TCP connections feeding parsed messages to the endpoint.
//!
//! Parsing happens in the transport tasks so the endpoint core only sees typed messages.
//! A [`Flow`] is the way back to a peer: the socket (or connection) a message came in on,
//! which gives symmetric responses for phones behind NAT (RFC 3581). TLS and WebSocket will
//! be further `Flow` variants fed by their own listeners.

mod tcp;
mod udp;

pub(crate) use tcp::{TcpPool, listen_tcp};
pub(crate) use udp::listen_udp;

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use crate::message::{Message, ParseError, ViaTransport};

/// Capacity of the queue from all transports to the endpoint core. UDP datagrams beyond it are
/// dropped (the peer retransmits); TCP readers wait (back-pressure on the connection).
pub const INBOUND_QUEUE: usize = 8192;

/// Messages waiting to be written on one TCP connection; a connection that falls this far
/// behind is closed.
pub const TCP_WRITE_QUEUE: usize = 256;

/// Most TCP connections (accepted + opened) at once.
pub const MAX_TCP_CONNECTIONS: usize = 4096;

/// Something a transport received.
// Nearly every item is a Message; boxing it would add an allocation per packet.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Inbound {
    /// A well-formed message.
    Message(Message, Flow),
    /// Bytes that failed to parse (kept to answer 400 when possible).
    Malformed(Bytes, ParseError, Flow),
}

/// The way back to a peer.
#[derive(Clone, Debug)]
pub(crate) enum Flow {
    Udp {
        socket: Arc<UdpSocket>,
        peer: SocketAddr,
    },
    Tcp(Arc<TcpConn>),
}

/// One TCP connection's writer side.
#[derive(Debug)]
pub(crate) struct TcpConn {
    pub(crate) peer: SocketAddr,
    pub(crate) local: SocketAddr,
    pub(crate) writer: mpsc::Sender<Bytes>,
}

impl Flow {
    /// Queues bytes for the peer without waiting. Returns false when they were dropped.
    pub(crate) fn send(&self, bytes: Bytes) -> bool {
        match self {
            Flow::Udp { socket, peer } => socket.try_send_to(&bytes, *peer).is_ok(),
            Flow::Tcp(conn) => conn.writer.try_send(bytes).is_ok(),
        }
    }

    /// The peer's address.
    pub(crate) fn peer(&self) -> SocketAddr {
        match self {
            Flow::Udp { peer, .. } => *peer,
            Flow::Tcp(conn) => conn.peer,
        }
    }

    /// Our address on this flow (used for Via sent-by and Contact).
    pub(crate) fn local(&self) -> SocketAddr {
        match self {
            Flow::Udp { socket, peer } => socket.local_addr().unwrap_or(*peer),
            Flow::Tcp(conn) => conn.local,
        }
    }

    /// True when the transport retransmits by itself.
    pub(crate) fn is_reliable(&self) -> bool {
        matches!(self, Flow::Tcp(_))
    }

    /// The Via transport token.
    pub(crate) fn via_transport(&self) -> ViaTransport {
        match self {
            Flow::Udp { .. } => ViaTransport::Udp,
            Flow::Tcp(_) => ViaTransport::Tcp,
        }
    }

    /// Same socket or connection, another peer address (UDP only; TCP ignores it).
    pub(crate) fn with_peer(&self, peer: SocketAddr) -> Flow {
        match self {
            Flow::Udp { socket, .. } => Flow::Udp {
                socket: socket.clone(),
                peer,
            },
            Flow::Tcp(_) => self.clone(),
        }
    }
}
