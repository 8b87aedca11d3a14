//! Linear-interpolation resampling between telephony rates (8, 16, 48 kHz or any
//! other WAV rate). Used once at prompt load and on transcoding paths, where its
//! quality is sufficient for narrowband speech.

/// Resamples a whole mono buffer from `from_hz` to `to_hz`.
pub fn resample_linear(input: &[i16], from_hz: u32, to_hz: u32) -> Vec<i16> {
    if from_hz == to_hz || input.is_empty() || from_hz == 0 || to_hz == 0 {
        return input.to_vec();
    }
    let out_len = (input.len() as u64 * u64::from(to_hz) / u64::from(from_hz)) as usize;
    let mut out = Vec::with_capacity(out_len);
    let last = input.len() - 1;
    for i in 0..out_len {
        // Position in the input in 1/to_hz units, kept integral to avoid drift.
        let pos_num = i as u64 * u64::from(from_hz);
        let index = (pos_num / u64::from(to_hz)) as usize;
        let frac = (pos_num % u64::from(to_hz)) as f32 / to_hz as f32;
        let a = f32::from(input[index.min(last)]);
        let b = f32::from(input[(index + 1).min(last)]);
        out.push((a + (b - a) * frac).round() as i16);
    }
    out
}

/// Mixes interleaved stereo down to mono by averaging the channels.
pub fn stereo_to_mono(interleaved: &[i16]) -> Vec<i16> {
    interleaved
        .chunks_exact(2)
        .map(|pair| ((i32::from(pair[0]) + i32::from(pair[1])) / 2) as i16)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::test_signal::{sine, snr_db};

    #[test]
    fn lengths_follow_the_rate_ratio() {
        let input = vec![0i16; 160];
        assert_eq!(resample_linear(&input, 8000, 16000).len(), 320);
        assert_eq!(resample_linear(&input, 8000, 48000).len(), 960);
        assert_eq!(resample_linear(&vec![0; 960], 48000, 8000).len(), 160);
    }

    #[test]
    fn sine_survives_up_and_down() {
        let original = sine(440.0, 8000, 800, 10000.0);
        let up = resample_linear(&original, 8000, 48000);
        let down = resample_linear(&up, 48000, 8000);
        assert!(snr_db(&original, &down) > 30.0);
        let via16 = resample_linear(&resample_linear(&original, 8000, 16000), 16000, 8000);
        assert!(snr_db(&original, &via16) > 30.0);
    }

    #[test]
    fn stereo_averages() {
        assert_eq!(stereo_to_mono(&[100, 300, -10, 10]), vec![200, 0]);
    }
}
