//! The Goertzel algorithm: the power of one frequency in a block of samples,
//! cheaper than an FFT when only eight frequencies matter.

/// A single-frequency detector.
#[derive(Debug, Clone, Copy)]
pub struct Goertzel {
    coefficient: f32,
}

impl Goertzel {
    /// A detector for `frequency` Hz at `sample_rate` Hz. The exact frequency is
    /// used rather than the nearest FFT bin, so on-frequency tones lose nothing.
    pub fn new(frequency: f32, sample_rate: u32) -> Self {
        let omega = 2.0 * std::f32::consts::PI * frequency / sample_rate as f32;
        Self {
            coefficient: 2.0 * omega.cos(),
        }
    }

    /// Energy of the frequency's component in `block`, scaled so that a pure
    /// sine at this frequency returns the block's energy (the sum of squares).
    pub fn power(&self, block: &[f32]) -> f32 {
        let (mut s1, mut s2) = (0.0f32, 0.0f32);
        for &x in block {
            let s0 = x + self.coefficient * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        let magnitude_squared = s1 * s1 + s2 * s2 - self.coefficient * s1 * s2;
        if block.is_empty() {
            0.0
        } else {
            magnitude_squared * 2.0 / block.len() as f32
        }
    }
}

/// Many Goertzel filters run in one pass over the block: their recurrences
/// are independent, so the compiler keeps them in vector registers instead of
/// waiting on one filter's dependency chain per sample.
#[derive(Debug, Clone, Copy)]
pub struct GoertzelBank<const N: usize> {
    coefficients: [f32; N],
}

impl<const N: usize> GoertzelBank<N> {
    /// A bank for `frequencies` at `sample_rate`.
    pub fn new(frequencies: [f32; N], sample_rate: u32) -> Self {
        Self {
            coefficients: frequencies.map(|f| Goertzel::new(f, sample_rate).coefficient),
        }
    }

    /// The power of every frequency in `block`, scaled as [`Goertzel::power`].
    pub fn powers(&self, block: &[f32]) -> [f32; N] {
        let mut s1 = [0.0f32; N];
        let mut s2 = [0.0f32; N];
        for &x in block {
            for i in 0..N {
                let s0 = x + self.coefficients[i] * s1[i] - s2[i];
                s2[i] = s1[i];
                s1[i] = s0;
            }
        }
        let scale = if block.is_empty() {
            0.0
        } else {
            2.0 / block.len() as f32
        };
        std::array::from_fn(|i| {
            (s1[i] * s1[i] + s2[i] * s2[i] - self.coefficients[i] * s1[i] * s2[i]) * scale
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f32, len: usize) -> Vec<f32> {
        (0..len)
            .map(|i| 1000.0 * (2.0 * std::f32::consts::PI * freq * i as f32 / 8000.0).sin())
            .collect()
    }

    #[test]
    fn on_frequency_power_matches_block_energy() {
        let block = tone(770.0, 205);
        let energy: f32 = block.iter().map(|x| x * x).sum();
        let power = Goertzel::new(770.0, 8000).power(&block);
        assert!((power / energy - 1.0).abs() < 0.05, "{power} vs {energy}");
    }

    #[test]
    fn bank_matches_single_filters() {
        let block = tone(1336.0, 205);
        let frequencies = [697.0, 1336.0, 1477.0];
        let bank = GoertzelBank::new(frequencies, 8000).powers(&block);
        for (f, p) in frequencies.iter().zip(bank) {
            let single = Goertzel::new(*f, 8000).power(&block);
            assert!(
                (p - single).abs() <= single.abs() * 1e-4 + 1e-3,
                "{f}: {p} vs {single}"
            );
        }
    }

    #[test]
    fn off_frequency_power_is_small() {
        let block = tone(852.0, 205);
        let energy: f32 = block.iter().map(|x| x * x).sum();
        assert!(Goertzel::new(697.0, 8000).power(&block) < energy * 0.05);
        assert_eq!(Goertzel::new(697.0, 8000).power(&[]), 0.0);
    }
}
