//! Position and estimated-wait announcements on a real call (sipp on loopback): a caller
//! waiting in a queue with no agent hears hold music, then "You are number 1 in line…"
//! (the built-in phrases, frame for frame), then the hold music again.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod queue_support;
mod support;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use support::{free_udp_port, run_sipp, sipp_available, uac_args};
use tokio::net::UdpSocket;
use wasmphony_acd::QueueConfig;
use wasmphony_media::codec::Codec;
use wasmphony_media::play::PromptLibrary;

/// Interval of announcements in this test: longer than one announcement (about 8 s with
/// the callback offer), so the music comes back in between.
const ANNOUNCE_EVERY: Duration = Duration::from_secs(10);
/// How long the caller's media is watched: menu, music, the first announcement, and
/// music after it.
const LISTEN: Duration = Duration::from_secs(22);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_caller_hears_position_and_wait_between_hold_music() {
    if !sipp_available() {
        return;
    }
    let unused_gateway = format!("127.0.0.1:{}", free_udp_port()).parse().unwrap();
    let config = QueueConfig {
        announce_every: Some(ANNOUNCE_EVERY),
        ..QueueConfig::default()
    };
    let harness = queue_support::start(unused_gateway, config, "queue-announce").await;
    let media = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = media.local_addr().unwrap().port().to_string();
    let mut args = uac_args("uac_hangs_up.xml", harness.sip, &[("rtp_sink", port)]);
    args.extend(["-d".into(), "24000".into()]);
    let caller = tokio::spawn(run_sipp(args));

    // The controller's leg speaks first; press 1 at the menu (to the queue).
    let mut buf = [0u8; 2048];
    let (_, leg) = tokio::time::timeout(Duration::from_secs(10), media.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    send_key_1(&media, leg).await;
    let heard = receive_payloads(&media, LISTEN).await;
    caller.await.unwrap().assert_clean();

    let library = builtin_prompts();
    let phrase = frames(&library, "queue-you-are-number");
    let music = frames(&library, "hold-music");
    let first_phrase = heard.iter().position(|p| phrase.contains(p));
    let last_phrase = heard.iter().rposition(|p| phrase.contains(p));
    let (Some(first_phrase), Some(last_phrase)) = (first_phrase, last_phrase) else {
        panic!("no announcement in {} frames", heard.len());
    };
    let phrase_frames = heard.iter().filter(|p| phrase.contains(*p)).count();
    assert!(
        phrase_frames >= phrase.len() / 2,
        "the phrase was played: {phrase_frames} of {} frames",
        phrase.len()
    );
    assert!(
        heard[..first_phrase].iter().any(|p| music.contains(p)),
        "hold music before the announcement"
    );
    assert!(
        heard[last_phrase..].iter().any(|p| music.contains(p)),
        "hold music resumes after the announcement (frames {first_phrase}..{last_phrase} of {})",
        heard.len()
    );
}

fn builtin_prompts() -> PromptLibrary {
    let mut library = PromptLibrary::new(&[Codec::Pcmu]).unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../prompts/builtin");
    library.load_dir(&dir).unwrap();
    library
}

/// The PCMU frames of prompt `name` that are not silence-like (so that a frame seen
/// identifies the prompt).
fn frames(library: &PromptLibrary, name: &str) -> HashSet<Vec<u8>> {
    let prompt = library.get(name).unwrap();
    (0..prompt.frame_count())
        .filter_map(|index| prompt.frame(Codec::Pcmu, index))
        .filter(|frame| frame.iter().collect::<HashSet<_>>().len() > 8)
        .map(<[u8]>::to_vec)
        .collect()
}

/// PCMU payloads `socket` receives for `span`, in order.
async fn receive_payloads(socket: &UdpSocket, span: Duration) -> Vec<Vec<u8>> {
    let end = tokio::time::Instant::now() + span;
    let mut got = Vec::new();
    let mut buf = [0u8; 2048];
    while let Ok(Ok((len, _))) = tokio::time::timeout_at(end, socket.recv_from(&mut buf)).await {
        if len > 12 && buf[1] & 0x7f == 0 {
            got.push(buf[12..len].to_vec());
        }
    }
    got
}

/// RFC 4733 packets for key 1 (three end packets, as senders do), 20 ms apart.
async fn send_key_1(socket: &UdpSocket, to: SocketAddr) {
    let (ssrc, seq, timestamp) = (0x1234_5678u32, 1u16, 8000u32);
    for i in 0..6u16 {
        let end = i >= 3;
        let duration: u16 = 400 + 160 * i.min(3);
        let mut packet = vec![0x80, 101 | if i == 0 { 0x80 } else { 0 }];
        packet.extend((seq + i).to_be_bytes());
        packet.extend(timestamp.to_be_bytes());
        packet.extend(ssrc.to_be_bytes());
        packet.extend([1u8, if end { 0x80 | 10 } else { 10 }]);
        packet.extend(duration.to_be_bytes());
        socket.send_to(&packet, to).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
