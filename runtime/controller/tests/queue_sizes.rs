//! What a queue reports for metrics on a real call (sipp on loopback): every defined queue
//! is listed from the start, a caller who pressed 1 counts as waiting while they wait,
//! and no longer once they hang up.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod queue_support;
mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use support::{TENANT, free_udp_port, run_sipp, sipp_available, uac_args};
use tokio::net::UdpSocket;
use wasmphony_acd::QueueConfig;
use wasmphony_controller::{Controller, QueueSize};

/// Longest wait for the queue's figures to change.
const SETTLE: Duration = Duration::from_secs(15);

async fn wait_for_waiting(controller: &Controller, want: u64) {
    let deadline = Instant::now() + SETTLE;
    loop {
        let sizes = controller.queue_sizes();
        if sizes.iter().any(|size| size.waiting == want) {
            return;
        }
        assert!(Instant::now() < deadline, "never {want} waiting: {sizes:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_in_the_queue_counts_as_waiting_until_they_hang_up() {
    if !sipp_available() {
        return;
    }
    let unused_gateway = format!("127.0.0.1:{}", free_udp_port()).parse().unwrap();
    let harness = queue_support::start(unused_gateway, QueueConfig::default(), "queue-sizes").await;
    let empty = QueueSize {
        tenant: TENANT.into(),
        queue: queue_support::QUEUE.into(),
        waiting: 0,
        agents_available: 0,
    };
    assert_eq!(harness.controller.queue_sizes(), vec![empty.clone()]);

    let media = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = media.local_addr().unwrap().port().to_string();
    let mut args = uac_args("uac_hangs_up.xml", harness.sip, &[("rtp_sink", port)]);
    args.extend(["-d".into(), "6000".into()]);
    let caller = tokio::spawn(run_sipp(args));
    let mut buf = [0u8; 2048];
    let (_, leg) = tokio::time::timeout(Duration::from_secs(10), media.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    send_key_1(&media, leg).await;
    wait_for_waiting(&harness.controller, 1).await;
    assert_eq!(
        harness.controller.queue_sizes()[0].agents_available,
        0,
        "no phone registered"
    );

    caller.await.unwrap().assert_clean();
    wait_for_waiting(&harness.controller, 0).await;
    assert_eq!(harness.controller.queue_sizes(), vec![empty]);
}

/// RFC 4733 key 1 (the menu's "to the queue").
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
