//! Signal generators and measurements shared by tests.

/// A sine of `freq` Hz at `rate`, `len` samples, peak `amplitude`.
pub(crate) fn sine(freq: f64, rate: u32, len: usize, amplitude: f64) -> Vec<i16> {
    (0..len)
        .map(|i| {
            (amplitude * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin())
                as i16
        })
        .collect()
}

/// Signal-to-noise ratio of `decoded` against `reference`, in dB.
pub(crate) fn snr_db(reference: &[i16], decoded: &[i16]) -> f64 {
    let mut signal = 0.0f64;
    let mut noise = 0.0f64;
    for (r, d) in reference.iter().zip(decoded) {
        signal += f64::from(*r).powi(2);
        noise += (f64::from(*r) - f64::from(*d)).powi(2);
    }
    10.0 * (signal / noise.max(1e-9)).log10()
}

/// Root-mean-square level.
#[cfg_attr(not(feature = "opus"), allow(dead_code))]
pub(crate) fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt()
}

/// Two summed sines (a DTMF pair with independent levels), `ms` long at 8 kHz.
pub(crate) fn two_tones(
    low: f32,
    high: f32,
    low_amplitude: f64,
    high_amplitude: f64,
    ms: usize,
) -> Vec<i16> {
    let a = sine(f64::from(low), 8000, ms * 8, low_amplitude);
    let b = sine(f64::from(high), 8000, ms * 8, high_amplitude);
    a.iter()
        .zip(&b)
        .map(|(x, y)| x.saturating_add(*y))
        .collect()
}

/// The tone pair of `digit`, each tone at `amplitude`, `ms` long at 8 kHz.
pub(crate) fn dtmf_tone(digit: crate::dtmf::Digit, ms: usize, amplitude: f64) -> Vec<i16> {
    let (row, column) = digit.frequencies();
    two_tones(row, column, amplitude, amplitude, ms)
}

/// Deterministic pseudo-random numbers (xorshift64), so tests are repeatable.
pub(crate) struct Noise(u64);

impl Noise {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Uniform in [0, 1).
    pub(crate) fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Approximately Gaussian with unit variance (sum of 12 uniforms).
    pub(crate) fn gaussian(&mut self) -> f64 {
        (0..12).map(|_| self.uniform()).sum::<f64>() - 6.0
    }

    /// Adds white noise of standard deviation `sigma`.
    pub(crate) fn add_white(&mut self, signal: &mut [i16], sigma: f64) {
        for s in signal {
            *s = (f64::from(*s) + sigma * self.gaussian()).clamp(-32768.0, 32767.0) as i16;
        }
    }
}

/// Synthetic speech: voiced syllables (a gliding 90-260 Hz pitch with its
/// harmonics shaped by three random formants), fricative noise and pauses.
/// Stands in for real talk when checking DTMF talk-off.
pub(crate) fn speech_like(seed: u64, len: usize) -> Vec<i16> {
    let mut rng = Noise::new(seed + 100);
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let syllable = (1200.0 + rng.uniform() * 1600.0) as usize;
        let kind = rng.uniform();
        let f0_start = 90.0 + rng.uniform() * 170.0;
        let f0_end = 90.0 + rng.uniform() * 170.0;
        let formants = [
            300.0 + rng.uniform() * 600.0,
            900.0 + rng.uniform() * 1600.0,
            2400.0 + rng.uniform() * 900.0,
        ];
        let gain = 2000.0 + rng.uniform() * 6000.0;
        let mut phase = 0.0f64;
        let mut weights: Vec<f64> = Vec::new();
        for n in 0..syllable {
            let t = n as f64 / syllable as f64;
            let envelope = (std::f64::consts::PI * t).sin();
            let sample = if kind < 0.15 {
                0.0
            } else if kind < 0.3 {
                0.5 * gain * envelope * rng.gaussian()
            } else {
                let f0 = f0_start + (f0_end - f0_start) * t;
                phase += 2.0 * std::f64::consts::PI * f0 / 8000.0;
                if n % 80 == 0 {
                    // Harmonic weights change slowly with the pitch: refresh every 10 ms.
                    weights.clear();
                    let mut k = 1.0;
                    while k * f0 < 3600.0 {
                        let f = k * f0;
                        let shape: f64 = formants
                            .iter()
                            .map(|c| 1.0 / (1.0 + ((f - c) / 120.0).powi(2)))
                            .sum();
                        weights.push(shape / k.sqrt());
                        k += 1.0;
                    }
                }
                // sin(kθ) by the Chebyshev recurrence: one sin and one cos per sample.
                let two_cos = 2.0 * phase.cos();
                let (mut sin_prev, mut sin_k) = (0.0f64, phase.sin());
                let mut v = 0.0;
                for w in &weights {
                    v += w * sin_k;
                    (sin_prev, sin_k) = (sin_k, two_cos * sin_k - sin_prev);
                }
                gain * envelope * v / 2.0
            };
            out.push(sample.clamp(-32768.0, 32767.0) as i16);
        }
    }
    out.truncate(len);
    out
}
