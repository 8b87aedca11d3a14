//! Media legs as the call controller drives them, over loopback UDP: prompt
//! playback with barge-in at a steady 50 packets per second, recording, and
//! bridges that relay (same codec) or transcode (different codecs).

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::time::{Instant, timeout};
use wasmphony_media::bridge::LegFormat;
use wasmphony_media::codec::{Codec, Decoder, Encoder};
use wasmphony_media::dtmf::{Digit, EventSender};
use wasmphony_media::leg::{DigitSource, LegConfig, LegEvent, MediaLeg};
use wasmphony_media::net::{PortAllocator, RtpSession};
use wasmphony_media::play::{PlayEnd, PlayItem, Prompt, PromptLibrary};
use wasmphony_media::rtp::packet::{MAX_DATAGRAM, RtpHeader, RtpPacket, write_rtp};
use wasmphony_media::rtp::rtcp::{RtcpPacket, parse_compound};
use wasmphony_media::rtp::stream::RtpSendStream;

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const PCMU: LegFormat = LegFormat {
    codec: Codec::Pcmu,
    payload_type: 0,
    telephone_event_pt: Some(101),
};
const PCMA: LegFormat = LegFormat {
    codec: Codec::Pcma,
    payload_type: 8,
    telephone_event_pt: Some(96),
};

fn library() -> PromptLibrary {
    let mut library = PromptLibrary::new(&[Codec::Pcmu, Codec::Pcma]).unwrap();
    let tone: Vec<i16> = (0..8000 * 2)
        .map(|n| (6000.0 * (n as f64 * 0.3).sin()) as i16)
        .collect();
    library
        .insert(Prompt::from_pcm("tone", &tone, 8000, library.codecs()).unwrap())
        .unwrap();
    library
}

async fn leg(
    allocator: &PortAllocator,
    format: LegFormat,
    far_end: &UdpSocket,
    library: &PromptLibrary,
) -> (MediaLeg, SocketAddr) {
    let session = RtpSession::bind(allocator, LOCALHOST).unwrap();
    let address = session.local_rtp_addr().unwrap();
    let config = LegConfig {
        format,
        remote: Some(far_end.local_addr().unwrap()),
        inband_dtmf: false,
        silence: library.silence(),
    };
    (MediaLeg::spawn(session, config), address)
}

/// Everything `socket` receives for `span`: (arrival, header, payload).
async fn receive_for(socket: &UdpSocket, span: Duration) -> Vec<(Instant, RtpHeader, Vec<u8>)> {
    let end = Instant::now() + span;
    let mut got = Vec::new();
    let mut buf = [0u8; MAX_DATAGRAM];
    while let Ok(Ok((len, _))) = tokio::time::timeout_at(end, socket.recv_from(&mut buf)).await {
        let packet = RtpPacket::parse(&buf[..len]).unwrap();
        got.push((Instant::now(), packet.header, packet.payload.to_vec()));
    }
    got
}

/// Sends `ticks` 20 ms frames of a `freq` Hz tone in `format`, then stops.
async fn send_tone(
    socket: Arc<UdpSocket>,
    target: SocketAddr,
    format: LegFormat,
    freq: f64,
    ticks: usize,
) -> Vec<Vec<u8>> {
    let mut encoder = Encoder::new(format.codec).unwrap();
    let mut stream = RtpSendStream::new(0x7777, 100, 0);
    let mut ticker = tokio::time::interval(Duration::from_millis(20));
    let mut sent = Vec::new();
    for tick in 0..ticks {
        ticker.tick().await;
        let pcm: Vec<i16> = (0..160)
            .map(|n| {
                (8000.0
                    * (2.0 * std::f64::consts::PI * freq * (tick * 160 + n) as f64 / 8000.0).sin())
                    as i16
            })
            .collect();
        let mut payload = Vec::new();
        encoder.encode(&pcm, &mut payload).unwrap();
        let header = stream.next_media(format.payload_type, 160, payload.len());
        let mut buf = Vec::new();
        write_rtp(&header, &payload, &mut buf);
        socket.send_to(&buf, target).await.unwrap();
        sent.push(payload);
    }
    sent
}

fn rms(pcm: &[i16]) -> f64 {
    (pcm.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / pcm.len().max(1) as f64).sqrt()
}

fn decode(codec: Codec, payloads: &[&[u8]]) -> Vec<i16> {
    let mut decoder = Decoder::new(codec).unwrap();
    let mut pcm = Vec::new();
    for p in payloads {
        decoder.decode(p, &mut pcm).unwrap();
    }
    pcm
}

#[tokio::test]
async fn prompt_is_paced_stopped_by_a_key_and_followed_by_steady_silence() {
    let allocator = PortAllocator::new(42_800, 42_899).unwrap();
    let library = library();
    let far_end = UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    let (mut leg, leg_address) = leg(&allocator, PCMU, &far_end, &library).await;
    leg.play(
        vec![PlayItem::Prompt(library.get("tone").unwrap())],
        false,
        true,
    )
    .await
    .unwrap();

    let start = Instant::now();
    let first = receive_for(&far_end, Duration::from_millis(400)).await;
    // The caller presses 5 (RFC 4733, three end packets).
    let mut keys = EventSender::new(101, 8000);
    let mut stream = RtpSendStream::new(0xCA11, 0, 0);
    keys.press(Digit::from_char('5').unwrap(), Duration::from_millis(60));
    let mut buf = Vec::new();
    while keys.next_packet(&mut stream, &mut buf) {
        far_end.send_to(&buf, leg_address).await.unwrap();
    }
    let key_sent = Instant::now();
    let rest = receive_for(&far_end, Duration::from_millis(800)).await;

    assert_eq!(
        timeout(Duration::from_secs(1), leg.next_event())
            .await
            .unwrap(),
        Some(LegEvent::Digit(
            Digit::from_char('5').unwrap(),
            DigitSource::Rfc4733
        ))
    );
    assert_eq!(
        timeout(Duration::from_secs(1), leg.next_event())
            .await
            .unwrap(),
        Some(LegEvent::PlayEnded(PlayEnd::Stopped))
    );

    let all: Vec<_> = first.iter().chain(&rest).collect();
    assert!(
        all.windows(2)
            .all(|w| w[1].1.sequence == w[0].1.sequence.wrapping_add(1)
                && w[1].1.ssrc == w[0].1.ssrc)
    );
    assert!(
        all.windows(2)
            .all(|w| w[1].1.timestamp == w[0].1.timestamp.wrapping_add(160))
    );
    // Steady 50 packets per second across prompt, barge-in and silence.
    let elapsed = all.last().unwrap().0 - all.first().unwrap().0;
    let rate = (all.len() - 1) as f64 / elapsed.as_secs_f64();
    assert!(
        (45.0..=55.0).contains(&rate),
        "{rate} packets/s over {elapsed:?}"
    );
    // Prompt audio before the key, silence (µ-law 0xFF) shortly after it.
    let loud = |p: &Vec<u8>| rms(&decode(Codec::Pcmu, &[p])) > 2000.0;
    assert!(first.iter().skip(2).all(|(_, _, p)| loud(p)));
    let after: Vec<_> = rest
        .iter()
        .filter(|(t, _, _)| *t > key_sent + Duration::from_millis(100))
        .collect();
    assert!(after.len() > 20 && after.iter().all(|(_, _, p)| p.iter().all(|b| *b == 0xFF)));
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn same_codec_bridge_relays_bytes_untouched_and_records_both_sides() {
    let allocator = PortAllocator::new(42_900, 42_999).unwrap();
    let library = library();
    let caller = Arc::new(UdpSocket::bind((LOCALHOST, 0)).await.unwrap());
    let agent = Arc::new(UdpSocket::bind((LOCALHOST, 0)).await.unwrap());
    let (leg_a, address_a) = leg(&allocator, PCMU, &caller, &library).await;
    let (leg_b, address_b) = leg(
        &allocator,
        LegFormat {
            telephone_event_pt: Some(97),
            ..PCMU
        },
        &agent,
        &library,
    )
    .await;
    let path = std::env::temp_dir().join(format!("wasmphony-media-leg-{}.wav", std::process::id()));
    leg_a
        .start_recording(std::fs::File::create(&path).unwrap(), None)
        .await
        .unwrap();
    leg_a.bridge_to(Some(&leg_b)).await.unwrap();
    leg_b.bridge_to(Some(&leg_a)).await.unwrap();

    let from_caller = tokio::spawn(send_tone(Arc::clone(&caller), address_a, PCMU, 500.0, 40));
    let from_agent = tokio::spawn(send_tone(Arc::clone(&agent), address_b, PCMU, 1000.0, 40));
    let (at_agent, at_caller) = tokio::join!(
        receive_for(&agent, Duration::from_millis(1200)),
        receive_for(&caller, Duration::from_millis(1200))
    );
    let caller_sent = from_caller.await.unwrap();
    let agent_sent = from_agent.await.unwrap();
    leg_a.stop_recording().await.unwrap();

    for (received, sent, name) in [
        (&at_agent, &caller_sent, "caller → agent"),
        (&at_caller, &agent_sent, "agent → caller"),
    ] {
        // The relayed run: payloads byte-identical and in order, numbering continuous with the silence before it.
        let relayed: Vec<&Vec<u8>> = received
            .iter()
            .map(|r| &r.2)
            .filter(|p| sent.contains(p))
            .collect();
        assert!(
            relayed.len() >= sent.len() - 2,
            "{name}: {} of {} relayed",
            relayed.len(),
            sent.len()
        );
        let first_index = sent.iter().position(|p| p == relayed[0]).unwrap();
        assert_eq!(
            relayed,
            sent[first_index..first_index + relayed.len()]
                .iter()
                .collect::<Vec<_>>(),
            "{name}"
        );
        assert!(
            received
                .windows(2)
                .all(|w| w[1].1.sequence == w[0].1.sequence.wrapping_add(1)),
            "{name}: sequence gap"
        );
        assert!(
            received
                .windows(2)
                .all(|w| w[1].1.timestamp.wrapping_sub(w[0].1.timestamp) == 160),
            "{name}: timestamp jump"
        );
        assert!(
            received.windows(2).all(|w| w[1].1.ssrc == w[0].1.ssrc),
            "{name}: SSRC change"
        );
    }

    let samples: Vec<i16> = hound::WavReader::open(&path)
        .unwrap()
        .samples::<i16>()
        .map(Result::unwrap)
        .collect();
    let (left, right): (Vec<i16>, Vec<i16>) = samples.chunks(2).map(|p| (p[0], p[1])).unzip();
    assert!(left.len() >= 6400, "{} frames recorded", left.len());
    assert!(
        rms(&left[1600..6400]) > 3000.0,
        "caller channel rms {}",
        rms(&left[1600..6400])
    );
    assert!(
        rms(&right[1600..6400]) > 3000.0,
        "agent channel rms {}",
        rms(&right[1600..6400])
    );
    std::fs::remove_file(&path).unwrap();
}

/// While the other leg's packets are all a leg sends, its tick sleeps; a prompt played
/// into it must still start on the next 20 ms frame and keep 50 packets per second, with
/// numbering continuous from the relayed packets into the prompt.
#[tokio::test]
async fn a_prompt_played_into_a_relaying_leg_starts_on_the_next_frame() {
    let allocator = PortAllocator::new(43_200, 43_299).unwrap();
    let library = library();
    let caller = Arc::new(UdpSocket::bind((LOCALHOST, 0)).await.unwrap());
    let agent = UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    let (leg_a, address_a) = leg(&allocator, PCMU, &caller, &library).await;
    let (leg_b, _) = leg(&allocator, PCMU, &agent, &library).await;
    leg_a.bridge_to(Some(&leg_b)).await.unwrap();

    let from_caller = tokio::spawn(send_tone(Arc::clone(&caller), address_a, PCMU, 500.0, 40));
    let before = receive_for(&agent, Duration::from_millis(500)).await;
    let play_at = Instant::now();
    leg_b
        .play(
            vec![PlayItem::Prompt(library.get("tone").unwrap())],
            false,
            false,
        )
        .await
        .unwrap();
    let after = receive_for(&agent, Duration::from_millis(400)).await;
    let caller_sent = from_caller.await.unwrap();

    let relayed = before.iter().filter(|r| caller_sent.contains(&r.2)).count();
    assert!(relayed >= 15, "{relayed} packets relayed before the prompt");
    let prompt: Vec<_> = after
        .iter()
        .filter(|r| !caller_sent.contains(&r.2))
        .collect();
    let first = prompt.first().unwrap().0 - play_at;
    assert!(
        first < Duration::from_millis(60),
        "first prompt frame after {first:?}"
    );
    assert!(
        (17..=22).contains(&prompt.len()),
        "{} prompt frames in 400 ms",
        prompt.len()
    );
    let all: Vec<_> = before.iter().chain(&after).collect();
    assert!(
        all.windows(2)
            .all(|w| w[1].1.sequence == w[0].1.sequence.wrapping_add(1)
                && w[1].1.timestamp == w[0].1.timestamp.wrapping_add(160)
                && w[1].1.ssrc == w[0].1.ssrc),
        "numbering broken between relay and prompt"
    );
}

#[tokio::test]
async fn different_codecs_are_transcoded_across_the_bridge() {
    let allocator = PortAllocator::new(43_000, 43_099).unwrap();
    let library = library();
    let caller = Arc::new(UdpSocket::bind((LOCALHOST, 0)).await.unwrap());
    let agent = Arc::new(UdpSocket::bind((LOCALHOST, 0)).await.unwrap());
    let (leg_a, address_a) = leg(&allocator, PCMU, &caller, &library).await;
    let (leg_b, _) = leg(&allocator, PCMA, &agent, &library).await;
    leg_a.bridge_to(Some(&leg_b)).await.unwrap();

    let from_caller = tokio::spawn(send_tone(Arc::clone(&caller), address_a, PCMU, 500.0, 40));
    let at_agent = receive_for(&agent, Duration::from_millis(1100)).await;
    from_caller.await.unwrap();
    assert!(
        at_agent
            .iter()
            .all(|(_, h, p)| h.payload_type == 8 && p.len() == 160)
    );
    assert!(
        at_agent
            .windows(2)
            .all(|w| w[1].1.sequence == w[0].1.sequence.wrapping_add(1))
    );
    let loud = at_agent
        .iter()
        .filter(|(_, _, p)| rms(&decode(Codec::Pcma, &[p])) > 4000.0)
        .count();
    assert!(loud >= 30, "{loud} A-law frames carry the caller's tone");
}

#[tokio::test]
async fn hold_stops_sending_but_keeps_the_clock_and_sip_info_keys_barge_in() {
    let allocator = PortAllocator::new(43_100, 43_199).unwrap();
    let library = library();
    let far_end = UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    let (mut leg, _) = leg(&allocator, PCMU, &far_end, &library).await;
    let before = receive_for(&far_end, Duration::from_millis(300)).await;
    leg.renegotiated(Some(far_end.local_addr().unwrap()), false)
        .await
        .unwrap();
    let held = receive_for(&far_end, Duration::from_millis(400)).await;
    leg.renegotiated(Some(far_end.local_addr().unwrap()), true)
        .await
        .unwrap();
    let after = receive_for(&far_end, Duration::from_millis(300)).await;

    assert!(held.len() <= 2, "{} packets sent on hold", held.len());
    let (last_before, first_after) = (held.last().unwrap_or(before.last().unwrap()), &after[0]);
    assert_eq!(
        first_after.1.sequence,
        last_before.1.sequence.wrapping_add(1),
        "no sequence gap"
    );
    let gap = first_after
        .1
        .timestamp
        .wrapping_sub(last_before.1.timestamp);
    let wall = (first_after.0 - last_before.0).as_secs_f64() * 8000.0;
    assert!(
        (f64::from(gap) - wall).abs() < 800.0,
        "timestamp gap {gap} follows the wall clock {wall}"
    );

    leg.play(
        vec![PlayItem::Prompt(library.get("tone").unwrap())],
        true,
        true,
    )
    .await
    .unwrap();
    leg.inject_digit(Digit::from_char('3').unwrap())
        .await
        .unwrap();
    assert_eq!(
        timeout(Duration::from_secs(1), leg.next_event())
            .await
            .unwrap(),
        Some(LegEvent::Digit(
            Digit::from_char('3').unwrap(),
            DigitSource::SipInfo
        ))
    );
    assert_eq!(
        timeout(Duration::from_secs(1), leg.next_event())
            .await
            .unwrap(),
        Some(LegEvent::PlayEnded(PlayEnd::Stopped))
    );
}

#[tokio::test]
async fn sender_reports_reach_the_peers_rtcp_port() {
    let allocator = PortAllocator::new(43_200, 43_299).unwrap();
    let peer_ports = PortAllocator::new(43_300, 43_399)
        .unwrap()
        .allocate(LOCALHOST)
        .unwrap();
    let far_rtp = Arc::new(
        UdpSocket::from_std({
            peer_ports.rtp.set_nonblocking(true).unwrap();
            peer_ports.rtp
        })
        .unwrap(),
    );
    let far_rtcp = UdpSocket::from_std({
        peer_ports.rtcp.set_nonblocking(true).unwrap();
        peer_ports.rtcp
    })
    .unwrap();
    let library = library();
    let (_leg, address) = leg(&allocator, PCMU, &far_rtp, &library).await;
    tokio::spawn(send_tone(Arc::clone(&far_rtp), address, PCMU, 500.0, 150));
    let mut buf = [0u8; MAX_DATAGRAM];
    let (len, _) = timeout(Duration::from_secs(6), far_rtcp.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let packets = parse_compound(&buf[..len]).unwrap();
    let RtcpPacket::SenderReport(sr) = &packets[0] else {
        panic!("expected an SR first: {packets:?}")
    };
    assert!(
        sr.packet_count >= 100,
        "{} packets reported sent",
        sr.packet_count
    );
    assert_eq!(sr.reports.len(), 1);
    assert_eq!(sr.reports[0].ssrc, 0x7777, "reports on the peer's stream");
    assert_eq!(sr.reports[0].cumulative_lost, 0);
    assert_eq!(packets[1], RtcpPacket::Other(202), "with an SDES CNAME");
    let (rtp_len, _) = far_rtp.recv_from(&mut buf).await.unwrap();
    assert_eq!(
        RtpPacket::parse(&buf[..rtp_len]).unwrap().header.ssrc,
        sr.ssrc
    );
    drop(peer_ports.lease);
}

/// A bridged party who holds us hears nothing, not even the other party relayed,
/// until the unhold; the signalling side's `LegControl` does that without keeping
/// the leg alive.
#[tokio::test]
async fn a_held_leg_relays_nothing_and_its_control_does_not_keep_it_alive() {
    let allocator = PortAllocator::new(43_200, 43_299).unwrap();
    let library = library();
    let caller = Arc::new(UdpSocket::bind((LOCALHOST, 0)).await.unwrap());
    let agent = Arc::new(UdpSocket::bind((LOCALHOST, 0)).await.unwrap());
    let (leg_a, _) = leg(&allocator, PCMU, &caller, &library).await;
    let (leg_b, address_b) = leg(&allocator, PCMU, &agent, &library).await;
    leg_a.bridge_to(Some(&leg_b)).await.unwrap();
    leg_b.bridge_to(Some(&leg_a)).await.unwrap();
    let control = leg_a.control();
    let caller_addr = Some(caller.local_addr().unwrap());

    // The caller holds: the agent talks, the caller's socket gets nothing.
    control.renegotiated(caller_addr, false).await.unwrap();
    let _in_flight = receive_for(&caller, Duration::from_millis(100)).await;
    let from_agent = tokio::spawn(send_tone(Arc::clone(&agent), address_b, PCMU, 1000.0, 25));
    let held = receive_for(&caller, Duration::from_millis(500)).await;
    from_agent.await.unwrap();
    assert!(
        held.is_empty(),
        "{} packets reached a caller on hold",
        held.len()
    );

    // Unhold: the agent's audio is relayed again.
    control.renegotiated(caller_addr, true).await.unwrap();
    let from_agent = tokio::spawn(send_tone(Arc::clone(&agent), address_b, PCMU, 1000.0, 25));
    let resumed = receive_for(&caller, Duration::from_millis(600)).await;
    let sent = from_agent.await.unwrap();
    let relayed = resumed.iter().filter(|r| sent.contains(&r.2)).count();
    assert!(
        relayed >= 20,
        "{relayed} of the agent's packets after the unhold"
    );

    // Dropping the leg ends it although a control handle remains.
    drop(leg_a);
    let _in_flight = receive_for(&caller, Duration::from_millis(100)).await;
    assert!(
        receive_for(&caller, Duration::from_millis(200))
            .await
            .is_empty()
    );
    assert!(control.renegotiated(caller_addr, true).await.is_err());
}

/// A recording asked to stop after silence reports it once the caller's tone stops (and
/// not while it plays); the file keeps the tone.
#[tokio::test]
async fn a_recording_reports_when_the_caller_falls_silent() {
    let allocator = PortAllocator::new(43_400, 43_499).unwrap();
    let library = library();
    let caller = Arc::new(UdpSocket::bind((LOCALHOST, 0)).await.unwrap());
    let (mut leg, address) = leg(&allocator, PCMU, &caller, &library).await;
    let path = std::env::temp_dir().join(format!(
        "wasmphony-media-leg-silence-{}.wav",
        std::process::id()
    ));
    leg.start_recording(
        std::fs::File::create(&path).unwrap(),
        Some(Duration::from_millis(300)),
    )
    .await
    .unwrap();
    // One second of tone: longer than the silence asked for, so a detector that ignored
    // the audio would fire during it.
    let talking = tokio::spawn(send_tone(Arc::clone(&caller), address, PCMU, 440.0, 50));
    let early = timeout(Duration::from_millis(900), leg.next_event()).await;
    assert!(early.is_err(), "an event while the caller talks: {early:?}");
    talking.await.unwrap();
    let stopped_talking = Instant::now();
    let event = timeout(Duration::from_secs(3), leg.next_event()).await;
    assert_eq!(event, Ok(Some(LegEvent::Silence)));
    let after = stopped_talking.elapsed();
    assert!(
        after >= Duration::from_millis(250) && after < Duration::from_secs(2),
        "silence reported {after:?} after the tone stopped"
    );
    leg.stop_recording().await.unwrap();
    let samples: Vec<i16> = hound::WavReader::open(&path)
        .unwrap()
        .samples::<i16>()
        .map(Result::unwrap)
        .collect();
    let caller_side: Vec<i16> = samples.chunks(2).map(|p| p[0]).collect();
    assert!(rms(&caller_side) > 1000.0, "rms {}", rms(&caller_side));
    std::fs::remove_file(&path).unwrap();
}
