//! Silence detection for `record`'s `silence_seconds`: a caller who has stopped talking
//! ends the message, instead of leaving dead air until the time limit.
//!
//! Sans-IO: the leg tells it each 20 ms frame of the caller's decoded audio, in order, so
//! frames are its clock. A frame is quiet when its mean absolute amplitude is below
//! [`QUIET_LEVEL`]; a frame with no audio at all (no packet arrived: a phone that sends
//! nothing while its user is silent) is quiet too. The detector fires once, on the frame
//! that completes the silent stretch; any louder frame starts the count again.

use crate::codec::FRAME_DURATION;
use std::time::Duration;

/// Mean absolute amplitude of 16-bit PCM below which a frame is quiet (about −42 dBFS;
/// the level telephony recorders commonly default to). Line noise and comfort noise sit
/// well below it, speech well above.
pub const QUIET_LEVEL: u32 = 256;

/// Counts quiet frames in a row until a configured length of silence.
#[derive(Debug, Clone)]
pub struct SilenceDetector {
    needed: u32,
    quiet_run: u32,
    fired: bool,
}

impl SilenceDetector {
    /// Fires after `after` of uninterrupted quiet (rounded up to whole frames, at least one).
    pub fn new(after: Duration) -> Self {
        let frame = FRAME_DURATION.as_micros();
        let frames = after.as_micros().div_ceil(frame).max(1);
        Self {
            needed: u32::try_from(frames).unwrap_or(u32::MAX),
            quiet_run: 0,
            fired: false,
        }
    }

    /// One frame of the caller's audio; true exactly once, when the silence is long enough.
    pub fn on_frame(&mut self, pcm: &[i16]) -> bool {
        if self.fired {
            return false;
        }
        if is_quiet(pcm) {
            self.quiet_run += 1;
        } else {
            self.quiet_run = 0;
        }
        self.fired = self.quiet_run >= self.needed;
        self.fired
    }
}

fn is_quiet(pcm: &[i16]) -> bool {
    if pcm.is_empty() {
        return true;
    }
    let total: u64 = pcm.iter().map(|s| u64::from(s.unsigned_abs())).sum();
    total < u64::from(QUIET_LEVEL) * pcm.len() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::SAMPLES_PER_FRAME_8K;
    use crate::codec::test_signal::sine;

    /// Deterministic low-level noise (a linear congruential generator), peak `amplitude`.
    fn noise(frame: usize, amplitude: i16) -> Vec<i16> {
        let mut state = 0x2545_f491_u32.wrapping_add(frame as u32);
        (0..SAMPLES_PER_FRAME_8K)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let unit = f64::from(state >> 8) / f64::from(1u32 << 24) * 2.0 - 1.0;
                (unit * f64::from(amplitude)) as i16
            })
            .collect()
    }

    fn speech_like(frame: usize) -> Vec<i16> {
        let offset = frame * SAMPLES_PER_FRAME_8K;
        sine(440.0, 8000, offset + SAMPLES_PER_FRAME_8K, 3000.0)[offset..].to_vec()
    }

    #[test]
    fn fires_once_after_the_configured_quiet_and_not_before() {
        let mut detector = SilenceDetector::new(Duration::from_secs(1));
        for frame in 0..10 {
            assert!(!detector.on_frame(&speech_like(frame)));
        }
        // 50 quiet frames make one second: line noise counts as quiet.
        for frame in 0..49 {
            assert!(!detector.on_frame(&noise(frame, 200)), "frame {frame}");
        }
        assert!(detector.on_frame(&noise(49, 200)));
        assert!(!detector.on_frame(&noise(50, 200)), "fires only once");
    }

    #[test]
    fn a_word_in_the_pause_starts_the_count_again() {
        let mut detector = SilenceDetector::new(Duration::from_millis(200));
        for _ in 0..9 {
            assert!(!detector.on_frame(&[]));
        }
        assert!(!detector.on_frame(&speech_like(0)));
        for _ in 0..9 {
            assert!(!detector.on_frame(&[0; SAMPLES_PER_FRAME_8K]));
        }
        assert!(detector.on_frame(&[0; SAMPLES_PER_FRAME_8K]));
    }

    #[test]
    fn frames_without_audio_are_silence_and_loud_noise_is_not() {
        let mut detector = SilenceDetector::new(Duration::from_millis(40));
        assert!(!detector.on_frame(&[]));
        assert!(detector.on_frame(&[]));
        let mut loud = SilenceDetector::new(Duration::from_millis(40));
        for frame in 0..100 {
            assert!(!loud.on_frame(&noise(frame, 4000)), "frame {frame}");
        }
        // The extreme sample does not overflow the sum.
        assert!(!loud.on_frame(&[i16::MIN; SAMPLES_PER_FRAME_8K]));
    }

    #[test]
    fn lengths_round_up_to_whole_frames() {
        assert_eq!(SilenceDetector::new(Duration::ZERO).needed, 1);
        assert_eq!(SilenceDetector::new(Duration::from_millis(30)).needed, 2);
        assert_eq!(SilenceDetector::new(Duration::from_secs(5)).needed, 250);
        assert_eq!(
            SilenceDetector::new(Duration::MAX).needed,
            u32::MAX,
            "saturates"
        );
    }
}
