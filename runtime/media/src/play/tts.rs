//! Optional text-to-speech through the `espeak-ng` program, when installed.
//! Synthesis runs a process and blocks: call it from a blocking task.

use super::prompt::{Prompt, PromptError};
use crate::codec::Codec;
use std::io::Write;
use std::process::{Command, Stdio};

/// Longest text synthesised at once.
pub const MAX_TTS_TEXT: usize = 4096;
/// The program invoked.
pub const ESPEAK_PROGRAM: &str = "espeak-ng";

/// Why synthesis failed.
#[derive(Debug, thiserror::Error)]
pub enum TtsError {
    /// espeak-ng is not on the PATH.
    #[error(
        "text-to-speech needs {ESPEAK_PROGRAM}, which is not installed (apt-get install espeak-ng)"
    )]
    NotInstalled,
    /// Longer than [`MAX_TTS_TEXT`].
    #[error("text of {0} bytes exceeds {MAX_TTS_TEXT}")]
    TooLong(usize),
    /// The program failed.
    #[error("{ESPEAK_PROGRAM} failed: {0}")]
    Failed(String),
    /// Its output was not usable audio.
    #[error(transparent)]
    Prompt(#[from] PromptError),
}

/// Speaks `text` with `voice` (an espeak-ng voice name such as `en-us`) into a prompt.
pub fn synthesize(
    name: &str,
    text: &str,
    voice: &str,
    codecs: &[Codec],
) -> Result<Prompt, TtsError> {
    if text.len() > MAX_TTS_TEXT {
        return Err(TtsError::TooLong(text.len()));
    }
    if !voice.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !voice
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '+')
    {
        return Err(TtsError::Failed(format!("invalid voice name {voice:?}")));
    }
    // The text goes through stdin, never the command line, so it cannot become an option.
    let mut child = Command::new(ESPEAK_PROGRAM)
        .args(["--stdout", "--stdin", "-v", voice])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                TtsError::NotInstalled
            } else {
                TtsError::Failed(e.to_string())
            }
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(text.as_bytes())
            .map_err(|e| TtsError::Failed(e.to_string()))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| TtsError::Failed(e.to_string()))?;
    if !output.status.success() {
        return Err(TtsError::Failed(
            String::from_utf8_lossy(&output.stderr)
                .chars()
                .take(200)
                .collect(),
        ));
    }
    let mut wav = output.stdout;
    fix_streamed_sizes(&mut wav);
    Ok(Prompt::from_wav(name, std::io::Cursor::new(wav), codecs)?)
}

/// espeak-ng writes a streaming WAV whose size fields are placeholders; set
/// them to what was actually written so a strict reader accepts the file.
fn fix_streamed_sizes(wav: &mut [u8]) {
    if wav.len() < 12 || &wav[..4] != b"RIFF" {
        return;
    }
    let riff = (wav.len() - 8) as u32;
    wav[4..8].copy_from_slice(&riff.to_le_bytes());
    let mut at = 12;
    while at + 8 <= wav.len() {
        let size =
            u32::from_le_bytes([wav[at + 4], wav[at + 5], wav[at + 6], wav[at + 7]]) as usize;
        if &wav[at..at + 4] == b"data" {
            let actual = (wav.len() - at - 8) as u32;
            wav[at + 4..at + 8].copy_from_slice(&actual.to_le_bytes());
            return;
        }
        at = at.saturating_add(8).saturating_add(size + (size & 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speaks_when_installed_and_says_clearly_when_not() {
        match synthesize("hello", "hello world", "en", &[Codec::Pcmu]) {
            Ok(prompt) => assert!(prompt.frame_count() > 10),
            Err(TtsError::NotInstalled) => {
                let message = TtsError::NotInstalled.to_string();
                assert!(message.contains("espeak-ng") && message.contains("not installed"));
            }
            Err(other) => panic!("unexpected failure: {other}"),
        }
        assert!(matches!(
            synthesize("x", &"a".repeat(MAX_TTS_TEXT + 1), "en", &[]),
            Err(TtsError::TooLong(_))
        ));
        assert!(matches!(
            synthesize("x", "hi", "--help", &[]),
            Err(TtsError::Failed(_))
        ));
    }

    #[test]
    fn streamed_wav_sizes_are_repaired() {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 22050,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut cursor = std::io::Cursor::new(Vec::new());
        let mut writer = hound::WavWriter::new(&mut cursor, spec).unwrap();
        for i in 0..2205 {
            writer.write_sample((i % 100) as i16 * 100).unwrap();
        }
        writer.finalize().unwrap();
        let mut wav = cursor.into_inner();
        // What a streaming writer leaves: placeholder sizes.
        wav[4..8].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
        wav[40..44].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
        fix_streamed_sizes(&mut wav);
        let prompt = Prompt::from_wav("t", std::io::Cursor::new(wav), &[Codec::Pcmu]).unwrap();
        assert_eq!(prompt.frame_count(), 5);
    }
}
