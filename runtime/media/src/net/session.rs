//! An RTP session on one leased port pair: receives with latching and
//! validation (foreign and malformed datagrams are counted and dropped),
//! sends to the latched peer.

use super::ports::{PortAllocator, PortError, PortLease};
use super::totals::LegRegistration;
use crate::rtp::latch::{Latch, LatchDecision};
use crate::rtp::packet::{MAX_DATAGRAM, RtpPacket};
use crate::rtp::rtcp::{RtcpPacket, parse_compound};
use crate::rtp::stats::MediaCounters;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;
use tokio::io::ReadBuf;
use tokio::net::UdpSocket;
use tokio::runtime::Handle;

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

/// What became of a datagram handed to [`RtpSession::try_send`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// The kernel took it.
    Sent,
    /// No peer is known yet (nothing to send to).
    NoPeer,
    /// The socket's send buffer is full: the packet is dropped and counted. Real-time
    /// audio is not queued behind a full buffer; it would only arrive late.
    Dropped,
}

/// One leg's RTP and RTCP sockets.
#[derive(Debug)]
pub struct RtpSession {
    rtp: UdpSocket,
    rtcp: UdpSocket,
    /// The runtime whose reactor has the sockets: the leg's task must run there.
    runtime: Handle,
    latch: Latch,
    counters: Arc<MediaCounters>,
    rtp_port: u16,
    /// Folds this session's counters into the allocator's totals when it ends.
    _registration: LegRegistration,
    _lease: PortLease,
}

impl RtpSession {
    /// Leases a port pair on `ip` and registers its sockets with the current tokio
    /// runtime.
    pub fn bind(allocator: &PortAllocator, ip: IpAddr) -> Result<Self, SessionError> {
        let runtime = Handle::try_current().map_err(std::io::Error::other)?;
        Self::bind_on(allocator, ip, &runtime)
    }

    /// As [`RtpSession::bind`], with the sockets registered with `runtime` (a media
    /// thread, see [`crate::shards::MediaShards`]), where the leg's task will then run.
    pub fn bind_on(
        allocator: &PortAllocator,
        ip: IpAddr,
        runtime: &Handle,
    ) -> Result<Self, SessionError> {
        let pair = allocator.allocate(ip)?;
        let (rtp, rtcp) = {
            let _entered = runtime.enter();
            (to_tokio(pair.rtp)?, to_tokio(pair.rtcp)?)
        };
        let counters = Arc::<MediaCounters>::default();
        Ok(Self {
            rtp,
            rtcp,
            runtime: runtime.clone(),
            latch: Latch::new(),
            _registration: allocator.totals().register(Arc::clone(&counters)),
            counters,
            rtp_port: pair.lease.rtp_port(),
            _lease: pair.lease,
        })
    }

    /// The runtime the session's sockets belong to.
    pub fn runtime(&self) -> &Handle {
        &self.runtime
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

    /// The peer's address as the last signalling gave it (before any latching).
    pub fn signalled_peer(&self) -> Option<SocketAddr> {
        self.latch.signalled()
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
        std::future::poll_fn(|cx| self.poll_recv_any(cx, buf)).await
    }

    /// Polls for the next valid RTP packet (into `buf`) or RTCP compound packet (read
    /// through `buf` too, and returned parsed).
    ///
    /// The leg task polls this beside its timer and queues on every wake-up. Unlike a
    /// `recv_from` future, a poll leaves nothing registered to undo when another branch
    /// wins, so a tick costs no socket bookkeeping. A flood of rejected datagrams cannot
    /// hold the task: each read spends tokio's cooperative budget, which ends the poll.
    pub fn poll_recv_any(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8; MAX_DATAGRAM],
    ) -> Poll<Result<Received, SessionError>> {
        loop {
            let mut read = ReadBuf::new(buf);
            match self.rtp.poll_recv_from(cx, &mut read) {
                Poll::Ready(Ok(source)) => {
                    let len = read.filled().len();
                    if self.accept_rtp(&buf[..len], source) {
                        return Poll::Ready(Ok(Received::Rtp(len)));
                    }
                    continue;
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e.into())),
                Poll::Pending => {}
            }
            let mut read = ReadBuf::new(&mut buf[..]);
            let source = match self.rtcp.poll_recv_from(cx, &mut read) {
                Poll::Ready(Ok(source)) => source,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e.into())),
                // Both sockets registered their wake-up.
                Poll::Pending => return Poll::Pending,
            };
            let len = read.filled().len();
            if let Some(packets) = self.accept_rtcp(&buf[..len], source) {
                return Poll::Ready(Ok(Received::Rtcp(packets)));
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

    /// Sends one RTP datagram to the peer without waiting: a full send buffer drops it
    /// (counted), as a late audio packet is worth nothing. The leg's tick uses this, so
    /// pacing never waits on a socket.
    pub fn try_send(&self, datagram: &[u8]) -> Result<Sent, SessionError> {
        let Some(peer) = self.latch.peer() else {
            return Ok(Sent::NoPeer);
        };
        match send_now(&self.rtp, datagram, peer) {
            Ok(()) => {
                MediaCounters::bump(&self.counters.sent);
                Ok(Sent::Sent)
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                MediaCounters::bump(&self.counters.dropped);
                Ok(Sent::Dropped)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Sends an RTCP compound packet to the peer's RTCP port (RTP + 1) without waiting; a
    /// full buffer drops it (the next report carries the same totals).
    pub fn try_send_rtcp(&self, datagram: &[u8]) -> Result<Sent, SessionError> {
        let Some(peer) = self.latch.peer() else {
            return Ok(Sent::NoPeer);
        };
        match send_now(&self.rtcp, datagram, rtcp_peer(peer)) {
            Ok(()) => Ok(Sent::Sent),
            Err(e) if e.kind() == ErrorKind::WouldBlock => Ok(Sent::Dropped),
            Err(e) => Err(e.into()),
        }
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

/// One non-blocking `sendto` on `socket`. Not tokio's `try_send_to`: that one answers
/// `WouldBlock` until the reactor has seen the socket writable once, which drops the first
/// packets of a leg that starts right after its socket is bound; the kernel itself only
/// refuses when the send buffer is full.
fn send_now(socket: &UdpSocket, datagram: &[u8], to: SocketAddr) -> std::io::Result<()> {
    socket2::SockRef::from(socket)
        .send_to(datagram, &to.into())
        .map(drop)
}

/// RTCP goes to the port after the peer's RTP port (RFC 3550 §11).
fn rtcp_peer(rtp: SocketAddr) -> SocketAddr {
    SocketAddr::new(rtp.ip(), rtp.port().wrapping_add(1))
}

fn to_tokio(socket: std::net::UdpSocket) -> Result<UdpSocket, std::io::Error> {
    socket.set_nonblocking(true)?;
    UdpSocket::from_std(socket)
}
