//! The Opus decoder (opus-rs, a pure-Rust port with `unsafe` fast paths) on
//! arbitrary packets: a peer controls every byte it decodes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmphony_media::codec::{Codec, Decoder};

fuzz_target!(|data: &[u8]| {
    let Ok(mut decoder) = Decoder::new(Codec::Opus) else {
        return;
    };
    let mut out = Vec::new();
    // The packet, then its first half: the second decode runs on carried state.
    let _ = decoder.decode(data, &mut out);
    let _ = decoder.decode(&data[..data.len() / 2], &mut out);
    let _ = decoder.conceal(&mut out);
});
