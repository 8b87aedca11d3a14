//! An RTP session on one leased port pair: receives with latching and
//! validation (foreign and malformed datagrams are counted and dropped),
//! sends to the latched peer.

use super::ports::{PortAllocator, PortError, PortLease};
use super::totals::LegRegistration;
use crate::rtp::latch::{Latch, LatchDecision};
use crate::rtp::packet::{MAX_DATAGRAM, RtpPacket};
use crate::rtp::rtcp::{RtcpPacket, parse_compound};
use crate::rtp::stats::MediaCounters;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;
use tokio::net::UdpSocket;

/// Why a session failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// No port pair.
    #[error(transparent)]
    Ports(#[from] PortError),
    /// Socket I/O.
    #[error("RTP socket: {0}")]
    Io(#[from] std::io::Error),
}

/// What [`RtpSession::recv_any`] received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// An RTP packet of this length, in the caller's buffer.
    Rtp(usize),
    /// An RTCP compound packet.
    Rtcp(Vec<RtcpPacket>),
}

/// One leg's RTP and RTCP sockets.
#[derive(Debug)]
pub struct RtpSession {
    rtp: UdpSocket,
    rtcp: UdpSocket,
    latch: Latch,
    counters: Arc<MediaCounters>,
    rtp_port: u16,
    /// Folds this session's counters into the allocator's totals when it ends.
    _registration: LegRegistration,
    _lease: PortLease,
}

impl RtpSession {
    /// Leases a port pair on `ip` and registers its sockets with tokio.
    pub fn bind(allocator: &PortAllocator, ip: IpAddr) -> Result<Self, SessionError> {
        let pair = allocator.allocate(ip)?;
        let rtp = to_tokio(pair.rtp)?;
        let rtcp = to_tokio(pair.rtcp)?;
        let counters = Arc::<MediaCounters>::default();
        Ok(Self {
            rtp,
            rtcp,
            latch: Latch::new(),
            _registration: allocator.totals().register(Arc::clone(&counters)),
            counters,
            rtp_port: pair.lease.rtp_port(),
            _lease: pair.lease,
        })
    }

    /// Where we receive RTP (for our SDP).
    pub fn local_rtp_addr(&self) -> Result<SocketAddr, SessionError> {
        Ok(self.rtp.local_addr()?)
    }

    /// The RTP port.
    pub fn rtp_port(&self) -> u16 {
        self.rtp_port
    }

    /// The session's counters (shared with monitoring).
    pub fn counters(&self) -> Arc<MediaCounters> {
        Arc::clone(&self.counters)
    }

    /// Signalling completed: trust `remote` from the SDP and open the latch window.
    pub fn on_signalling(&mut self, remote: Option<SocketAddr>, now: Instant) {
        self.latch.on_signalling(remote, now);
    }

    /// Where we send RTP.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.latch.peer()
    }

    /// Waits for the next valid RTP packet from the peer, into `buf`; returns its length.
    /// Foreign and malformed datagrams are counted and skipped.
    pub async fn recv(&mut self, buf: &mut [u8; MAX_DATAGRAM]) -> Result<usize, SessionError> {
        loop {
            let (len, source) = self.rtp.recv_from(buf).await?;
            if self.accept_rtp(&buf[..len], source) {
                return Ok(len);
            }
        }
    }

    /// Waits for the next valid RTP packet (into `buf`) or RTCP compound
    /// packet from the peer, whichever comes first.
    pub async fn recv_any(
        &mut self,
        buf: &mut [u8; MAX_DATAGRAM],
    ) -> Result<Received, SessionError> {
        let mut rtcp_buf = [0u8; MAX_DATAGRAM];
        loop {
            tokio::select! {
                received = self.rtp.recv_from(buf) => {
                    let (len, source) = received?;
                    if self.accept_rtp(&buf[..len], source) {
                        return Ok(Received::Rtp(len));
                    }
                }
                received = self.rtcp.recv_from(&mut rtcp_buf) => {
                    let (len, source) = received?;
                    if let Some(packets) = self.accept_rtcp(&rtcp_buf[..len], source) {
                        return Ok(Received::Rtcp(packets));
                    }
                }
            }
        }
    }

    fn accept_rtp(&mut self, datagram: &[u8], source: SocketAddr) -> bool {
        if self.latch.check(source, Instant::now()) == LatchDecision::Foreign {
            MediaCounters::bump(&self.counters.foreign);
            return false;
        }
        if RtpPacket::parse(datagram).is_err() {
            MediaCounters::bump(&self.counters.malformed);
            return false;
        }
        MediaCounters::bump(&self.counters.received);
        true
    }

    /// RTCP must come from the peer's host (its port may differ behind NAT).
    fn accept_rtcp(&self, datagram: &[u8], source: SocketAddr) -> Option<Vec<RtcpPacket>> {
        if self.latch.peer().map(|p| p.ip()) != Some(source.ip()) {
            MediaCounters::bump(&self.counters.foreign);
            return None;
        }
        let parsed = parse_compound(datagram);
        if parsed.is_err() {
            MediaCounters::bump(&self.counters.malformed);
        }
        parsed.ok()
    }

    /// Sends one RTP datagram to the peer; `false` when there is no peer yet.
    pub async fn send(&self, datagram: &[u8]) -> Result<bool, SessionError> {
        let Some(peer) = self.latch.peer() else {
            return Ok(false);
        };
        self.rtp.send_to(datagram, peer).await?;
        MediaCounters::bump(&self.counters.sent);
        Ok(true)
    }

    /// Sends an RTCP compound packet to the peer's RTCP port (RTP + 1).
    pub async fn send_rtcp(&self, datagram: &[u8]) -> Result<bool, SessionError> {
        let Some(peer) = self.latch.peer() else {
            return Ok(false);
        };
        let rtcp_peer = SocketAddr::new(peer.ip(), peer.port().wrapping_add(1));
        self.rtcp.send_to(datagram, rtcp_peer).await?;
        Ok(true)
    }

    /// Waits for the next valid RTCP compound packet from the peer's host.
    pub async fn recv_rtcp(&self) -> Result<Vec<RtcpPacket>, SessionError> {
        let mut buf = [0u8; MAX_DATAGRAM];
        loop {
            let (len, source) = self.rtcp.recv_from(&mut buf).await?;
            if let Some(packets) = self.accept_rtcp(&buf[..len], source) {
                return Ok(packets);
            }
        }
    }
}

fn to_tokio(socket: std::net::UdpSocket) -> Result<UdpSocket, std::io::Error> {
    socket.set_nonblocking(true)?;
    UdpSocket::from_std(socket)
}
