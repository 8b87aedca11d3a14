//! Probe: decodes random and mutated packets with opus-rs to look for panics
//! or undefined-behaviour checks (debug builds enable `ub_checks`).
//! `--dump DIR` writes Opus packets for the fuzz seed corpus instead.
// A one-off diagnostic tool: failing loudly is what it is for.
#![allow(clippy::unwrap_used)]

use wasmphony_media::codec::{Codec, Decoder, Encoder};

fn main() {
    let mut rng_state: u64 = 0x1234_5678_9ABC_DEF0;
    let mut next = || {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        rng_state
    };
    let mut enc = Encoder::new(Codec::Opus).unwrap();
    let tone: Vec<i16> = (0..160)
        .map(|i| ((i as f64 * 0.3).sin() * 8000.0) as i16)
        .collect();
    let mut valid = Vec::new();
    enc.encode(&tone, &mut valid).unwrap();
    if let (Some("--dump"), Some(dir)) =
        (std::env::args().nth(1).as_deref(), std::env::args().nth(2))
    {
        // Seeds for the opus_decode fuzz target: consecutive frames of a tone, then silence.
        let mut enc = Encoder::new(Codec::Opus).unwrap();
        for (i, amplitude) in [8000.0, 8000.0, 3000.0, 0.0].into_iter().enumerate() {
            let frame: Vec<i16> = (0..160)
                .map(|n| (((n + 160 * i) as f64 * 0.3).sin() * amplitude) as i16)
                .collect();
            let mut packet = Vec::new();
            enc.encode(&frame, &mut packet).unwrap();
            std::fs::write(format!("{dir}/frame{i}.bin"), &packet).unwrap();
        }
        return;
    }
    let iterations: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20000);
    let mut errors = 0;
    for i in 0..iterations {
        let mut dec = Decoder::new(Codec::Opus).unwrap();
        let mut packet = if i % 2 == 0 {
            valid.clone()
        } else {
            (0..(next() % 300) as usize).map(|_| next() as u8).collect()
        };
        if i % 2 == 0 {
            for _ in 0..(1 + next() % 4) {
                let at = (next() as usize) % packet.len();
                packet[at] = next() as u8;
            }
        }
        let mut out = Vec::new();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            dec.decode(&packet, &mut out)
        }));
        match r {
            Ok(Ok(())) => {}
            Ok(Err(_)) => errors += 1,
            Err(_) => {
                println!("PANIC at iteration {i} on {packet:02x?}");
                return;
            }
        }
    }
    println!("ok: {iterations} packets, {errors} decode errors, no panic");
}
