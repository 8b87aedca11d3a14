//! The systems under test, each on its own media threads ([`MediaShards`], one per core, as
//! `wasmphony serve` runs legs) beside a multi-thread runtime named [`THREAD_NAME`] that sets
//! them up, so the CPU of both can be read apart from the load's.
//!
//! - Echo, the floor: one UDP socket, `recv_from` then `send_to` back, in one task on a
//!   media thread.
//! - Relay: the real bridge. Two `MediaLeg`s per bridge, each on its own RTP session from a
//!   `PortAllocator`, signalled with a side socket as the peer (so latching runs), bridged
//!   both ways with `bridge_to` exactly as the controller bridges a call; both legs on one
//!   media thread as the controller keeps a call's legs, or (`spread`) on two.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::runtime::Runtime;
use wasmphony_media::bridge::LegFormat;
use wasmphony_media::codec::Codec;
use wasmphony_media::leg::{LegConfig, MediaLeg};
use wasmphony_media::net::{PortAllocator, PortLease, RtpSession};
use wasmphony_media::play::PromptLibrary;
use wasmphony_media::rtp::packet::MAX_DATAGRAM;
use wasmphony_media::rtp::stats::CounterSnapshot;
use wasmphony_media::shards::{self, MediaShards};

pub(crate) const THREAD_NAME: &str = "sut";
/// What the kernel keeps of the media threads' names (`comm` holds 15 bytes).
pub(crate) const MEDIA_THREAD_COMM: &str = "wasmphony-media";
const _: () = assert!(shards::THREAD_NAME.len() == MEDIA_THREAD_COMM.len());
const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const PCMU: LegFormat = LegFormat {
    codec: Codec::Pcmu,
    payload_type: 0,
    telephone_event_pt: Some(101),
};
/// First port of the bridges' RTP range (2 ports per leg) and of the echo's.
pub(crate) const FIRST_PORT: u16 = 40_000;
/// The echo socket's receive buffer: it alone takes every stream, so it gets what the
/// kernel allows (`net.core.rmem_max`), in its favour.
const ECHO_RCVBUF: usize = 4 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Echo,
    Relay,
}

impl Mode {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mode::Echo => "echo",
            Mode::Relay => "relay",
        }
    }
}

/// A running system under test.
pub(crate) struct Sut {
    runtime: Runtime,
    shards: MediaShards,
    legs: Vec<MediaLeg>,
    echo_failed: Arc<AtomicBool>,
    _echo_lease: Option<PortLease>,
    /// Where stream `s` is sent.
    pub(crate) destinations: Vec<SocketAddr>,
}

fn runtime() -> Result<Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .thread_name(THREAD_NAME)
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))
}

impl Sut {
    /// The echo floor for `streams` streams (all to one socket).
    pub(crate) fn echo(streams: usize) -> Result<Self, String> {
        let runtime = runtime()?;
        let shards = MediaShards::per_core().map_err(|e| e.to_string())?;
        let ports = PortAllocator::new(FIRST_PORT, FIRST_PORT + 100).map_err(|e| e.to_string())?;
        let pair = ports.allocate(LOCALHOST).map_err(|e| e.to_string())?;
        let socket = pair.rtp;
        socket2::SockRef::from(&socket)
            .set_recv_buffer_size(ECHO_RCVBUF)
            .map_err(|e| e.to_string())?;
        socket.set_nonblocking(true).map_err(|e| e.to_string())?;
        let address = socket.local_addr().map_err(|e| e.to_string())?;
        let echo_failed = Arc::new(AtomicBool::new(false));
        let failed = Arc::clone(&echo_failed);
        shards.pick().spawn(async move {
            let Ok(socket) = tokio::net::UdpSocket::from_std(socket) else {
                failed.store(true, Ordering::Relaxed);
                return;
            };
            let mut buf = [0u8; MAX_DATAGRAM];
            loop {
                let Ok((len, from)) = socket.recv_from(&mut buf).await else {
                    break;
                };
                if socket.send_to(&buf[..len], from).await.is_err() {
                    break;
                }
            }
            failed.store(true, Ordering::Relaxed);
        });
        Ok(Self {
            runtime,
            shards,
            legs: Vec::new(),
            echo_failed,
            _echo_lease: Some(pair.lease),
            destinations: vec![address; streams],
        })
    }

    /// `bridges` bridged pairs of legs; side A's socket is every A leg's peer, side B's
    /// every B leg's. Stream `2i` feeds leg A of bridge `i`, stream `2i + 1` its leg B.
    pub(crate) fn relay(
        bridges: usize,
        sides: [SocketAddr; 2],
        spread: bool,
    ) -> Result<Self, String> {
        let runtime = runtime()?;
        let shards = MediaShards::per_core().map_err(|e| e.to_string())?;
        let library = PromptLibrary::new(&[Codec::Pcmu]).map_err(|e| e.to_string())?;
        let span = u16::try_from(4 * bridges + 200).map_err(|_| "too many bridges")?;
        let allocator = PortAllocator::new(FIRST_PORT, FIRST_PORT.saturating_add(span))
            .map_err(|e| e.to_string())?;
        let (legs, destinations) = runtime.block_on(async {
            let mut legs = Vec::with_capacity(2 * bridges);
            let mut destinations = Vec::with_capacity(2 * bridges);
            for _ in 0..bridges {
                let mut pair = Vec::with_capacity(2);
                let mut thread = shards.pick();
                for side in sides {
                    if spread && !pair.is_empty() {
                        thread = shards.pick();
                    }
                    let session = RtpSession::bind_on(&allocator, LOCALHOST, &thread)
                        .map_err(|e| e.to_string())?;
                    destinations.push(session.local_rtp_addr().map_err(|e| e.to_string())?);
                    pair.push(MediaLeg::spawn(
                        session,
                        LegConfig {
                            format: PCMU,
                            remote: Some(side),
                            inband_dtmf: false,
                            silence: library.silence(),
                        },
                    ));
                }
                let (a, b) = (&pair[0], &pair[1]);
                a.bridge_to(Some(b)).await.map_err(|e| e.to_string())?;
                b.bridge_to(Some(a)).await.map_err(|e| e.to_string())?;
                legs.extend(pair);
            }
            Ok::<_, String>((legs, destinations))
        })?;
        Ok(Self {
            runtime,
            shards,
            legs,
            echo_failed: Arc::new(AtomicBool::new(false)),
            _echo_lease: None,
            destinations,
        })
    }

    /// The echo task ended (a socket error).
    pub(crate) fn echo_failed(&self) -> bool {
        self.echo_failed.load(Ordering::Relaxed)
    }

    /// The legs' counters summed (zero for the echo).
    pub(crate) fn leg_counters(&self) -> CounterSnapshot {
        let mut sum = CounterSnapshot::default();
        for leg in &self.legs {
            let c = leg.counters().snapshot();
            sum.received += c.received;
            sum.sent += c.sent;
            sum.malformed += c.malformed;
            sum.foreign += c.foreign;
            sum.dropped += c.dropped;
        }
        sum
    }

    /// Ends the legs and the runtime.
    pub(crate) fn shutdown(self) {
        drop(self.legs);
        drop(self.shards);
        self.runtime.shutdown_timeout(Duration::from_secs(2));
    }
}
