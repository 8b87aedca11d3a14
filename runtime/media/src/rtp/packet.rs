//! RTP packets (RFC 3550 §5.1), parsed without copying.
//!
//! A small hand parser rather than `rtp-rs`: we also need in-place header
//! rewriting for the relay path and RTCP, which `rtp-rs` lacks, and a
//! 60-line parser is easy to fuzz.

/// Fixed RTP header length.
pub const RTP_HEADER_LEN: usize = 12;
/// Largest datagram we accept or build (Ethernet MTU minus IP/UDP headers).
pub const MAX_DATAGRAM: usize = 1500;

/// Why a datagram is not a valid RTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RtpError {
    /// Shorter than its own headers say.
    #[error("packet truncated")]
    Truncated,
    /// Version field is not 2.
    #[error("unsupported RTP version {0}")]
    BadVersion(u8),
    /// Padding length is zero or longer than the payload.
    #[error("invalid padding")]
    BadPadding,
    /// Payload type in the RTCP range (RFC 5761): not an RTP packet.
    #[error("RTCP packet on the RTP path")]
    LooksLikeRtcp,
}

/// The fields of an RTP header we read and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RtpHeader {
    /// Marker bit (start of a talkspurt, start of a DTMF event).
    pub marker: bool,
    /// Payload type (7 bits).
    pub payload_type: u8,
    /// Sequence number.
    pub sequence: u16,
    /// Media timestamp.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
}

/// A parsed RTP packet borrowing its datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// The header fields.
    pub header: RtpHeader,
    /// The payload without header, CSRCs, extension or padding.
    pub payload: &'a [u8],
}

impl<'a> RtpPacket<'a> {
    /// Parses a datagram; never panics on any input.
    pub fn parse(buf: &'a [u8]) -> Result<Self, RtpError> {
        if buf.len() < RTP_HEADER_LEN {
            return Err(RtpError::Truncated);
        }
        let version = buf[0] >> 6;
        if version != 2 {
            return Err(RtpError::BadVersion(version));
        }
        let has_padding = buf[0] & 0x20 != 0;
        let has_extension = buf[0] & 0x10 != 0;
        let csrc_count = usize::from(buf[0] & 0x0F);
        let marker = buf[1] & 0x80 != 0;
        let payload_type = buf[1] & 0x7F;
        if (72..=76).contains(&payload_type) {
            return Err(RtpError::LooksLikeRtcp);
        }
        let mut offset = RTP_HEADER_LEN + 4 * csrc_count;
        if buf.len() < offset {
            return Err(RtpError::Truncated);
        }
        if has_extension {
            let ext = buf.get(offset..offset + 4).ok_or(RtpError::Truncated)?;
            let words = usize::from(u16::from_be_bytes([ext[2], ext[3]]));
            offset += 4 + 4 * words;
            if buf.len() < offset {
                return Err(RtpError::Truncated);
            }
        }
        let mut end = buf.len();
        if has_padding {
            let pad = usize::from(buf[end - 1]);
            if pad == 0 || pad > end - offset {
                return Err(RtpError::BadPadding);
            }
            end -= pad;
        }
        Ok(Self {
            header: RtpHeader {
                marker,
                payload_type,
                sequence: u16::from_be_bytes([buf[2], buf[3]]),
                timestamp: u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]),
                ssrc: u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]),
            },
            payload: &buf[offset..end],
        })
    }
}

/// Appends a packet with a plain 12-byte header and `payload` to `out`.
pub fn write_rtp(header: &RtpHeader, payload: &[u8], out: &mut Vec<u8>) {
    out.push(0x80);
    out.push((u8::from(header.marker) << 7) | (header.payload_type & 0x7F));
    out.extend_from_slice(&header.sequence.to_be_bytes());
    out.extend_from_slice(&header.timestamp.to_be_bytes());
    out.extend_from_slice(&header.ssrc.to_be_bytes());
    out.extend_from_slice(payload);
}

/// Rewrites payload type, sequence, timestamp and SSRC of an already valid
/// packet in place (the relay path: no copy, no re-parse of the payload).
/// Returns `false` (and leaves `buf` alone) if `buf` is shorter than a header.
pub fn rewrite_header(buf: &mut [u8], header: &RtpHeader) -> bool {
    if buf.len() < RTP_HEADER_LEN {
        return false;
    }
    buf[1] = (u8::from(header.marker) << 7) | (header.payload_type & 0x7F);
    buf[2..4].copy_from_slice(&header.sequence.to_be_bytes());
    buf[4..8].copy_from_slice(&header.timestamp.to_be_bytes());
    buf[8..12].copy_from_slice(&header.ssrc.to_be_bytes());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> RtpHeader {
        RtpHeader {
            marker: true,
            payload_type: 8,
            sequence: 65535,
            timestamp: 0xDEADBEEF,
            ssrc: 0x01020304,
        }
    }

    #[test]
    fn build_then_parse() {
        let mut buf = Vec::new();
        write_rtp(&header(), &[1, 2, 3], &mut buf);
        let packet = RtpPacket::parse(&buf).unwrap();
        assert_eq!(packet.header, header());
        assert_eq!(packet.payload, &[1, 2, 3]);
    }

    #[test]
    fn csrc_extension_and_padding_are_skipped() {
        let mut buf = vec![0x80 | 0x20 | 0x10 | 0x01, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
        buf.extend_from_slice(&[9, 9, 9, 9]); // one CSRC
        buf.extend_from_slice(&[0xBE, 0xDE, 0, 1, 7, 7, 7, 7]); // one-word extension
        buf.extend_from_slice(&[42, 43]);
        buf.extend_from_slice(&[0, 0, 3]); // three bytes of padding
        let packet = RtpPacket::parse(&buf).unwrap();
        assert_eq!(packet.payload, &[42, 43]);
    }

    #[test]
    fn malformed_packets_are_typed_errors() {
        assert_eq!(RtpPacket::parse(&[0x80; 5]), Err(RtpError::Truncated));
        assert_eq!(RtpPacket::parse(&[0x40; 12]), Err(RtpError::BadVersion(1)));
        let mut csrc = vec![0x8F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        csrc.extend_from_slice(&[0; 8]);
        assert_eq!(RtpPacket::parse(&csrc), Err(RtpError::Truncated));
        let pad = [0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200];
        assert_eq!(RtpPacket::parse(&pad), Err(RtpError::BadPadding));
        let rtcp = [0x80, 200, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(RtpPacket::parse(&rtcp), Err(RtpError::LooksLikeRtcp));
    }

    #[test]
    fn every_short_prefix_is_rejected_without_panic() {
        let mut buf = Vec::new();
        write_rtp(&header(), &[0; 160], &mut buf);
        for len in 0..RTP_HEADER_LEN {
            assert!(RtpPacket::parse(&buf[..len]).is_err());
        }
    }

    #[test]
    fn rewrite_changes_only_the_header() {
        let mut buf = Vec::new();
        write_rtp(&header(), &[5; 4], &mut buf);
        let new = RtpHeader {
            marker: false,
            payload_type: 0,
            sequence: 7,
            timestamp: 8,
            ssrc: 9,
        };
        assert!(rewrite_header(&mut buf, &new));
        let packet = RtpPacket::parse(&buf).unwrap();
        assert_eq!(packet.header, new);
        assert_eq!(packet.payload, &[5; 4]);
    }

    #[test]
    fn random_and_mutated_datagrams_never_panic_and_stay_in_bounds() {
        let mut noise = crate::codec::test_signal::Noise::new(11);
        let mut valid = Vec::new();
        write_rtp(&header(), &[7; 40], &mut valid);
        for i in 0..50_000 {
            let mut buf: Vec<u8> = if i % 2 == 0 {
                (0..(noise.uniform() * 80.0) as usize)
                    .map(|_| (noise.uniform() * 256.0) as u8)
                    .collect()
            } else {
                valid.clone()
            };
            if let Some(first) = buf.first_mut() {
                // Keep version 2 most of the time so the deeper paths run.
                *first = (*first & 0x3F) | 0x80;
            }
            for _ in 0..3 {
                let at = (noise.uniform() * buf.len() as f64) as usize;
                if let Some(b) = buf.get_mut(at) {
                    *b = (noise.uniform() * 256.0) as u8;
                }
            }
            if let Ok(packet) = RtpPacket::parse(&buf) {
                assert!(packet.payload.len() + RTP_HEADER_LEN <= buf.len());
            }
        }
    }

    #[test]
    fn edge_cases_at_exact_boundaries() {
        // Header only, no payload: valid and empty.
        let mut buf = Vec::new();
        write_rtp(&header(), &[], &mut buf);
        assert_eq!(RtpPacket::parse(&buf).unwrap().payload, &[] as &[u8]);
        // Padding bit on a header-only packet: the pad count would eat the header.
        buf[0] |= 0x20;
        assert_eq!(RtpPacket::parse(&buf), Err(RtpError::BadPadding));
        // Extension header announced but cut short, and one claiming 65535 words.
        let mut ext = vec![0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xBE, 0xDE];
        assert_eq!(RtpPacket::parse(&ext), Err(RtpError::Truncated));
        ext.extend_from_slice(&[0xFF, 0xFF, 1, 2, 3, 4]);
        assert_eq!(RtpPacket::parse(&ext), Err(RtpError::Truncated));
        // Padding that exactly consumes the payload is valid.
        let exact = [0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3];
        assert_eq!(RtpPacket::parse(&exact).unwrap().payload, &[] as &[u8]);
        // 15 CSRCs, all present.
        let mut csrcs = vec![0x8F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        csrcs.extend_from_slice(&[0; 60]);
        csrcs.push(9);
        assert_eq!(RtpPacket::parse(&csrcs).unwrap().payload, &[9]);
        assert!(!rewrite_header(&mut [0u8; 11], &header()));
    }
}
