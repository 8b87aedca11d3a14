//! In-band DTMF detection for peers that send neither RFC 4733 nor SIP INFO.
//!
//! Audio is cut into blocks of [`BLOCK_LEN`] samples (25.6 ms at 8 kHz, the
//! classic size whose 39 Hz resolution separates adjacent DTMF rows). A block
//! holds a key when one row and one column tone stand out; a key is reported
//! once it holds for [`MIN_ON_BLOCKS`] blocks, and again only after a block
//! without it.

use super::digit::{COLUMN_FREQUENCIES, Digit, ROW_FREQUENCIES};
use super::goertzel::GoertzelBank;
use crate::codec::INTERNAL_RATE_HZ;
use std::collections::VecDeque;

/// Samples per analysis block.
pub const BLOCK_LEN: usize = 205;
/// Consecutive blocks a key must hold (≈51 ms; ITU-T Q.24 asks for 40 ms keys
/// to be accepted and 23 ms blips to be rejected).
pub const MIN_ON_BLOCKS: u8 = 2;
/// Quietest block analysed: mean power per sample (≈ -43 dBm0).
pub const MIN_MEAN_POWER: f32 = 150.0 * 150.0;
/// The strongest row (column) must exceed every other row (column) by this
/// power ratio (8 dB).
pub const RELATIVE_PEAK: f32 = 6.3;
/// Row tone may be this much stronger than the column tone (8 dB)...
pub const MAX_NORMAL_TWIST: f32 = 6.3;
/// ...and the column tone this much stronger than the row tone (4 dB).
pub const MAX_REVERSE_TWIST: f32 = 2.5;
/// Share of the block's energy the two tones must carry: speech and music
/// spread theirs over many frequencies. Synthetic vowels whose formants sit on
/// two DTMF tones reach 0.73; real keys at 15 dB SNR stay above 0.9.
pub const MIN_TONE_SHARE: f32 = 0.8;
/// Frequency tolerance probed on each side of a nominal tone (ITU-T Q.24
/// asks for ±1.5 % to be accepted): each tone is measured at three points
/// and the strongest counts, so the 39 Hz-wide bins still catch off-nominal
/// high-group tones without widening the window that rejects speech.
pub const FREQUENCY_TOLERANCE: f32 = 0.015;
/// Detected keys waiting to be taken.
pub const MAX_PENDING_DIGITS: usize = 16;

/// Finds DTMF keys in 8 kHz linear audio.
#[derive(Debug)]
pub struct InbandDetector {
    /// Rows then columns, three probes each (see [`FREQUENCY_TOLERANCE`]).
    bank: GoertzelBank<PROBES>,
    block: Vec<f32>,
    candidate: Option<Digit>,
    candidate_blocks: u8,
    reported: bool,
    pending: VecDeque<Digit>,
}

impl InbandDetector {
    /// A detector for audio at the internal 8 kHz rate.
    pub fn new() -> Self {
        Self {
            bank: GoertzelBank::new(probe_frequencies(), INTERNAL_RATE_HZ),
            block: Vec::with_capacity(BLOCK_LEN),
            candidate: None,
            candidate_blocks: 0,
            reported: false,
            pending: VecDeque::new(),
        }
    }

    /// Feeds decoded audio (any length).
    pub fn process(&mut self, samples: &[i16]) {
        for &sample in samples {
            self.block.push(f32::from(sample));
            if self.block.len() == BLOCK_LEN {
                let key = self.classify();
                self.block.clear();
                self.on_block(key);
            }
        }
    }

    /// The next detected key, oldest first.
    pub fn next_digit(&mut self) -> Option<Digit> {
        self.pending.pop_front()
    }

    fn on_block(&mut self, key: Option<Digit>) {
        if key.is_some() && key == self.candidate {
            self.candidate_blocks = self.candidate_blocks.saturating_add(1);
        } else {
            self.candidate = key;
            self.candidate_blocks = u8::from(key.is_some());
            self.reported = false;
        }
        if let Some(digit) = self.candidate
            && !self.reported
            && self.candidate_blocks >= MIN_ON_BLOCKS
        {
            self.reported = true;
            if self.pending.len() >= MAX_PENDING_DIGITS {
                self.pending.pop_front();
            }
            self.pending.push_back(digit);
        }
    }

    /// The key present in the current block, if all checks pass.
    fn classify(&self) -> Option<Digit> {
        let energy: f32 = self.block.iter().map(|x| x * x).sum();
        if energy / (BLOCK_LEN as f32) < MIN_MEAN_POWER {
            return None;
        }
        let powers = self.bank.powers(&self.block);
        let tone = |t: usize| {
            powers[3 * t..3 * t + 3]
                .iter()
                .copied()
                .fold(0.0f32, f32::max)
        };
        let rows: [f32; 4] = std::array::from_fn(tone);
        let columns: [f32; 4] = std::array::from_fn(|c| tone(4 + c));
        let (row, row_power) = dominant(&rows)?;
        let (column, column_power) = dominant(&columns)?;
        if row_power > column_power * MAX_NORMAL_TWIST
            || column_power > row_power * MAX_REVERSE_TWIST
        {
            return None;
        }
        if row_power + column_power < energy * MIN_TONE_SHARE {
            return None;
        }
        Digit::from_position(row, column)
    }
}

impl Default for InbandDetector {
    fn default() -> Self {
        Self::new()
    }
}

/// Filters in the bank: three probes for each of the eight tones.
const PROBES: usize = 24;

/// Each tone at its nominal frequency and at the edges of its tolerance,
/// rows first, then columns.
fn probe_frequencies() -> [f32; PROBES] {
    let tones: Vec<f32> = ROW_FREQUENCIES
        .iter()
        .chain(&COLUMN_FREQUENCIES)
        .copied()
        .collect();
    std::array::from_fn(|i| {
        tones[i / 3] * [1.0 - FREQUENCY_TOLERANCE, 1.0, 1.0 + FREQUENCY_TOLERANCE][i % 3]
    })
}

/// The strongest of four powers, if it beats each other one by [`RELATIVE_PEAK`].
fn dominant(powers: &[f32; 4]) -> Option<(usize, f32)> {
    let (best, &best_power) = powers
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))?;
    let clear = powers
        .iter()
        .enumerate()
        .all(|(i, &p)| i == best || p * RELATIVE_PEAK < best_power);
    clear.then_some((best, best_power))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::test_signal::{Noise, dtmf_tone, speech_like};

    fn detect(samples: &[i16]) -> String {
        let mut detector = InbandDetector::new();
        for frame in samples.chunks(160) {
            detector.process(frame);
        }
        std::iter::from_fn(|| detector.next_digit())
            .map(Digit::as_char)
            .collect()
    }

    fn keyed(keys: &str, on_ms: usize, off_ms: usize, amplitude: f64) -> Vec<i16> {
        let mut out = vec![0; off_ms * 8];
        for c in keys.chars() {
            out.extend(dtmf_tone(Digit::from_char(c).unwrap(), on_ms, amplitude));
            out.extend(vec![0; off_ms * 8]);
        }
        out
    }

    #[test]
    fn all_sixteen_keys_are_detected() {
        assert_eq!(
            detect(&keyed("123A456B789C*0#D", 100, 100, 6000.0)),
            "123A456B789C*0#D"
        );
    }

    #[test]
    fn keys_survive_noise_at_15_db_snr() {
        let mut signal = keyed("5093#", 80, 60, 4000.0);
        // Each tone has power A²/2; the pair A². Noise power A²/31.6 is 15 dB down.
        Noise::new(7).add_white(&mut signal, 4000.0 / 31.6f64.sqrt());
        assert_eq!(detect(&signal), "5093#");
    }

    #[test]
    fn keys_are_detected_after_g711_round_trip_and_with_twist() {
        use crate::codec::g711::{alaw_to_linear, linear_to_alaw};
        let mut signal = Vec::new();
        for c in "147".chars() {
            let (row, column) = Digit::from_char(c).unwrap().frequencies();
            // Column 6 dB weaker than the row: typical line attenuation.
            signal.extend(crate::codec::test_signal::two_tones(
                row, column, 3000.0, 1500.0, 100,
            ));
            signal.extend(vec![0; 800]);
        }
        let decoded: Vec<i16> = signal
            .iter()
            .map(|s| alaw_to_linear(linear_to_alaw(*s)))
            .collect();
        assert_eq!(detect(&decoded), "147");
    }

    #[test]
    fn off_nominal_tones_within_tolerance_are_accepted_and_beyond_rejected() {
        use crate::codec::test_signal::two_tones;
        for (c, deviation, expected) in [
            ('D', 1.015f32, "D"),
            ('D', 0.985, "D"),
            ('1', 1.015, "1"),
            ('9', 0.985, "9"),
            ('D', 1.04, ""),
            ('1', 0.96, ""),
        ] {
            let (row, column) = Digit::from_char(c).unwrap().frequencies();
            let mut signal = two_tones(row * deviation, column * deviation, 4000.0, 4000.0, 100);
            signal.extend(vec![0; 800]);
            assert_eq!(detect(&signal), expected, "{c} at {deviation}");
        }
    }

    #[test]
    fn a_held_key_is_reported_once_and_a_repeat_twice() {
        assert_eq!(detect(&keyed("8", 2000, 100, 5000.0)), "8");
        assert_eq!(detect(&keyed("88", 100, 100, 5000.0)), "88");
    }

    #[test]
    fn too_short_quiet_or_single_tones_are_rejected() {
        assert_eq!(detect(&keyed("1", 25, 100, 6000.0)), "", "25 ms blip");
        assert_eq!(
            detect(&keyed("1", 200, 100, 100.0)),
            "",
            "below the level floor"
        );
        let single: Vec<i16> = crate::codec::test_signal::sine(697.0, 8000, 1600, 6000.0);
        assert_eq!(detect(&single), "", "one tone is not a key");
        let reverse = crate::codec::test_signal::two_tones(697.0, 1209.0, 1000.0, 4000.0, 200);
        assert_eq!(detect(&reverse), "", "12 dB reverse twist");
    }

    #[test]
    fn speech_like_signals_and_noise_raise_no_false_key() {
        let mut noise = vec![0i16; 8000 * 10];
        Noise::new(3).add_white(&mut noise, 3000.0);
        assert_eq!(detect(&noise), "");
        for seed in 0..12 {
            let speech = speech_like(seed, 8000 * 20);
            assert_eq!(detect(&speech), "", "seed {seed}");
        }
    }
}
