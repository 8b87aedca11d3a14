//! Real RTP over loopback UDP: latching, injection protection, malformed
//! datagrams, and a same-codec bridge relaying between two sessions.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};
use wasmphony_media::bridge::{LegFormat, Relay};
use wasmphony_media::codec::Codec;
use wasmphony_media::net::{PortAllocator, RtpSession, Sent};
use wasmphony_media::rtp::packet::{MAX_DATAGRAM, RtpPacket, write_rtp};
use wasmphony_media::rtp::rtcp::{ReceiverReport, RtcpPacket, write_receiver_report};
use wasmphony_media::rtp::stream::RtpSendStream;

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const BOUND: Duration = Duration::from_secs(5);

fn media_packet(stream: &mut RtpSendStream, fill: u8) -> Vec<u8> {
    let header = stream.next_media(0, 160, 160);
    let mut buf = Vec::new();
    write_rtp(&header, &[fill; 160], &mut buf);
    buf
}

#[tokio::test]
async fn latches_the_real_source_and_rejects_injection_and_garbage() {
    let allocator = PortAllocator::new(42_000, 42_099).unwrap();
    let mut us = RtpSession::bind(&allocator, LOCALHOST).unwrap();
    // The peer's SDP says one port, but it sends from another (NAT).
    let peer = tokio::net::UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    let sdp_address = SocketAddr::from((LOCALHOST, 9));
    us.on_signalling(Some(sdp_address), Instant::now());
    let target = us.local_rtp_addr().unwrap();

    let mut stream = RtpSendStream::new(77, 0, 0);
    peer.send_to(&media_packet(&mut stream, 1), target)
        .await
        .unwrap();
    let mut buf = [0u8; MAX_DATAGRAM];
    let len = tokio::time::timeout(BOUND, us.recv(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(RtpPacket::parse(&buf[..len]).unwrap().header.ssrc, 77);
    assert_eq!(
        us.peer(),
        Some(peer.local_addr().unwrap()),
        "latched to the real source"
    );

    // An attacker sends well-formed RTP; the peer sends garbage; then real media.
    let attacker = tokio::net::UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    let mut evil = RtpSendStream::new(666, 0, 0);
    for _ in 0..5 {
        attacker
            .send_to(&media_packet(&mut evil, 0xEE), target)
            .await
            .unwrap();
    }
    peer.send_to(&[0x80, 0, 1], target).await.unwrap();
    peer.send_to(&[0xFF; 40], target).await.unwrap();
    peer.send_to(&media_packet(&mut stream, 2), target)
        .await
        .unwrap();
    let len = tokio::time::timeout(BOUND, us.recv(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let packet = RtpPacket::parse(&buf[..len]).unwrap();
    assert_eq!((packet.header.ssrc, packet.payload[0]), (77, 2));
    let counters = us.counters().snapshot();
    assert_eq!(
        (counters.received, counters.foreign, counters.malformed),
        (2, 5, 2)
    );

    // Replies go to the latched address, RTCP to its port + 1.
    let mut ours = RtpSendStream::new(5, 0, 0);
    assert_eq!(
        us.try_send(&media_packet(&mut ours, 9)).unwrap(),
        Sent::Sent
    );
    let mut reply = [0u8; MAX_DATAGRAM];
    let (len, from) = tokio::time::timeout(BOUND, peer.recv_from(&mut reply))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(from, target);
    assert_eq!(RtpPacket::parse(&reply[..len]).unwrap().header.ssrc, 5);

    // The allocator's totals see the live leg, then keep its counts once it ends.
    let totals = allocator.totals();
    let live = totals.snapshot();
    assert_eq!(
        (live.live_legs, live.packets.malformed, live.packets.sent),
        (1, 2, 1)
    );
    let other = RtpSession::bind(&allocator, LOCALHOST).unwrap();
    drop(us);
    let after = totals.snapshot();
    assert_eq!((after.live_legs, after.ended_legs), (1, 1));
    assert_eq!(
        (
            after.packets.received,
            after.packets.foreign,
            after.packets.malformed
        ),
        (2, 5, 2)
    );
    drop(other);
    assert_eq!(totals.snapshot().live_legs, 0);
}

#[tokio::test]
async fn rtcp_reports_travel_between_sessions() {
    let allocator = PortAllocator::new(42_200, 42_299).unwrap();
    let mut a = RtpSession::bind(&allocator, LOCALHOST).unwrap();
    let mut b = RtpSession::bind(&allocator, LOCALHOST).unwrap();
    let now = Instant::now();
    a.on_signalling(Some(b.local_rtp_addr().unwrap()), now);
    b.on_signalling(Some(a.local_rtp_addr().unwrap()), now);
    let mut report = Vec::new();
    write_receiver_report(
        &ReceiverReport {
            ssrc: 31,
            reports: vec![],
        },
        &mut report,
    );
    assert_eq!(a.try_send_rtcp(&report).unwrap(), Sent::Sent);
    let packets = tokio::time::timeout(BOUND, b.recv_rtcp())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        packets,
        vec![RtcpPacket::ReceiverReport(ReceiverReport {
            ssrc: 31,
            reports: vec![]
        })]
    );
}

#[tokio::test]
async fn bridge_relays_caller_audio_to_callee_with_continuous_numbering() {
    let allocator = PortAllocator::new(42_400, 42_499).unwrap();
    let caller = tokio::net::UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    let callee = tokio::net::UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    let mut leg_a = RtpSession::bind(&allocator, LOCALHOST).unwrap();
    let mut leg_b = RtpSession::bind(&allocator, LOCALHOST).unwrap();
    let now = Instant::now();
    leg_a.on_signalling(Some(caller.local_addr().unwrap()), now);
    leg_b.on_signalling(Some(callee.local_addr().unwrap()), now);

    // Leg B's outbound stream first carried a 2-frame prompt.
    let mut to_callee = RtpSendStream::new(0xB, 1000, 50_000);
    for _ in 0..2 {
        let prompt_frame = media_packet(&mut to_callee, 0x11);
        leg_b.try_send(&prompt_frame).unwrap();
    }
    let pcmu = LegFormat {
        codec: Codec::Pcmu,
        payload_type: 0,
        telephone_event_pt: None,
    };
    let mut relay = Relay::new(pcmu, pcmu).unwrap();

    let mut from_caller = RtpSendStream::new(0xA, 60_000, 7);
    let target = leg_a.local_rtp_addr().unwrap();
    let mut buf = [0u8; MAX_DATAGRAM];
    for i in 0..50u8 {
        caller
            .send_to(&media_packet(&mut from_caller, i), target)
            .await
            .unwrap();
        let len = tokio::time::timeout(BOUND, leg_a.recv(&mut buf))
            .await
            .unwrap()
            .unwrap();
        relay.relay(&mut buf[..len], &mut to_callee).unwrap();
        leg_b.try_send(&buf[..len]).unwrap();
    }

    let mut received = Vec::new();
    let mut datagram = [0u8; MAX_DATAGRAM];
    while received.len() < 52 {
        let (len, _) = tokio::time::timeout(BOUND, callee.recv_from(&mut datagram))
            .await
            .unwrap()
            .unwrap();
        let packet = RtpPacket::parse(&datagram[..len]).unwrap();
        received.push((packet.header, packet.payload[0], packet.payload.len()));
    }
    assert!(
        received
            .iter()
            .all(|(h, _, len)| h.ssrc == 0xB && *len == 160)
    );
    for (i, (header, _, _)) in received.iter().enumerate() {
        assert_eq!(
            header.sequence,
            1000 + i as u16,
            "sequence continues from the prompt"
        );
        assert_eq!(
            header.timestamp,
            50_000 + 160 * i as u32,
            "timestamp continues from the prompt"
        );
    }
    let payload_marks: Vec<u8> = received[2..].iter().map(|r| r.1).collect();
    assert_eq!(
        payload_marks,
        (0..50).collect::<Vec<u8>>(),
        "caller's audio arrives intact, in order"
    );
    assert!(received[2].0.marker, "the source change starts a talkspurt");
}
