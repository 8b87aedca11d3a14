//! The marked audio the test sends and what of it comes back: the tests let only some
//! parties echo, so the echoes say whom the call is bridged to, and since when.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::UdpSocket;

use crate::support::talk::marked_audio;

/// The bridge tests' floor (sipp's echo on a busy machine returns a fraction).
pub const ECHO_FLOOR: usize = 20;

/// Sends marked audio to the host's leg at `host_port` for `talk` and returns when each
/// packet came back, from the start.
pub async fn talk_and_time_echoes(
    media: &UdpSocket,
    host_port: u16,
    talk: Duration,
) -> Vec<Duration> {
    let leg: SocketAddr = ([127, 0, 0, 1], host_port).into();
    let ssrc = 0x1234_5678;
    let packets = u16::try_from(talk.as_millis() / 20).unwrap();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let mut buf = [0u8; 2048];
    let mut echoes = Vec::new();
    let started = tokio::time::Instant::now();
    for i in 0..packets {
        tick.tick().await;
        let audio = marked_audio(ssrc, 100 + i, 16_000 + 160 * u32::from(i));
        let _ = media.send_to(&audio, leg).await;
        while let Ok((len, _)) = media.try_recv_from(&mut buf) {
            if len == 172 && buf[12..len].iter().all(|b| *b == 0x55) {
                echoes.push(started.elapsed());
            }
        }
    }
    echoes
}

/// At least [`ECHO_FLOOR`] echoes came back: the test was bridged to `party`, the one
/// that echoes.
pub fn assert_heard(echoes: &[Duration], party: &str) {
    assert!(
        echoes.len() >= ECHO_FLOOR,
        "{} packets came back from {party} (first {:?}, last {:?})",
        echoes.len(),
        echoes.first(),
        echoes.last()
    );
}

/// How many echoes came back at `from` or later.
pub fn echoes_since(echoes: &[Duration], from: Duration) -> usize {
    echoes.iter().filter(|at| **at >= from).count()
}
