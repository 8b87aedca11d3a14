//! Replays the fuzz target's seed corpus (real sipp traffic plus hand-picked edge cases) through
//! the same parse -> serialise -> parse check, so the corpus is exercised without cargo-fuzz.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::PathBuf;

use wasmphony_sip::message::{Message, StreamFramer, parse_datagram};

#[test]
fn every_seed_parses_and_round_trips() {
    let dir: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "fuzz",
        "corpus",
        "parse_round_trip",
    ]
    .iter()
    .collect();
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let message = parse_datagram(&data).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        let bytes = message.to_bytes();
        let again = parse_datagram(&bytes).unwrap();
        assert_eq!(again, message, "{}", path.display());
        assert_eq!(again.to_bytes(), bytes, "{}", path.display());
        // The same bytes over a stream, in 3-byte pieces, frame to the same message.
        let mut framer = StreamFramer::new();
        let mut framed: Vec<Message> = Vec::new();
        for piece in bytes.chunks(3) {
            framer.extend(piece);
            while let Some(m) = framer.next_message().unwrap() {
                framed.push(m);
            }
        }
        assert_eq!(framed, [message], "{}", path.display());
        seen += 1;
    }
    assert!(seen >= 10, "seed corpus has {seen} files");
}
