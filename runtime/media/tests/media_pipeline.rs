//! One answered call's media over loopback UDP, wired from this crate's
//! pieces the way the call controller will: a caller socket sends PCMU audio
//! and an RFC 4733 key; our session receives it through the jitter buffer into
//! the recorder and the digit collector, while the player sends a prompt back
//! at 50 packets per second.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
use tokio::time::Instant;
use wasmphony_media::codec::{Codec, Decoder, Encoder};
use wasmphony_media::dtmf::{
    CollectConfig, Digit, DigitCollector, EndReason, EventReceiver, EventSender,
};
use wasmphony_media::net::{PortAllocator, RtpSession};
use wasmphony_media::play::{PlayItem, Player, Prompt, PromptLibrary};
use wasmphony_media::record::CallRecorder;
use wasmphony_media::rtp::jitter::{JitterBuffer, Playout};
use wasmphony_media::rtp::packet::{MAX_DATAGRAM, RtpPacket, write_rtp};
use wasmphony_media::rtp::stream::RtpSendStream;

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const TE_PT: u8 = 101;

/// The far end: 1.2 s of a 500 Hz tone, with the key `7` sent as RFC 4733 events at 0.4 s.
async fn caller(socket: std::sync::Arc<tokio::net::UdpSocket>, target: std::net::SocketAddr) {
    let mut stream = RtpSendStream::new(0xCA11, 10, 1000);
    let mut events = EventSender::new(TE_PT, 8000);
    let mut encoder = Encoder::new(Codec::Pcmu).unwrap();
    let mut ticker = tokio::time::interval(Duration::from_millis(20));
    let mut buf = Vec::new();
    for tick in 0..60usize {
        ticker.tick().await;
        if tick == 20 {
            events.press(Digit::from_char('7').unwrap(), Duration::from_millis(100));
        }
        if !events.next_packet(&mut stream, &mut buf) {
            let pcm: Vec<i16> = (0..160)
                .map(|n| {
                    (9000.0
                        * (2.0 * std::f64::consts::PI * 500.0 * (tick * 160 + n) as f64 / 8000.0)
                            .sin()) as i16
                })
                .collect();
            let mut payload = Vec::new();
            encoder.encode(&pcm, &mut payload).unwrap();
            let header = stream.next_media(0, 160, payload.len());
            buf.clear();
            write_rtp(&header, &payload, &mut buf);
        }
        socket.send_to(&buf, target).await.unwrap();
    }
}

#[tokio::test]
async fn caller_audio_is_recorded_key_collected_and_prompt_paced() {
    let allocator = PortAllocator::new(42_600, 42_699).unwrap();
    let mut session = RtpSession::bind(&allocator, LOCALHOST).unwrap();
    let far_end = std::sync::Arc::new(tokio::net::UdpSocket::bind((LOCALHOST, 0)).await.unwrap());
    let start = Instant::now();
    session.on_signalling(Some(far_end.local_addr().unwrap()), start.into_std());

    let mut library = PromptLibrary::new(&[Codec::Pcmu]).unwrap();
    let tone: Vec<i16> = (0..8000 * 3)
        .map(|n| (4000.0 * (n as f64 * 0.2).sin()) as i16)
        .collect();
    library
        .insert(Prompt::from_pcm("welcome", &tone, 8000, &[Codec::Pcmu]).unwrap())
        .unwrap();
    let mut player = Player::new(Codec::Pcmu, library.silence());
    player
        .play(
            vec![PlayItem::Prompt(library.get("welcome").unwrap())],
            false,
            start.into_std(),
        )
        .unwrap();

    let path = std::env::temp_dir().join(format!(
        "wasmphony-media-pipeline-{}.wav",
        std::process::id()
    ));
    let mut recorder =
        CallRecorder::new(std::fs::File::create(&path).unwrap(), start.into_std()).unwrap();
    let mut jitter = JitterBuffer::new();
    let mut decoder = Decoder::new(Codec::Pcmu).unwrap();
    let mut events = EventReceiver::new(8000);
    let mut collector = DigitCollector::new(CollectConfig {
        min_digits: 1,
        max_digits: 1,
        terminators: vec![],
        first_digit_timeout: Duration::from_secs(5),
        inter_digit_timeout: Duration::from_secs(2),
    });
    let mut outbound = RtpSendStream::new(0x0515, 0, 0);

    let target = session.local_rtp_addr().unwrap();
    let caller_task = tokio::spawn(caller(std::sync::Arc::clone(&far_end), target));

    let mut buf = [0u8; MAX_DATAGRAM];
    let mut out = Vec::new();
    let mut pcm = Vec::new();
    let mut outcome = None;
    let mut record_tick = start;
    let end = start + Duration::from_millis(1500);
    while Instant::now() < end {
        let deadline = player
            .next_deadline()
            .map_or(record_tick, |d| Instant::from_std(d).min(record_tick));
        tokio::select! {
            received = session.recv(&mut buf) => {
                let len = received.unwrap();
                let packet = RtpPacket::parse(&buf[..len]).unwrap();
                let now = Instant::now().into_std();
                if packet.header.payload_type == TE_PT {
                    events.on_packet(packet.header.timestamp, packet.payload, now).unwrap();
                    while let Some(event) = events.next_event() {
                        outcome = outcome.or(collector.on_digit(event.digit, now));
                    }
                } else {
                    let _ = jitter.push(packet.header.sequence, packet.payload);
                }
            }
            _ = tokio::time::sleep_until(deadline) => {
                let now = Instant::now();
                while let Some(frame) = player.next_frame(now.into_std()) {
                    outbound.skip(160, frame.skipped as u32);
                    let header = outbound.next_media(0, 160, frame.payload.len());
                    out.clear();
                    write_rtp(&header, frame.payload, &mut out);
                    session.try_send(&out).unwrap();
                }
                while record_tick <= now {
                    pcm.clear();
                    match jitter.pop() {
                        Some(Playout::Frame(payload)) => decoder.decode(payload, &mut pcm).unwrap(),
                        Some(Playout::Lost) => decoder.conceal(&mut pcm).unwrap(),
                        None => {}
                    }
                    recorder.write_frame(Some(&pcm), None, record_tick.into_std()).unwrap();
                    record_tick += Duration::from_millis(20);
                }
            }
        }
    }
    caller_task.await.unwrap();
    recorder.finish().unwrap();

    let outcome = outcome.expect("the key was collected");
    assert_eq!(
        (outcome.digits.as_str(), outcome.reason),
        ("7", EndReason::MaxDigits)
    );

    // The caller's channel holds the caller's tone: check energy, not size.
    let samples: Vec<i16> = hound::WavReader::open(&path)
        .unwrap()
        .samples::<i16>()
        .map(Result::unwrap)
        .collect();
    let caller_channel: Vec<f64> = samples.chunks(2).map(|p| f64::from(p[0])).collect();
    let agent_channel_peak = samples
        .chunks(2)
        .map(|p| p[1].unsigned_abs())
        .max()
        .unwrap();
    let rms = |s: &[f64]| (s.iter().map(|x| x * x).sum::<f64>() / s.len() as f64).sqrt();
    assert!(caller_channel.len() >= 8000, "at least 1 s recorded");
    assert!(
        rms(&caller_channel[1600..6400]) > 4000.0,
        "caller tone recorded (rms {})",
        rms(&caller_channel[1600..6400])
    );
    assert_eq!(agent_channel_peak, 0);
    std::fs::remove_file(&path).unwrap();

    // The far end got the prompt at 50 packets per second, numbered without gaps.
    let mut sequences = Vec::new();
    let mut datagram = [0u8; MAX_DATAGRAM];
    while let Ok(Ok((len, _))) =
        tokio::time::timeout(Duration::from_millis(100), far_end.recv_from(&mut datagram)).await
    {
        sequences.push(RtpPacket::parse(&datagram[..len]).unwrap().header.sequence);
    }
    assert!(
        (65..=77).contains(&sequences.len()),
        "{} packets in 1.5 s",
        sequences.len()
    );
    assert!(sequences.windows(2).all(|w| w[1] == w[0].wrapping_add(1)));
}
