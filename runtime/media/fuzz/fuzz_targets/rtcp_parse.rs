//! Compound RTCP parsing on arbitrary datagrams; parsed reports re-encode to a parseable packet.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmphony_media::rtp::rtcp::{
    RtcpPacket, parse_compound, write_receiver_report, write_sender_report,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(packets) = parse_compound(data) {
        for packet in packets {
            let mut out = Vec::new();
            match &packet {
                RtcpPacket::SenderReport(sr) => write_sender_report(sr, &mut out),
                RtcpPacket::ReceiverReport(rr) => write_receiver_report(rr, &mut out),
                _ => continue,
            }
            assert_eq!(
                parse_compound(&out).expect("our own report parses"),
                vec![packet]
            );
        }
    }
});
