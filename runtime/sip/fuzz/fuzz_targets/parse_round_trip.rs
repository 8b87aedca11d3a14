//! Parse -> serialise -> parse must give the same message, and serialising is then a fixed
//! point. Stream framing over arbitrary chunkings and the 400 builder must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmphony_sip::message::{ParseError, StreamFramer, bad_request_for_raw, parse_datagram};

fuzz_target!(|data: &[u8]| {
    match parse_datagram(data) {
        Ok(message) => {
            let bytes = message.to_bytes();
            let again = match parse_datagram(&bytes) {
                Ok(m) => m,
                Err(e) => panic!(
                    "our own output does not parse: {e:?}\n{}",
                    String::from_utf8_lossy(&bytes)
                ),
            };
            assert_eq!(again, message, "round trip changed the message");
            assert_eq!(again.to_bytes(), bytes, "serialising is not a fixed point");
        }
        Err(error) => {
            let _ = bad_request_for_raw(data, &error);
        }
    }
    let chunk = 1 + usize::from(data.first().copied().unwrap_or(0) % 16);
    let mut framer = StreamFramer::new();
    for piece in data.chunks(chunk) {
        framer.extend(piece);
        while let Ok(Some(_)) = framer.next_message() {}
    }
    let _ = bad_request_for_raw(data, &ParseError::BadHeaderLine);
});
