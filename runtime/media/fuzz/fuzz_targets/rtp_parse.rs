//! RTP parsing, header rewriting and the telephone-event payload on arbitrary datagrams.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmphony_media::dtmf::TelephoneEvent;
use wasmphony_media::rtp::packet::{RtpHeader, RtpPacket, rewrite_header};

fuzz_target!(|data: &[u8]| {
    if let Ok(packet) = RtpPacket::parse(data) {
        assert!(packet.payload.len() <= data.len());
        let _ = TelephoneEvent::parse(packet.payload);
        let mut copy = data.to_vec();
        let header = RtpHeader {
            ssrc: 1,
            sequence: 2,
            timestamp: 3,
            ..packet.header
        };
        assert!(rewrite_header(&mut copy, &header));
        let again = RtpPacket::parse(&copy).expect("rewriting keeps a packet valid");
        assert_eq!(again.header, header);
        assert_eq!(again.payload, packet.payload);
    }
});
