//! The UDP payloads of a classic pcap file (what sipp's `play_pcap_audio`
//! sends), with their offsets from the first packet. Used to send sipp's own
//! RFC 2833 capture from the bench's media socket (see `sink.rs` for why).

use std::time::Duration;

/// Ethernet link type.
const LINK_ETHERNET: u32 = 1;
/// Linux "cooked" capture link type.
const LINK_LINUX_SLL: u32 = 113;
/// Largest file we read: these captures are a few hundred bytes.
const MAX_PCAP_BYTES: usize = 1 << 20;

/// One captured UDP payload.
#[derive(Debug, Clone)]
pub(crate) struct PcapPacket {
    /// Time since the first packet of the capture.
    pub(crate) offset: Duration,
    /// The UDP payload (an RTP packet here).
    pub(crate) payload: Vec<u8>,
}

/// Why a capture could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PcapError {
    #[error("reading the capture: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a classic pcap file, or truncated")]
    Format,
    #[error("unsupported link type {0}")]
    Link(u32),
}

/// Reads every IPv4/UDP payload of the capture at `path`.
pub(crate) fn udp_payloads(path: &str) -> Result<Vec<PcapPacket>, PcapError> {
    let data = std::fs::read(path)?;
    if data.len() > MAX_PCAP_BYTES || data.len() < 24 {
        return Err(PcapError::Format);
    }
    let little = match data[..4] {
        [0xd4, 0xc3, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] => false,
        _ => return Err(PcapError::Format),
    };
    let u32_at = |at: usize| -> Option<u32> {
        let bytes: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
        Some(if little {
            u32::from_le_bytes(bytes)
        } else {
            u32::from_be_bytes(bytes)
        })
    };
    let link = u32_at(20).ok_or(PcapError::Format)?;
    let link_header = match link {
        LINK_ETHERNET => 14,
        LINK_LINUX_SLL => 16,
        other => return Err(PcapError::Link(other)),
    };
    let mut packets = Vec::new();
    let mut first: Option<Duration> = None;
    let mut at = 24;
    while at + 16 <= data.len() {
        let seconds = u32_at(at).ok_or(PcapError::Format)?;
        let micros = u32_at(at + 4).ok_or(PcapError::Format)?;
        let included = u32_at(at + 8).ok_or(PcapError::Format)? as usize;
        let frame = data
            .get(at + 16..at + 16 + included)
            .ok_or(PcapError::Format)?;
        at += 16 + included;
        let when = Duration::new(u64::from(seconds), micros.saturating_mul(1000));
        if let Some(payload) = udp_payload(frame.get(link_header..).unwrap_or_default()) {
            let start = *first.get_or_insert(when);
            packets.push(PcapPacket {
                offset: when.saturating_sub(start),
                payload: payload.to_vec(),
            });
        }
    }
    Ok(packets)
}

/// The payload of an IPv4 datagram carrying UDP.
fn udp_payload(ip: &[u8]) -> Option<&[u8]> {
    let version_ihl = *ip.first()?;
    if version_ihl >> 4 != 4 || *ip.get(9)? != 17 {
        return None;
    }
    let ihl = usize::from(version_ihl & 0x0f) * 4;
    let udp = ip.get(ihl..)?;
    let length = usize::from(u16::from_be_bytes([*udp.get(4)?, *udp.get(5)?]));
    udp.get(8..length.max(8))
}
