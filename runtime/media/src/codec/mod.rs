//! Audio codecs. Every decoded path in this crate works on 8 kHz mono 16-bit
//! linear audio in 20 ms frames ([`SAMPLES_PER_FRAME_8K`] samples): that is what
//! the recorder, the DTMF detector and transcoding consume.

pub mod g711;
#[cfg(feature = "opus")]
pub mod opus;
pub mod resample;
#[cfg(test)]
pub(crate) mod test_signal;

use std::time::Duration;

/// Length of one packetisation interval.
pub const FRAME_DURATION: Duration = Duration::from_millis(20);
/// Samples in one 20 ms frame of the internal 8 kHz linear format.
pub const SAMPLES_PER_FRAME_8K: usize = 160;
/// Rate of the internal linear format.
pub const INTERNAL_RATE_HZ: u32 = 8000;

/// An audio codec this crate can send and receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// G.711 µ-law, static payload type 0.
    Pcmu,
    /// G.711 A-law, static payload type 8.
    Pcma,
    /// Opus (RFC 7587), dynamic payload type, `opus/48000/2`.
    Opus,
}

impl Codec {
    /// RTP clock rate (Opus always uses 48 kHz on the wire, RFC 7587).
    pub fn clock_rate(self) -> u32 {
        match self {
            Codec::Pcmu | Codec::Pcma => 8000,
            Codec::Opus => 48000,
        }
    }

    /// RTP timestamp increment of one 20 ms frame.
    pub fn timestamp_step(self) -> u32 {
        self.clock_rate() / 50
    }

    /// The static payload type, if the codec has one.
    pub fn static_payload_type(self) -> Option<u8> {
        match self {
            Codec::Pcmu => Some(0),
            Codec::Pcma => Some(8),
            Codec::Opus => None,
        }
    }

    /// Encoding name as written in `a=rtpmap`.
    pub fn encoding_name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
            Codec::Opus => "opus",
        }
    }

    /// Whether this build can encode and decode the codec.
    pub fn is_available(self) -> bool {
        match self {
            Codec::Pcmu | Codec::Pcma => true,
            Codec::Opus => cfg!(feature = "opus"),
        }
    }
}

/// Codec failures; they concern one frame and never the session.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The codec is not compiled into this build.
    #[error("codec {0:?} is not available in this build")]
    Unavailable(Codec),
    /// The Opus library refused the frame or the configuration.
    #[error("opus: {0}")]
    Opus(&'static str),
}

/// Encodes 20 ms frames of 8 kHz linear audio into one codec's payloads.
pub enum Encoder {
    /// µ-law (stateless).
    Pcmu,
    /// A-law (stateless).
    Pcma,
    /// Opus, boxed: its state is large and only transcoding legs need it.
    #[cfg(feature = "opus")]
    Opus(Box<opus::OpusFrameEncoder>),
}

impl Encoder {
    /// Creates an encoder for `codec` taking 8 kHz input.
    pub fn new(codec: Codec) -> Result<Self, CodecError> {
        match codec {
            Codec::Pcmu => Ok(Encoder::Pcmu),
            Codec::Pcma => Ok(Encoder::Pcma),
            #[cfg(feature = "opus")]
            Codec::Opus => Ok(Encoder::Opus(Box::new(opus::OpusFrameEncoder::new(
                INTERNAL_RATE_HZ,
            )?))),
            #[cfg(not(feature = "opus"))]
            Codec::Opus => Err(CodecError::Unavailable(codec)),
        }
    }

    /// Appends the payload for one frame of `pcm` to `out`.
    pub fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), CodecError> {
        match self {
            Encoder::Pcmu => out.extend(pcm.iter().map(|&s| g711::linear_to_mulaw(s))),
            Encoder::Pcma => out.extend(pcm.iter().map(|&s| g711::linear_to_alaw(s))),
            #[cfg(feature = "opus")]
            Encoder::Opus(enc) => enc.encode(pcm, out)?,
        }
        Ok(())
    }
}

/// Decodes one codec's payloads into 8 kHz linear audio.
pub enum Decoder {
    /// µ-law (stateless).
    Pcmu,
    /// A-law (stateless).
    Pcma,
    /// Opus, boxed for the same reason as the encoder.
    #[cfg(feature = "opus")]
    Opus(Box<opus::OpusFrameDecoder>),
}

impl Decoder {
    /// Creates a decoder for `codec` producing 8 kHz output.
    pub fn new(codec: Codec) -> Result<Self, CodecError> {
        match codec {
            Codec::Pcmu => Ok(Decoder::Pcmu),
            Codec::Pcma => Ok(Decoder::Pcma),
            #[cfg(feature = "opus")]
            Codec::Opus => Ok(Decoder::Opus(Box::new(opus::OpusFrameDecoder::new(
                INTERNAL_RATE_HZ,
            )?))),
            #[cfg(not(feature = "opus"))]
            Codec::Opus => Err(CodecError::Unavailable(codec)),
        }
    }

    /// Appends the samples decoded from `payload` to `out`.
    pub fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
        match self {
            Decoder::Pcmu => out.extend(payload.iter().map(|&b| g711::mulaw_to_linear(b))),
            Decoder::Pcma => out.extend(payload.iter().map(|&b| g711::alaw_to_linear(b))),
            #[cfg(feature = "opus")]
            Decoder::Opus(dec) => dec.decode(payload, out)?,
        }
        Ok(())
    }

    /// Appends one frame of concealment audio for a lost packet.
    pub fn conceal(&mut self, out: &mut Vec<i16>) -> Result<(), CodecError> {
        match self {
            Decoder::Pcmu | Decoder::Pcma => {
                out.extend(std::iter::repeat_n(0, SAMPLES_PER_FRAME_8K));
                Ok(())
            }
            #[cfg(feature = "opus")]
            Decoder::Opus(dec) => dec.decode(&[], out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_signal::{sine, snr_db};
    use super::*;

    fn round_trip(codec: Codec) -> f64 {
        let original = sine(440.0, 8000, 8000, 8000.0);
        let mut enc = Encoder::new(codec).unwrap();
        let mut dec = Decoder::new(codec).unwrap();
        let mut decoded = Vec::new();
        for frame in original.chunks_exact(SAMPLES_PER_FRAME_8K) {
            let mut payload = Vec::new();
            enc.encode(frame, &mut payload).unwrap();
            assert!(!payload.is_empty());
            dec.decode(&payload, &mut decoded).unwrap();
        }
        assert_eq!(decoded.len(), original.len());
        // Codec delay: find the best alignment within 20 ms.
        (0..SAMPLES_PER_FRAME_8K)
            .map(|lag| {
                snr_db(
                    &original[..original.len() - lag - 800],
                    &decoded[lag..decoded.len() - 800],
                )
            })
            .fold(f64::MIN, f64::max)
    }

    #[test]
    fn pcmu_round_trip_snr() {
        assert!(round_trip(Codec::Pcmu) > 30.0);
    }

    #[test]
    fn pcma_round_trip_snr() {
        assert!(round_trip(Codec::Pcma) > 30.0);
    }

    #[cfg(feature = "opus")]
    #[test]
    fn opus_round_trip_snr() {
        let snr = round_trip(Codec::Opus);
        assert!(snr > 10.0, "opus snr {snr}");
    }

    /// Best normalised cross-correlation of `decoded` against `original` within 20 ms of lag.
    fn best_correlation(original: &[i16], decoded: &[i16]) -> f64 {
        (0..SAMPLES_PER_FRAME_8K)
            .map(|lag| {
                let a = &original[800..original.len() - 800];
                let b = &decoded[800 + lag..decoded.len() - 800 + lag.min(800)];
                let n = a.len().min(b.len());
                let dot: f64 = (0..n).map(|i| f64::from(a[i]) * f64::from(b[i])).sum();
                let ea: f64 = a[..n].iter().map(|x| f64::from(*x).powi(2)).sum();
                let eb: f64 = b[..n].iter().map(|x| f64::from(*x).powi(2)).sum();
                dot / (ea * eb).sqrt().max(1e-9)
            })
            .fold(f64::MIN, f64::max)
    }

    fn encode_decode(codec: Codec, original: &[i16]) -> Vec<i16> {
        let mut enc = Encoder::new(codec).unwrap();
        let mut dec = Decoder::new(codec).unwrap();
        let mut decoded = Vec::new();
        for frame in original.chunks_exact(SAMPLES_PER_FRAME_8K) {
            let mut payload = Vec::new();
            enc.encode(frame, &mut payload).unwrap();
            dec.decode(&payload, &mut decoded).unwrap();
        }
        decoded
    }

    #[cfg(feature = "opus")]
    #[test]
    fn opus_keeps_energy_and_waveform_of_tone_and_speech() {
        use super::test_signal::{rms, speech_like};
        for (name, original) in [
            ("tone", sine(440.0, 8000, 16000, 8000.0)),
            ("speech", speech_like(1, 16000)),
        ] {
            let decoded = encode_decode(Codec::Opus, &original);
            assert_eq!(decoded.len(), original.len());
            let ratio = rms(&decoded[800..]) / rms(&original[800..]);
            assert!((0.7..1.4).contains(&ratio), "{name}: energy ratio {ratio}");
            let correlation = best_correlation(&original, &decoded);
            assert!(correlation > 0.8, "{name}: correlation {correlation}");
        }
    }

    #[cfg(feature = "opus")]
    #[test]
    fn opus_decoder_survives_garbage_and_loss() {
        let mut noise = super::test_signal::Noise::new(21);
        let mut dec = Decoder::new(Codec::Opus).unwrap();
        for _ in 0..3000 {
            let len = (noise.uniform() * 200.0) as usize;
            let packet: Vec<u8> = (0..len).map(|_| (noise.uniform() * 256.0) as u8).collect();
            let mut out = Vec::new();
            let _ = dec.decode(&packet, &mut out);
            assert!(out.len() <= SAMPLES_PER_FRAME_8K * 6);
        }
        let mut out = Vec::new();
        dec.conceal(&mut out).unwrap();
        assert_eq!(out.len(), SAMPLES_PER_FRAME_8K);
    }

    #[test]
    fn g711_waveform_correlation() {
        let original = super::test_signal::speech_like(2, 16000);
        for codec in [Codec::Pcmu, Codec::Pcma] {
            assert!(best_correlation(&original, &encode_decode(codec, &original)) > 0.99);
        }
    }
}
