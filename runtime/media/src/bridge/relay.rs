//! The relay path: a packet from one leg goes out on the other after its
//! header is rewritten in place; the payload is never decoded.
//!
//! The outbound stream keeps one SSRC, and sequence numbers and timestamps
//! continue from whatever that leg heard before (a prompt, another source):
//! on each source change the offsets are re-anchored at the stream's next
//! values. Within a source the offsets are fixed, so the peer still sees the
//! source's own gaps (loss, silence suppression).

use crate::codec::Codec;
use crate::rtp::packet::{RtpHeader, RtpPacket, rewrite_header};
use crate::rtp::stream::RtpSendStream;

/// A sequence jump larger than this within one SSRC is treated as a new
/// source (the peer restarted its stream).
pub const MAX_SEQUENCE_JUMP: u16 = 1000;

/// How one leg carries audio and events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegFormat {
    /// The negotiated codec.
    pub codec: Codec,
    /// Its payload type on this leg.
    pub payload_type: u8,
    /// telephone-event payload type on this leg, if negotiated.
    pub telephone_event_pt: Option<u8>,
}

/// Why a packet was not relayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RelayDrop {
    /// Not a valid RTP packet.
    #[error("malformed RTP")]
    Malformed,
    /// A payload type the other leg did not negotiate.
    #[error("payload type {0} has no mapping on the other leg")]
    UnmappedPayloadType(u8),
    /// Older than what was already relayed from this source.
    #[error("late packet")]
    Late,
}

#[derive(Debug, Clone, Copy)]
struct SourceAnchor {
    ssrc: u32,
    sequence_offset: u16,
    timestamp_offset: u32,
    last_in_sequence: u16,
}

/// One direction of a same-codec bridge (leg A → leg B).
#[derive(Debug, Clone)]
pub struct Relay {
    inbound: LegFormat,
    outbound: LegFormat,
    anchor: Option<SourceAnchor>,
}

impl Relay {
    /// A relay from `inbound` to `outbound`; `None` when the codecs differ (transcode instead).
    pub fn new(inbound: LegFormat, outbound: LegFormat) -> Option<Self> {
        (inbound.codec == outbound.codec).then_some(Self {
            inbound,
            outbound,
            anchor: None,
        })
    }

    /// Forget the current source: the next packet is re-anchored (call after
    /// the outbound leg played something else in between).
    pub fn reset_source(&mut self) {
        self.anchor = None;
    }

    /// Rewrites `datagram` in place for the outbound leg and advances
    /// `stream` past it. On error the datagram must not be sent.
    pub fn relay(
        &mut self,
        datagram: &mut [u8],
        stream: &mut RtpSendStream,
    ) -> Result<(), RelayDrop> {
        let packet = RtpPacket::parse(datagram).map_err(|_| RelayDrop::Malformed)?;
        let header = packet.header;
        let payload_len = packet.payload.len();
        let payload_type = self.map_payload_type(header.payload_type)?;
        let new_source = match self.anchor {
            None => true,
            Some(a) => {
                a.ssrc != header.ssrc || {
                    let ahead = header.sequence.wrapping_sub(a.last_in_sequence);
                    ahead > MAX_SEQUENCE_JUMP && ahead < 0u16.wrapping_sub(MAX_SEQUENCE_JUMP)
                }
            }
        };
        if new_source {
            self.anchor = Some(SourceAnchor {
                ssrc: header.ssrc,
                sequence_offset: stream.next_sequence().wrapping_sub(header.sequence),
                timestamp_offset: stream.next_timestamp().wrapping_sub(header.timestamp),
                last_in_sequence: header.sequence.wrapping_sub(1),
            });
        }
        let Some(anchor) = self.anchor.as_mut() else {
            return Err(RelayDrop::Late);
        };
        let ahead = header.sequence.wrapping_sub(anchor.last_in_sequence);
        if ahead == 0 || ahead >= 0x8000 {
            return Err(RelayDrop::Late);
        }
        anchor.last_in_sequence = header.sequence;
        let out = RtpHeader {
            marker: header.marker || new_source,
            payload_type,
            sequence: header.sequence.wrapping_add(anchor.sequence_offset),
            timestamp: header.timestamp.wrapping_add(anchor.timestamp_offset),
            ssrc: stream.ssrc(),
        };
        let is_event = Some(header.payload_type) == self.inbound.telephone_event_pt;
        let step = if is_event {
            0
        } else {
            self.outbound.codec.timestamp_step()
        };
        stream.note_relayed(out.sequence, out.timestamp, step, payload_len);
        if rewrite_header(datagram, &out) {
            Ok(())
        } else {
            Err(RelayDrop::Malformed)
        }
    }

    fn map_payload_type(&self, pt: u8) -> Result<u8, RelayDrop> {
        if pt == self.inbound.payload_type {
            return Ok(self.outbound.payload_type);
        }
        match (
            self.inbound.telephone_event_pt,
            self.outbound.telephone_event_pt,
        ) {
            (Some(inbound), Some(outbound)) if inbound == pt => Ok(outbound),
            _ => Err(RelayDrop::UnmappedPayloadType(pt)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtp::packet::write_rtp;

    fn format(pt: u8, te: Option<u8>) -> LegFormat {
        LegFormat {
            codec: Codec::Pcmu,
            payload_type: pt,
            telephone_event_pt: te,
        }
    }

    fn packet(ssrc: u32, pt: u8, sequence: u16, timestamp: u32) -> Vec<u8> {
        let mut buf = Vec::new();
        write_rtp(
            &RtpHeader {
                marker: false,
                payload_type: pt,
                sequence,
                timestamp,
                ssrc,
            },
            &[0xAB; 160],
            &mut buf,
        );
        buf
    }

    fn relay_one(
        relay: &mut Relay,
        stream: &mut RtpSendStream,
        mut buf: Vec<u8>,
    ) -> Result<RtpHeader, RelayDrop> {
        relay.relay(&mut buf, stream)?;
        let parsed = RtpPacket::parse(&buf).unwrap();
        assert_eq!(parsed.payload, &[0xAB; 160], "payload untouched");
        Ok(parsed.header)
    }

    #[test]
    fn prompt_then_relay_then_new_source_stays_continuous() {
        let mut stream = RtpSendStream::new(0xB0B, 500, 80_000);
        // Leg B first hears a prompt: 3 frames.
        for _ in 0..3 {
            stream.next_media(0, 160, 160);
        }
        let mut relay = Relay::new(format(0, Some(101)), format(0, Some(96))).unwrap();
        let a1 = relay_one(&mut relay, &mut stream, packet(0xA, 0, 9000, 1_000_000)).unwrap();
        let a2 = relay_one(&mut relay, &mut stream, packet(0xA, 0, 9001, 1_000_160)).unwrap();
        assert_eq!(
            (a1.sequence, a1.timestamp, a1.ssrc, a1.marker),
            (503, 80_480, 0xB0B, true)
        );
        assert_eq!((a2.sequence, a2.timestamp, a2.marker), (504, 80_640, false));
        // The source loses one packet: the gap shows through.
        let a4 = relay_one(&mut relay, &mut stream, packet(0xA, 0, 9003, 1_000_480)).unwrap();
        assert_eq!((a4.sequence, a4.timestamp), (506, 80_960));
        // The far end changes SSRC (a transfer): numbering continues on our side.
        let c1 = relay_one(&mut relay, &mut stream, packet(0xC, 0, 7, 42)).unwrap();
        assert_eq!(
            (c1.sequence, c1.timestamp, c1.ssrc, c1.marker),
            (507, 81_120, 0xB0B, true)
        );
        // Back to a prompt: it continues after the relayed packets.
        let next = stream.next_media(0, 160, 160);
        assert_eq!((next.sequence, next.timestamp), (508, 81_280));
    }

    #[test]
    fn events_are_mapped_and_unknown_types_dropped() {
        let mut stream = RtpSendStream::new(1, 0, 0);
        let mut relay = Relay::new(format(0, Some(101)), format(0, Some(96))).unwrap();
        relay_one(&mut relay, &mut stream, packet(5, 0, 1, 0)).unwrap();
        let event = relay_one(&mut relay, &mut stream, packet(5, 101, 2, 160)).unwrap();
        assert_eq!(event.payload_type, 96);
        assert_eq!(
            relay_one(&mut relay, &mut stream, packet(5, 13, 3, 320)),
            Err(RelayDrop::UnmappedPayloadType(13))
        );
        let mut no_events = Relay::new(format(0, Some(101)), format(0, None)).unwrap();
        assert_eq!(
            relay_one(&mut no_events, &mut stream, packet(5, 101, 4, 480)),
            Err(RelayDrop::UnmappedPayloadType(101))
        );
    }

    #[test]
    fn late_duplicates_and_garbage_are_dropped_and_restart_reanchors() {
        let mut stream = RtpSendStream::new(1, 100, 0);
        let mut relay = Relay::new(format(8, None), format(8, None)).unwrap();
        relay_one(&mut relay, &mut stream, packet(5, 8, 10, 0)).unwrap();
        relay_one(&mut relay, &mut stream, packet(5, 8, 11, 160)).unwrap();
        assert_eq!(
            relay_one(&mut relay, &mut stream, packet(5, 8, 11, 160)),
            Err(RelayDrop::Late)
        );
        assert_eq!(
            relay_one(&mut relay, &mut stream, packet(5, 8, 9, 0)),
            Err(RelayDrop::Late)
        );
        assert_eq!(
            relay.relay(&mut [0x80, 0, 1], &mut stream),
            Err(RelayDrop::Malformed)
        );
        // Same SSRC, far jump: re-anchored, continuous.
        let jumped = relay_one(&mut relay, &mut stream, packet(5, 8, 30_000, 9_999_999)).unwrap();
        assert_eq!(
            (jumped.sequence, jumped.timestamp, jumped.marker),
            (102, 320, true)
        );
    }

    #[test]
    fn different_codecs_cannot_relay() {
        let pcma = LegFormat {
            codec: Codec::Pcma,
            payload_type: 8,
            telephone_event_pt: None,
        };
        assert!(Relay::new(format(0, None), pcma).is_none());
    }
}
