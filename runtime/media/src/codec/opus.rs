//! Opus through `opus-rs`, a pure-Rust port of libopus 1.6: it needs neither
//! cmake nor a system libopus, so the workspace builds with only the Rust
//! toolchain (the C-library bindings on crates.io all drive cmake).

use super::CodecError;
use opus_rs::{Application, OpusDecoder, OpusEncoder};

/// Largest Opus packet we produce or accept for one 20 ms frame.
const MAX_OPUS_PACKET: usize = 400;
/// Encoder bitrate for voice.
const VOICE_BITRATE_BPS: i32 = 24_000;

/// Opus encoder for 20 ms mono frames at a fixed input rate.
pub struct OpusFrameEncoder {
    inner: OpusEncoder,
    frame_samples: usize,
    scratch: [u8; MAX_OPUS_PACKET],
}

impl OpusFrameEncoder {
    /// Creates an encoder taking mono input at `rate_hz` (8, 12, 16, 24 or 48 kHz).
    pub fn new(rate_hz: u32) -> Result<Self, CodecError> {
        let mut inner =
            OpusEncoder::new(rate_hz as i32, 1, Application::Voip).map_err(CodecError::Opus)?;
        inner.bitrate_bps = VOICE_BITRATE_BPS;
        Ok(Self {
            inner,
            frame_samples: rate_hz as usize / 50,
            scratch: [0; MAX_OPUS_PACKET],
        })
    }

    /// Encodes one 20 ms frame and appends the packet to `out`.
    pub fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), CodecError> {
        let mut frame = [0i16; 960];
        let n = pcm.len().min(self.frame_samples);
        frame[..n].copy_from_slice(&pcm[..n]);
        let len = self
            .inner
            .encode_i16(
                &frame[..self.frame_samples],
                self.frame_samples,
                &mut self.scratch,
            )
            .map_err(CodecError::Opus)?;
        out.extend_from_slice(&self.scratch[..len]);
        Ok(())
    }
}

/// Opus decoder producing mono output at a fixed rate.
pub struct OpusFrameDecoder {
    inner: OpusDecoder,
    frame_samples: usize,
}

impl OpusFrameDecoder {
    /// Creates a decoder producing mono output at `rate_hz`.
    pub fn new(rate_hz: u32) -> Result<Self, CodecError> {
        let inner = OpusDecoder::new(rate_hz as i32, 1).map_err(CodecError::Opus)?;
        Ok(Self {
            inner,
            frame_samples: rate_hz as usize / 50,
        })
    }

    /// Decodes one packet (an empty one means "lost": conceal) and appends samples.
    pub fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
        // Up to 120 ms of 48 kHz audio may sit in one packet.
        let mut pcm = vec![0f32; 5760];
        let max = if payload.len() <= 1 {
            self.frame_samples
        } else {
            pcm.len().min(self.frame_samples * 6)
        };
        let n = self
            .inner
            .decode(payload, max, &mut pcm[..max])
            .map_err(CodecError::Opus)?;
        out.extend(
            pcm[..n.min(max)]
                .iter()
                .map(|s| (s * 32767.0).clamp(-32768.0, 32767.0) as i16),
        );
        Ok(())
    }
}
