//! A caller who presses 1 and talks: sipp places the call, the test's own
//! socket sends the key (RFC 4733) and marked audio, and counts what the far
//! end echoes back through the bridge.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::UdpSocket;
use wasmphony_controller::{CallRecord, RouteTable};

use super::*;

/// Everything `socket` receives for `span`: (source, payload type, payload).
pub async fn receive_rtp(socket: &UdpSocket, span: Duration) -> Vec<(SocketAddr, u8, Vec<u8>)> {
    let end = tokio::time::Instant::now() + span;
    let mut got = Vec::new();
    let mut buf = [0u8; 2048];
    while let Ok(Ok((len, from))) = tokio::time::timeout_at(end, socket.recv_from(&mut buf)).await {
        if len >= 12 {
            got.push((from, buf[1] & 0x7f, buf[12..len].to_vec()));
        }
    }
    got
}

/// RFC 4733 packets for one key press (three end packets, as senders do).
pub fn dtmf_packets(event: u8, ssrc: u32, seq: u16, timestamp: u32) -> Vec<Vec<u8>> {
    (0..6u16)
        .map(|i| {
            let end = i >= 3;
            let duration: u16 = 400 + 160 * i.min(3);
            let mut packet = vec![0x80, 101 | if i == 0 { 0x80 } else { 0 }];
            packet.extend((seq + i).to_be_bytes());
            packet.extend(timestamp.to_be_bytes());
            packet.extend(ssrc.to_be_bytes());
            packet.extend([event, if end { 0x80 | 10 } else { 10 }]);
            packet.extend(duration.to_be_bytes());
            packet
        })
        .collect()
}

/// A PCMU packet whose payload the prompts never contain.
pub fn marked_audio(ssrc: u32, seq: u16, timestamp: u32) -> Vec<u8> {
    let mut packet = vec![0x80, 0];
    packet.extend(seq.to_be_bytes());
    packet.extend(timestamp.to_be_bytes());
    packet.extend(ssrc.to_be_bytes());
    packet.extend([0x55u8; 160]);
    packet
}

/// sipp's built-in callee, echoing the RTP it receives; returns its SIP port.
pub fn echoing_callee() -> (u16, tokio::task::JoinHandle<SippRun>) {
    let port = free_udp_port();
    (port, sipp_callee(&["-sn", "uas"], port, &[]))
}

/// sipp as a callee on `port` for one call: `scenario` names it (`-sn uas` or `-sf FILE`),
/// the RTP it receives is echoed back, `keys` are its `-key` values.
pub fn sipp_callee(
    scenario: &[&str],
    port: u16,
    keys: &[(&str, &str)],
) -> tokio::task::JoinHandle<SippRun> {
    let mut args: Vec<String> = scenario.iter().map(|s| s.to_string()).collect();
    args.extend(
        [
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-mp",
            &free_udp_port().to_string(),
            "-rtp_echo",
            "-m",
            "1",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    for (key, value) in keys {
        args.extend(["-key".to_string(), key.to_string(), value.to_string()]);
    }
    tokio::spawn(run_sipp(args))
}

/// A sipp caller presses 1 (our RFC 4733 packets, from the socket its SDP
/// names) in an `ivr-menu` whose option 1 is `option_1`, then talks for a few
/// seconds. Returns how many of its own packets came back, and the record.
pub async fn caller_presses_1_and_talks(option_1: &str, test_name: &str) -> (usize, CallRecord) {
    caller_presses_1_and_talks_with(option_1, test_name, Duration::from_secs(5), |_| {}).await
}

/// [`caller_presses_1_and_talks`] talking for `talk` (the call lasts 2 s more), with
/// `routes` adding to the route table.
pub async fn caller_presses_1_and_talks_with(
    option_1: &str,
    test_name: &str,
    talk: Duration,
    routes: impl FnOnce(&mut RouteTable),
) -> (usize, CallRecord) {
    let packets = u16::try_from(talk.as_millis() / 20).unwrap();
    let setup = Setup::shipped("ivr-menu", ivr_config(option_1));
    let mut harness = start_with_routes(setup, test_name, routes).await;
    let media = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let port = media.local_addr().unwrap().port().to_string();
    let mut args = uac_args("uac_hangs_up.xml", harness.sip, &[("rtp_sink", port)]);
    let call_ms = talk.as_millis() + 2_000;
    args.extend(["-d".into(), call_ms.to_string()]);
    let caller = tokio::spawn(run_sipp(args));

    // The controller's leg speaks first; its source is where our media goes.
    let mut buf = [0u8; 2048];
    let (_, leg) = tokio::time::timeout(Duration::from_secs(10), media.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let ssrc = 0x1234_5678;
    for packet in dtmf_packets(1, ssrc, 1, 8000) {
        media.send_to(&packet, leg).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Then our voice, 50 packets per second, while counting what comes back through the bridge.
    let sender = {
        let media = media.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            for i in 0..packets {
                tick.tick().await;
                let _ = media
                    .send_to(
                        &marked_audio(ssrc, 100 + i, 16_000 + 160 * u32::from(i)),
                        leg,
                    )
                    .await;
            }
        })
    };
    let heard = receive_rtp(&media, talk + Duration::from_secs(1)).await;
    sender.await.unwrap();
    let echoed = heard
        .iter()
        .filter(|(_, _, p)| p.len() == 160 && p.iter().all(|b| *b == 0x55))
        .count();
    caller.await.unwrap().assert_clean();
    let record = harness.next_record().await;
    harness.assert_no_live_calls().await;
    (echoed, record)
}
