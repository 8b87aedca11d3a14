//! G.711 µ-law (PCMU) and A-law (PCMA), per ITU-T G.711.
//!
//! Encoding uses the classic segment search; decoding uses 256-entry tables
//! built at compile time, so decoding a 20 ms frame is 160 table lookups.

const MULAW_BIAS: i32 = 0x84;
const MULAW_CLIP: i32 = 32635;

/// Encodes one linear 16-bit sample to µ-law.
pub fn linear_to_mulaw(sample: i16) -> u8 {
    let mut pcm = i32::from(sample);
    let sign = if pcm < 0 {
        pcm = -pcm;
        0x80
    } else {
        0
    };
    pcm = pcm.min(MULAW_CLIP) + MULAW_BIAS;
    let exponent = segment_of(pcm >> 7);
    let mantissa = (pcm >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) as u8 | mantissa as u8)
}

/// Decodes one µ-law byte to a linear 16-bit sample.
pub fn mulaw_to_linear(byte: u8) -> i16 {
    MULAW_TABLE[usize::from(byte)]
}

/// Encodes one linear 16-bit sample to A-law.
pub fn linear_to_alaw(sample: i16) -> u8 {
    let pcm = i32::from(sample);
    let (sign, magnitude) = if pcm >= 0 {
        (0xD5u8, pcm)
    } else {
        (0x55u8, -pcm - 1)
    };
    let magnitude = magnitude.min(0x7FFF);
    let encoded = if magnitude < 256 {
        (magnitude >> 4) as u8
    } else {
        let exponent = segment_of(magnitude >> 8) + 1;
        ((exponent << 4) as u8) | ((magnitude >> (exponent + 3)) & 0x0F) as u8
    };
    encoded ^ sign
}

/// Decodes one A-law byte to a linear 16-bit sample.
pub fn alaw_to_linear(byte: u8) -> i16 {
    ALAW_TABLE[usize::from(byte)]
}

/// Position of the highest set bit among the low 7 bits (0 for values < 2).
fn segment_of(value: i32) -> i32 {
    let mut segment = 0;
    let mut v = value;
    while v > 1 && segment < 7 {
        v >>= 1;
        segment += 1;
    }
    segment
}

const fn mulaw_decode(byte: u8) -> i16 {
    let b = !byte;
    let sign = b & 0x80;
    let exponent = ((b >> 4) & 0x07) as i32;
    let mantissa = (b & 0x0F) as i32;
    let magnitude = (((mantissa << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
    if sign != 0 {
        -magnitude as i16
    } else {
        magnitude as i16
    }
}

const fn alaw_decode(byte: u8) -> i16 {
    let a = byte ^ 0x55;
    let sign = a & 0x80;
    let exponent = ((a >> 4) & 0x07) as i32;
    let mantissa = (a & 0x0F) as i32;
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    if sign != 0 {
        magnitude as i16
    } else {
        -magnitude as i16
    }
}

const fn build_table(mulaw: bool) -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = if mulaw {
            mulaw_decode(i as u8)
        } else {
            alaw_decode(i as u8)
        };
        i += 1;
    }
    table
}

static MULAW_TABLE: [i16; 256] = build_table(true);
static ALAW_TABLE: [i16; 256] = build_table(false);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mulaw_known_values() {
        assert_eq!(linear_to_mulaw(0), 0xFF);
        assert_eq!(mulaw_to_linear(0xFF), 0);
        assert_eq!(mulaw_to_linear(0x00), -32124);
        assert_eq!(mulaw_to_linear(0x80), 32124);
    }

    #[test]
    fn alaw_known_values() {
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
    }

    #[test]
    fn every_code_round_trips_through_linear() {
        for code in 0..=255u8 {
            let mu = mulaw_to_linear(code);
            // 0x7F and 0xFF both mean zero in µ-law.
            if code != 0x7F {
                assert_eq!(linear_to_mulaw(mu), code, "mu-law code {code:#x}");
            }
            assert_eq!(
                linear_to_alaw(alaw_to_linear(code)),
                code,
                "a-law code {code:#x}"
            );
        }
    }

    #[test]
    fn quantisation_error_is_relative() {
        for sample in (-32000i32..32000).step_by(97) {
            let s = sample as i16;
            let mu_err = (i32::from(mulaw_to_linear(linear_to_mulaw(s))) - sample).abs();
            let a_err = (i32::from(alaw_to_linear(linear_to_alaw(s))) - sample).abs();
            let bound = sample.abs() / 16 + 16;
            assert!(mu_err <= bound, "mu {sample}: {mu_err}");
            assert!(a_err <= bound, "a {sample}: {a_err}");
        }
    }
}
