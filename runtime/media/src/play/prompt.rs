//! One prompt: audio converted once to 8 kHz linear at load, then encoded
//! into 20 ms frames for each codec, so playing it costs a slice lookup.

use crate::codec::resample::resample_linear;
use crate::codec::{Codec, CodecError, Encoder, INTERNAL_RATE_HZ, SAMPLES_PER_FRAME_8K};
use std::io::Read;
use std::time::Duration;

/// Longest prompt accepted (music on hold loops are usually a few minutes).
pub const MAX_PROMPT_DURATION: Duration = Duration::from_secs(15 * 60);
/// Most channels accepted in a WAV file (they are mixed down to mono).
pub const MAX_WAV_CHANNELS: u16 = 8;

/// Why a prompt could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    /// The file is not a readable WAV.
    #[error("prompt {name}: invalid WAV: {source}")]
    Wav {
        /// Prompt name.
        name: String,
        /// What hound reported.
        source: hound::Error,
    },
    /// Unsupported sample layout.
    #[error("prompt {name}: unsupported format ({detail})")]
    Unsupported {
        /// Prompt name.
        name: String,
        /// What is wrong.
        detail: String,
    },
    /// Longer than [`MAX_PROMPT_DURATION`].
    #[error("prompt {name}: longer than {max:?}", max = MAX_PROMPT_DURATION)]
    TooLong {
        /// Prompt name.
        name: String,
    },
    /// Pre-encoding failed.
    #[error("prompt {name}: {source}")]
    Codec {
        /// Prompt name.
        name: String,
        /// The codec failure.
        source: CodecError,
    },
    /// A prompt the caller asked for is not in the library.
    #[error("no prompt named {0}")]
    Missing(String),
    /// Reading a file or directory failed.
    #[error("reading prompts: {0}")]
    Io(#[from] std::io::Error),
}

/// The frames of one codec, stored back to back.
#[derive(Debug, Clone)]
struct EncodedFrames {
    codec: Codec,
    data: Vec<u8>,
    /// `frame i = data[ends[i-1]..ends[i]]`.
    ends: Vec<u32>,
}

/// A loaded prompt.
#[derive(Debug, Clone)]
pub struct Prompt {
    name: String,
    pcm: Vec<i16>,
    encoded: Vec<EncodedFrames>,
}

impl Prompt {
    /// Loads a WAV file (any rate; mono or multi-channel; 8/16/24/32-bit
    /// integer or 32-bit float) and pre-encodes it for `codecs`.
    pub fn from_wav<R: Read>(name: &str, reader: R, codecs: &[Codec]) -> Result<Self, PromptError> {
        let wav_error = |source| PromptError::Wav {
            name: name.to_string(),
            source,
        };
        let unsupported = |detail: String| PromptError::Unsupported {
            name: name.to_string(),
            detail,
        };
        let wav = hound::WavReader::new(reader).map_err(wav_error)?;
        let spec = wav.spec();
        if spec.channels == 0 || spec.channels > MAX_WAV_CHANNELS || spec.sample_rate == 0 {
            return Err(unsupported(format!(
                "{} channels at {} Hz",
                spec.channels, spec.sample_rate
            )));
        }
        let seconds = u64::from(wav.duration()) / u64::from(spec.sample_rate);
        if seconds > MAX_PROMPT_DURATION.as_secs() {
            return Err(PromptError::TooLong {
                name: name.to_string(),
            });
        }
        let interleaved: Vec<i16> = match (spec.sample_format, spec.bits_per_sample) {
            (hound::SampleFormat::Int, bits @ 1..=32) => {
                let shift = i32::from(bits) - 16;
                wav.into_samples::<i32>()
                    .map(|s| {
                        s.map(|v| {
                            if shift >= 0 {
                                (v >> shift) as i16
                            } else {
                                (v << -shift) as i16
                            }
                        })
                    })
                    .collect::<Result<_, _>>()
                    .map_err(wav_error)?
            }
            (hound::SampleFormat::Float, 32) => wav
                .into_samples::<f32>()
                .map(|s| s.map(|v| (v * 32767.0).clamp(-32768.0, 32767.0) as i16))
                .collect::<Result<_, _>>()
                .map_err(wav_error)?,
            (format, bits) => return Err(unsupported(format!("{bits}-bit {format:?}"))),
        };
        let mono = mix_down(&interleaved, usize::from(spec.channels));
        Self::from_pcm(name, &mono, spec.sample_rate, codecs)
    }

    /// Builds a prompt from mono linear audio at `rate_hz`.
    pub fn from_pcm(
        name: &str,
        pcm: &[i16],
        rate_hz: u32,
        codecs: &[Codec],
    ) -> Result<Self, PromptError> {
        let mut pcm = resample_linear(pcm, rate_hz, INTERNAL_RATE_HZ);
        // Whole frames only: the tail is padded with silence.
        pcm.resize(
            pcm.len().div_ceil(SAMPLES_PER_FRAME_8K) * SAMPLES_PER_FRAME_8K,
            0,
        );
        let mut encoded = Vec::with_capacity(codecs.len());
        for &codec in codecs {
            let codec_error = |source| PromptError::Codec {
                name: name.to_string(),
                source,
            };
            let mut encoder = Encoder::new(codec).map_err(codec_error)?;
            let mut frames = EncodedFrames {
                codec,
                data: Vec::new(),
                ends: Vec::with_capacity(pcm.len() / SAMPLES_PER_FRAME_8K),
            };
            for frame in pcm.chunks_exact(SAMPLES_PER_FRAME_8K) {
                encoder
                    .encode(frame, &mut frames.data)
                    .map_err(codec_error)?;
                frames.ends.push(frames.data.len() as u32);
            }
            frames.data.shrink_to_fit();
            encoded.push(frames);
        }
        Ok(Self {
            name: name.to_string(),
            pcm,
            encoded,
        })
    }

    /// The prompt's name in its library.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of 20 ms frames.
    pub fn frame_count(&self) -> usize {
        self.pcm.len() / SAMPLES_PER_FRAME_8K
    }

    /// Playing time.
    pub fn duration(&self) -> Duration {
        crate::codec::FRAME_DURATION * self.frame_count() as u32
    }

    /// The 8 kHz linear audio (for recording what was played, and tests).
    pub fn pcm(&self) -> &[i16] {
        &self.pcm
    }

    /// Whether the prompt was encoded for `codec`.
    pub fn has_codec(&self, codec: Codec) -> bool {
        self.encoded.iter().any(|e| e.codec == codec)
    }

    /// Payload of frame `index` in `codec`.
    pub fn frame(&self, codec: Codec, index: usize) -> Option<&[u8]> {
        let frames = self.encoded.iter().find(|e| e.codec == codec)?;
        let end = *frames.ends.get(index)? as usize;
        let start = if index == 0 {
            0
        } else {
            frames.ends[index - 1] as usize
        };
        frames.data.get(start..end)
    }

    /// Bytes held (audio and every encoding), for memory accounting.
    pub fn memory_bytes(&self) -> usize {
        self.pcm.len() * 2
            + self
                .encoded
                .iter()
                .map(|e| e.data.len() + e.ends.len() * 4)
                .sum::<usize>()
    }
}

/// Averages interleaved channels into one.
fn mix_down(interleaved: &[i16], channels: usize) -> Vec<i16> {
    if channels == 1 {
        return interleaved.to_vec();
    }
    interleaved
        .chunks_exact(channels)
        .map(|frame| (frame.iter().map(|s| i32::from(*s)).sum::<i32>() / channels as i32) as i16)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Decoder;
    use crate::codec::test_signal::{sine, snr_db};
    use std::io::Cursor;

    /// A WAV file in memory with the given layout, holding a 400 Hz sine.
    fn wav_bytes(rate: u32, channels: u16, bits: u16, seconds: f64) -> (Vec<u8>, Vec<i16>) {
        let spec = hound::WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample: bits,
            sample_format: hound::SampleFormat::Int,
        };
        let tone = sine(400.0, rate, (f64::from(rate) * seconds) as usize, 12000.0);
        let mut cursor = Cursor::new(Vec::new());
        let mut writer = hound::WavWriter::new(&mut cursor, spec).unwrap();
        for s in &tone {
            for _ in 0..channels {
                if bits == 8 {
                    writer.write_sample((s >> 8) as i8).unwrap();
                } else {
                    writer.write_sample(*s).unwrap();
                }
            }
        }
        writer.finalize().unwrap();
        (cursor.into_inner(), tone)
    }

    #[test]
    fn any_rate_mono_or_stereo_8_or_16_bit_becomes_the_same_8k_audio() {
        let reference = sine(400.0, 8000, 8000, 12000.0);
        for (rate, channels, bits) in [
            (8000, 1, 16),
            (16000, 1, 16),
            (44100, 2, 16),
            (48000, 2, 16),
            (22050, 1, 8),
            (11025, 2, 8),
        ] {
            let (bytes, _) = wav_bytes(rate, channels, bits, 1.0);
            let prompt = Prompt::from_wav("t", Cursor::new(bytes), &[Codec::Pcmu]).unwrap();
            assert_eq!(prompt.frame_count(), 50, "{rate}/{channels}/{bits}");
            let snr = snr_db(&reference[..7800], &prompt.pcm()[..7800]);
            let floor = if bits == 8 { 25.0 } else { 30.0 };
            assert!(snr > floor, "{rate} Hz {channels} ch {bits} bit: snr {snr}");
        }
    }

    #[test]
    fn frames_are_pre_encoded_per_codec_and_decode_back() {
        let (bytes, tone) = wav_bytes(8000, 1, 16, 0.5);
        let prompt =
            Prompt::from_wav("t", Cursor::new(bytes), &[Codec::Pcmu, Codec::Pcma]).unwrap();
        assert!(prompt.has_codec(Codec::Pcma) && !prompt.has_codec(Codec::Opus));
        let mut decoder = Decoder::new(Codec::Pcma).unwrap();
        let mut decoded = Vec::new();
        for i in 0..prompt.frame_count() {
            let frame = prompt.frame(Codec::Pcma, i).unwrap();
            assert_eq!(frame.len(), 160);
            decoder.decode(frame, &mut decoded).unwrap();
        }
        assert!(snr_db(&tone, &decoded) > 30.0);
        assert_eq!(prompt.frame(Codec::Pcma, prompt.frame_count()), None);
        assert_eq!(prompt.frame(Codec::Opus, 0), None);
    }

    #[test]
    fn partial_last_frame_is_padded() {
        let prompt = Prompt::from_pcm("p", &[1000; 170], 8000, &[Codec::Pcmu]).unwrap();
        assert_eq!(prompt.frame_count(), 2);
        assert_eq!(prompt.pcm()[169], 1000);
        assert_eq!(prompt.pcm()[170], 0);
    }

    #[test]
    fn bad_files_are_errors() {
        assert!(matches!(
            Prompt::from_wav(
                "x",
                Cursor::new(b"RIFF0000WAVEjunk".to_vec()),
                &[Codec::Pcmu]
            ),
            Err(PromptError::Wav { .. })
        ));
        let (mut bytes, _) = wav_bytes(8000, 1, 16, 0.1);
        bytes.truncate(30);
        assert!(Prompt::from_wav("x", Cursor::new(bytes), &[Codec::Pcmu]).is_err());
    }
}
