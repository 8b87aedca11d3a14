//! Rough per-operation CPU costs of the per-call media work, for capacity
//! planning (not the sipp benchmark): `cargo run --release -p wasmphony-media --example media_costs`.

#![allow(clippy::unwrap_used)] // a measuring tool: failing loudly is what it is for

use std::hint::black_box;
use std::time::{Duration, Instant};
use wasmphony_media::bridge::{LegFormat, Relay};
use wasmphony_media::codec::{Codec, Decoder, Encoder};
use wasmphony_media::dtmf::InbandDetector;
use wasmphony_media::play::{PlayItem, Player, PromptLibrary};
use wasmphony_media::rtp::packet::{RtpHeader, RtpPacket, write_rtp};
use wasmphony_media::rtp::stream::RtpSendStream;

fn measure(name: &str, iterations: u32, mut f: impl FnMut(u32)) {
    let start = Instant::now();
    for i in 0..iterations {
        f(i);
    }
    let per = start.elapsed() / iterations;
    println!(
        "{name:<44} {:>8.0} ns  ({:.3} % of one core per call at 50/s)",
        per.as_nanos() as f64,
        per.as_nanos() as f64 * 50.0 / 1e7
    );
}

fn main() {
    let mut packet = Vec::new();
    write_rtp(
        &RtpHeader {
            marker: false,
            payload_type: 0,
            sequence: 1,
            timestamp: 0,
            ssrc: 5,
        },
        &[0xFF; 160],
        &mut packet,
    );
    measure("RTP parse (172-byte PCMU packet)", 10_000_000, |_| {
        black_box(RtpPacket::parse(black_box(&packet)).unwrap());
    });

    let pcmu = LegFormat {
        codec: Codec::Pcmu,
        payload_type: 0,
        telephone_event_pt: Some(101),
    };
    let mut relay = Relay::new(pcmu, pcmu).unwrap();
    let mut stream = RtpSendStream::new(9, 0, 0);
    measure("bridge relay: parse + rewrite header", 10_000_000, |i| {
        packet[2..4].copy_from_slice(&(i as u16).to_be_bytes());
        relay.relay(black_box(&mut packet), &mut stream).unwrap();
    });

    let mut library = PromptLibrary::new(&[Codec::Pcmu, Codec::Pcma, Codec::Opus]).unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../prompts/builtin");
    let load = Instant::now();
    let count = library.load_dir(&dir).unwrap();
    println!(
        "load + pre-encode {count} built-in prompts (PCMU, PCMA, Opus): {:?}",
        load.elapsed()
    );
    let mut player = Player::new(Codec::Pcmu, library.silence());
    let t0 = Instant::now();
    player
        .play(
            vec![PlayItem::Prompt(library.get("seven").unwrap())],
            true,
            t0,
        )
        .unwrap();
    measure("player: next pre-encoded frame", 1_000_000, |i| {
        black_box(player.next_frame(t0 + Duration::from_millis(20) * i));
    });

    let pcm: Vec<i16> = (0..160)
        .map(|n| ((n as f64 * 0.4).sin() * 6000.0) as i16)
        .collect();
    let mut encoded = Vec::new();
    Encoder::new(Codec::Pcmu)
        .unwrap()
        .encode(&pcm, &mut encoded)
        .unwrap();
    let mut decoder = Decoder::new(Codec::Pcmu).unwrap();
    let mut out = Vec::with_capacity(160);
    measure("PCMU decode 20 ms", 1_000_000, |_| {
        out.clear();
        decoder.decode(black_box(&encoded), &mut out).unwrap();
    });
    let mut detector = InbandDetector::new();
    measure("in-band DTMF detection 20 ms", 200_000, |_| {
        detector.process(black_box(&pcm))
    });
    let mut opus_enc = Encoder::new(Codec::Opus).unwrap();
    let mut opus_packet = Vec::new();
    measure("Opus encode 20 ms (8 kHz in)", 20_000, |_| {
        opus_packet.clear();
        opus_enc.encode(black_box(&pcm), &mut opus_packet).unwrap();
    });
    let mut opus_dec = Decoder::new(Codec::Opus).unwrap();
    measure("Opus decode 20 ms (8 kHz out)", 20_000, |_| {
        out.clear();
        opus_dec.decode(black_box(&opus_packet), &mut out).unwrap();
    });
}
