//! The fuzz seed corpus (runtime/media/fuzz/corpus) stays meaningful: every
//! seed is a packet the parsers accept, so fuzzing starts from valid input.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::Path;
use wasmphony_media::rtp::packet::RtpPacket;
use wasmphony_media::rtp::rtcp::parse_compound;

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut seeds: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    seeds.sort();
    assert!(seeds.len() >= 4, "{target} corpus too small");
    seeds
}

#[test]
fn every_rtp_seed_parses() {
    for (name, bytes) in seeds("rtp_parse") {
        assert!(RtpPacket::parse(&bytes).is_ok(), "{name}");
    }
}

#[test]
fn every_rtcp_seed_parses() {
    for (name, bytes) in seeds("rtcp_parse") {
        assert!(parse_compound(&bytes).is_ok(), "{name}");
    }
}
