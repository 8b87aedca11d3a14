//! The transcoding path of a bridge, for legs with different codecs:
//! packets go through a jitter buffer, are decoded to 8 kHz linear on each
//! 20 ms tick (or concealed when lost), and re-encoded for the other leg.
//! The decoded frame is kept for the recorder and the in-band DTMF detector.

use super::relay::LegFormat;
use crate::codec::{CodecError, Decoder, Encoder, SAMPLES_PER_FRAME_8K};
use crate::rtp::jitter::{JitterBuffer, JitterDrop, Playout};
use crate::rtp::packet::{RtpPacket, write_rtp};
use crate::rtp::stream::RtpSendStream;

/// One direction of a transcoding bridge.
pub struct Transcoder {
    inbound: LegFormat,
    outbound: LegFormat,
    jitter: JitterBuffer,
    decoder: Decoder,
    encoder: Encoder,
    decoded: Vec<i16>,
    payload: Vec<u8>,
}

impl Transcoder {
    /// A transcoder from `inbound` to `outbound`.
    pub fn new(inbound: LegFormat, outbound: LegFormat) -> Result<Self, CodecError> {
        Ok(Self {
            inbound,
            outbound,
            jitter: JitterBuffer::new(),
            decoder: Decoder::new(inbound.codec)?,
            encoder: Encoder::new(outbound.codec)?,
            decoded: Vec::with_capacity(SAMPLES_PER_FRAME_8K * 6),
            payload: Vec::new(),
        })
    }

    /// Stores an inbound audio packet. Events and other payload types are not
    /// audio: the caller handles them (DTMF is re-sent with `EventSender`).
    pub fn on_packet(&mut self, packet: &RtpPacket<'_>) -> Result<(), JitterDrop> {
        if packet.header.payload_type != self.inbound.payload_type {
            return Err(JitterDrop::Late);
        }
        self.jitter.push(packet.header.sequence, packet.payload)
    }

    /// One 20 ms tick: writes the outbound packet into `out` (cleared first)
    /// and returns `true`, or returns `false` while the jitter buffer fills.
    pub fn on_tick(
        &mut self,
        stream: &mut RtpSendStream,
        out: &mut Vec<u8>,
    ) -> Result<bool, CodecError> {
        out.clear();
        self.decoded.clear();
        match self.jitter.pop() {
            None => return Ok(false),
            Some(Playout::Frame(payload)) => {
                if self.decoder.decode(payload, &mut self.decoded).is_err() {
                    self.decoder.conceal(&mut self.decoded)?;
                }
            }
            Some(Playout::Lost) => self.decoder.conceal(&mut self.decoded)?,
        }
        self.decoded.resize(SAMPLES_PER_FRAME_8K, 0);
        self.payload.clear();
        self.encoder.encode(&self.decoded, &mut self.payload)?;
        let header = stream.next_media(
            self.outbound.payload_type,
            self.outbound.codec.timestamp_step(),
            self.payload.len(),
        );
        write_rtp(&header, &self.payload, out);
        Ok(true)
    }

    /// The 8 kHz audio of the last tick (for recording and in-band DTMF).
    pub fn last_decoded(&self) -> &[i16] {
        &self.decoded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Codec;
    use crate::codec::test_signal::{sine, snr_db};
    use crate::rtp::packet::RtpHeader;

    #[test]
    fn pcmu_to_pcma_keeps_the_audio_and_conceals_loss() {
        let pcmu = LegFormat {
            codec: Codec::Pcmu,
            payload_type: 0,
            telephone_event_pt: None,
        };
        let pcma = LegFormat {
            codec: Codec::Pcma,
            payload_type: 8,
            telephone_event_pt: None,
        };
        let mut transcoder = Transcoder::new(pcmu, pcma).unwrap();
        let mut encoder = Encoder::new(Codec::Pcmu).unwrap();
        let mut stream = RtpSendStream::new(9, 0, 0);
        let tone = sine(600.0, 8000, 160 * 20, 8000.0);
        let mut received = Vec::new();
        let mut out = Vec::new();
        for (i, frame) in tone.chunks(160).enumerate() {
            if i != 10 {
                let mut payload = Vec::new();
                encoder.encode(frame, &mut payload).unwrap();
                let mut buf = Vec::new();
                write_rtp(
                    &RtpHeader {
                        marker: false,
                        payload_type: 0,
                        sequence: 1000 + i as u16,
                        timestamp: 160 * i as u32,
                        ssrc: 3,
                    },
                    &payload,
                    &mut buf,
                );
                transcoder
                    .on_packet(&RtpPacket::parse(&buf).unwrap())
                    .unwrap();
            }
            if transcoder.on_tick(&mut stream, &mut out).unwrap() {
                let packet = RtpPacket::parse(&out).unwrap();
                assert_eq!((packet.header.payload_type, packet.header.ssrc), (8, 9));
                let mut pcm = Vec::new();
                Decoder::new(Codec::Pcma)
                    .unwrap()
                    .decode(packet.payload, &mut pcm)
                    .unwrap();
                received.push(pcm);
            }
        }
        // Three ticks of buffering, then one frame per tick; frame 10 concealed as silence.
        assert_eq!(received.len(), 18);
        assert!(
            received[10].iter().all(|s| s.abs() <= 8),
            "A-law silence decodes to ±8"
        );
        assert!(snr_db(&tone[..1600], &received[..10].concat()) > 25.0);
        assert!(snr_db(&tone[1760..2880], &received[11..].concat()) > 25.0);
    }
}
