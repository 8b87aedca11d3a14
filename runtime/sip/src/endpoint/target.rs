//! Where requests go: address plus transport.

use std::net::SocketAddr;

/// Transport of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// UDP.
    Udp,
    /// TCP.
    Tcp,
}

/// Where to send a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// Peer address.
    pub addr: SocketAddr,
    /// Transport.
    pub transport: TransportKind,
}

impl Target {
    /// UDP to `addr`.
    pub fn udp(addr: SocketAddr) -> Target {
        Target {
            addr,
            transport: TransportKind::Udp,
        }
    }

    /// TCP to `addr`.
    pub fn tcp(addr: SocketAddr) -> Target {
        Target {
            addr,
            transport: TransportKind::Tcp,
        }
    }
}
