//! The load side, outside the system under test: one generator thread sending real RTP
//! (PCMU, 12-byte header, 160-byte payload) for every stream at a fixed total rate, spread
//! evenly in time, and one sink thread per side socket counting what comes back.
//!
//! Each payload carries a tag (magic, stream, packet number) that the relay leaves alone, so
//! the sinks count per stream exactly what was delivered, and anything else the system under
//! test sends (a leg's own silence before the bridge feeds it) is told apart.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use wasmphony_media::net::{BoundPair, PortAllocator, PortLease};
use wasmphony_media::rtp::packet::{RtpHeader, RtpPacket, write_rtp};

const MAGIC: [u8; 4] = *b"WPHB";
/// PCMU: 20 ms at 8 kHz.
const PAYLOAD_LEN: usize = 160;
const SAMPLES_PER_PACKET: u32 = 160;
/// The generator's SSRC for stream `s` is this plus `s`.
const SSRC_BASE: u32 = 0x5000_0000;
/// Receive buffers of the load sockets (the kernel caps this at `net.core.rmem_max`): the
/// sinks share two cores with the system under test and must not be the ones losing.
const LOAD_RCVBUF: usize = 4 << 20;
/// The side sockets' port range, below the bridges' (`sut::FIRST_PORT`).
pub(crate) const SIDE_PORTS: (u16, u16) = (39_900, 39_999);

/// The two load sockets: side A feeds the A legs (and the echo's even streams) and hears
/// what goes back to it; side B likewise. Each is the RTP half of a port pair whose RTCP
/// half is held too, so the legs' RTCP reports (to the peer's port + 1) land on a socket of
/// ours, never on some other leg's RTP port.
pub(crate) struct Sides {
    pub(crate) sockets: [UdpSocket; 2],
    _rtcp: [UdpSocket; 2],
    _leases: [PortLease; 2],
}

impl Sides {
    pub(crate) fn bind() -> Result<Self, String> {
        let ports = PortAllocator::new(SIDE_PORTS.0, SIDE_PORTS.1).map_err(|e| e.to_string())?;
        let bind = || -> Result<BoundPair, String> {
            let pair = ports
                .allocate(IpAddr::V4(Ipv4Addr::LOCALHOST))
                .map_err(|e| e.to_string())?;
            pair.rtp
                .set_nonblocking(false)
                .map_err(|e| format!("blocking: {e}"))?;
            socket2::SockRef::from(&pair.rtp)
                .set_recv_buffer_size(LOAD_RCVBUF)
                .map_err(|e| format!("SO_RCVBUF: {e}"))?;
            Ok(pair)
        };
        let (a, b) = (bind()?, bind()?);
        Ok(Self {
            sockets: [a.rtp, b.rtp],
            _rtcp: [a.rtcp, b.rtcp],
            _leases: [a.lease, b.lease],
        })
    }

    pub(crate) fn addresses(&self) -> Result<[SocketAddr; 2], String> {
        let a = self.sockets[0].local_addr().map_err(|e| e.to_string())?;
        let b = self.sockets[1].local_addr().map_err(|e| e.to_string())?;
        Ok([a, b])
    }
}

/// Stream `s` is sent from side `s % 2` to `destinations[s]`, and comes back to side
/// `(s + 1) % 2` through a bridge, or to side `s % 2` from the echo.
pub(crate) fn side_of(stream: usize) -> usize {
    stream % 2
}

/// What one sink saw.
#[derive(Debug, Default)]
pub(crate) struct SinkTally {
    /// Tagged packets per stream.
    pub(crate) delivered: Vec<u64>,
    /// Packets without the tag (a leg's own silence before the relay feeds it, or after).
    pub(crate) untagged: u64,
    /// Tagged packets that arrived at a packet number not above the stream's last one.
    pub(crate) out_of_order: u64,
    /// Tagged packets whose SSRC is the generator's own (not rewritten).
    pub(crate) ssrc_kept: u64,
}

/// A running load: generator plus sinks.
pub(crate) struct Load {
    stop_generator: Arc<AtomicBool>,
    stop_sinks: Arc<AtomicBool>,
    generator: JoinHandle<Result<u64, String>>,
    sinks: Vec<JoinHandle<Result<SinkTally, String>>>,
    /// Tagged packets received by all sinks so far.
    pub(crate) delivered: Arc<AtomicU64>,
    streams: usize,
}

/// The load's totals once stopped.
pub(crate) struct LoadResult {
    pub(crate) sent: Vec<u64>,
    pub(crate) delivered: Vec<u64>,
    pub(crate) untagged: u64,
    pub(crate) out_of_order: u64,
    pub(crate) ssrc_kept: u64,
}

impl Load {
    /// Starts sinks on both sides and the generator: `pps` packets per second per stream.
    pub(crate) fn start(
        sides: &Sides,
        destinations: Vec<SocketAddr>,
        pps: u32,
    ) -> Result<Self, String> {
        let streams = destinations.len();
        let stop_generator = Arc::new(AtomicBool::new(false));
        let stop_sinks = Arc::new(AtomicBool::new(false));
        let delivered = Arc::new(AtomicU64::new(0));
        let mut sinks = Vec::new();
        for (side, socket) in sides.sockets.iter().enumerate() {
            let socket = socket.try_clone().map_err(|e| e.to_string())?;
            socket
                .set_read_timeout(Some(Duration::from_millis(20)))
                .map_err(|e| e.to_string())?;
            let (stop, delivered) = (Arc::clone(&stop_sinks), Arc::clone(&delivered));
            sinks.push(
                std::thread::Builder::new()
                    .name(format!("load-sink-{side}"))
                    .spawn(move || sink(&socket, streams, &stop, &delivered))
                    .map_err(|e| e.to_string())?,
            );
        }
        let sockets = [
            sides.sockets[0].try_clone().map_err(|e| e.to_string())?,
            sides.sockets[1].try_clone().map_err(|e| e.to_string())?,
        ];
        let stop = Arc::clone(&stop_generator);
        let generator = std::thread::Builder::new()
            .name("load-gen".to_owned())
            .spawn(move || generate(&sockets, &destinations, pps, &stop))
            .map_err(|e| e.to_string())?;
        Ok(Self {
            stop_generator,
            stop_sinks,
            generator,
            sinks,
            delivered,
            streams,
        })
    }

    /// Stops the generator, lets `drain` pass for packets in flight, stops the sinks.
    pub(crate) fn stop(self, drain: Duration) -> Result<LoadResult, String> {
        self.stop_generator.store(true, Ordering::Relaxed);
        let total = self
            .generator
            .join()
            .map_err(|_| "generator panicked".to_owned())??;
        std::thread::sleep(drain);
        self.stop_sinks.store(true, Ordering::Relaxed);
        let mut result = LoadResult {
            sent: per_stream_sent(total, self.streams),
            delivered: vec![0; self.streams],
            untagged: 0,
            out_of_order: 0,
            ssrc_kept: 0,
        };
        for sink in self.sinks {
            let tally = sink.join().map_err(|_| "sink panicked".to_owned())??;
            for (sum, n) in result.delivered.iter_mut().zip(tally.delivered) {
                *sum += n;
            }
            result.untagged += tally.untagged;
            result.out_of_order += tally.out_of_order;
            result.ssrc_kept += tally.ssrc_kept;
        }
        Ok(result)
    }
}

/// Packets go round-robin over the streams, so stream `s` got `total / streams` plus one
/// if it is among the first `total % streams`.
fn per_stream_sent(total: u64, streams: usize) -> Vec<u64> {
    let streams_u64 = streams as u64;
    (0..streams_u64)
        .map(|s| total / streams_u64 + u64::from(s < total % streams_u64))
        .collect()
}

/// Sends packet `n` of every stream at `n / pps` seconds, the streams spread evenly over
/// the packet interval (phones are not synchronised). Returns the number of packets sent.
fn generate(
    sockets: &[UdpSocket; 2],
    destinations: &[SocketAddr],
    pps: u32,
    stop: &AtomicBool,
) -> Result<u64, String> {
    let streams = destinations.len() as u64;
    let rate = streams as f64 * f64::from(pps);
    let started = Instant::now();
    let mut sent = 0u64;
    let mut datagram = Vec::with_capacity(12 + PAYLOAD_LEN);
    let mut payload = [0x7Fu8; PAYLOAD_LEN];
    payload[..4].copy_from_slice(&MAGIC);
    while !stop.load(Ordering::Relaxed) {
        let due = (started.elapsed().as_secs_f64() * rate) as u64;
        while sent < due {
            let stream = sent % streams;
            let number = (sent / streams) as u32;
            payload[4..8].copy_from_slice(&(stream as u32).to_be_bytes());
            payload[8..12].copy_from_slice(&number.to_be_bytes());
            let header = RtpHeader {
                marker: number == 0,
                payload_type: 0,
                sequence: number as u16,
                timestamp: number.wrapping_mul(SAMPLES_PER_PACKET),
                ssrc: SSRC_BASE + stream as u32,
            };
            datagram.clear();
            write_rtp(&header, &payload, &mut datagram);
            let stream = stream as usize;
            sockets[side_of(stream)]
                .send_to(&datagram, destinations[stream])
                .map_err(|e| format!("generator send to {}: {e}", destinations[stream]))?;
            sent += 1;
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    Ok(sent)
}

fn sink(
    socket: &UdpSocket,
    streams: usize,
    stop: &AtomicBool,
    delivered: &AtomicU64,
) -> Result<SinkTally, String> {
    let mut tally = SinkTally {
        delivered: vec![0; streams],
        ..SinkTally::default()
    };
    let mut last_number = vec![None::<u32>; streams];
    let mut buf = [0u8; 1500];
    while !stop.load(Ordering::Relaxed) {
        let len = match socket.recv_from(&mut buf) {
            Ok((len, _)) => len,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(e) => return Err(format!("sink receive: {e}")),
        };
        let Some((stream, number, ssrc)) = tag(&buf[..len]).filter(|(s, ..)| *s < streams) else {
            tally.untagged += 1;
            continue;
        };
        tally.delivered[stream] += 1;
        delivered.fetch_add(1, Ordering::Relaxed);
        if last_number[stream].is_some_and(|last| number <= last) {
            tally.out_of_order += 1;
        }
        last_number[stream] = Some(number);
        if ssrc == SSRC_BASE + stream as u32 {
            tally.ssrc_kept += 1;
        }
    }
    Ok(tally)
}

/// (stream, packet number, SSRC) of a tagged packet of the right size.
fn tag(datagram: &[u8]) -> Option<(usize, u32, u32)> {
    let packet = RtpPacket::parse(datagram).ok()?;
    let payload = packet.payload;
    if payload.len() != PAYLOAD_LEN || payload[..4] != MAGIC {
        return None;
    }
    let stream = u32::from_be_bytes(payload[4..8].try_into().ok()?) as usize;
    let number = u32::from_be_bytes(payload[8..12].try_into().ok()?);
    Some((stream, number, packet.header.ssrc))
}
