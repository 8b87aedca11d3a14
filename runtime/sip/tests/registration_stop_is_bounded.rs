//! Stopping a registration never hangs on a silent registrar: the un-REGISTER is waited for
//! at most `unregister_wait`, and nothing is sent when nothing was bound.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use wasmphony_sip::auth::ClientCredentials;
use wasmphony_sip::endpoint::{Endpoint, EndpointConfig, Target};
use wasmphony_sip::message::{
    HeaderName, Message, Response, StatusCode, Uri, parse_datagram, response_to,
};
use wasmphony_sip::registration::{
    RegistrationConfig, RegistrationState, RegistrationTiming, spawn_registration,
};

/// Expires values of the REGISTERs received (retransmissions included).
type Received = mpsc::Receiver<Option<u32>>;

/// Everything received so far.
fn drain(received: &mut Received) -> Vec<Option<u32>> {
    let mut out = Vec::new();
    while let Ok(e) = received.try_recv() {
        out.push(e);
    }
    out
}

/// A registrar that grants the first REGISTER transaction (60 s) and ignores everything else,
/// or ignores everything when `answer_first` is false.
async fn start_black_hole(answer_first: bool) -> (std::net::SocketAddr, Received) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    let (log, received) = mpsc::channel(256);
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65_536];
        let mut first_branch: Option<String> = None;
        while let Ok((n, peer)) = socket.recv_from(&mut buf).await {
            let Ok(Message::Request(request)) = parse_datagram(&buf[..n]) else {
                continue;
            };
            let _ = log.try_send(request.head.expires());
            let branch = request.head.branch().map(str::to_owned);
            if !answer_first || (first_branch.is_some() && first_branch != branch) {
                continue;
            }
            first_branch = branch;
            let mut ok: Response = response_to(&request, StatusCode::OK);
            ok.head.to.set_tag("bh");
            ok.head.headers.push(HeaderName::Expires, "60");
            let _ = socket.send_to(&ok.to_bytes(), peer).await;
        }
    });
    (addr, received)
}

async fn spawn_against(
    addr: std::net::SocketAddr,
) -> wasmphony_sip::registration::RegistrationHandle {
    let (endpoint, _incoming) = Endpoint::bind(EndpointConfig::udp("127.0.0.1:0".parse().unwrap()))
        .await
        .unwrap();
    let target = Target::udp(addr);
    let local = endpoint.local_addr_for(target).unwrap();
    spawn_registration(
        endpoint,
        RegistrationConfig {
            target,
            registrar_uri: Uri::parse("sip:carrier.example").unwrap(),
            aor: Uri::parse("sip:trunk@carrier.example").unwrap(),
            contact: Uri::parse(&format!("sip:trunk@{local}")).unwrap(),
            credentials: ClientCredentials::new("trunk", "pw"),
            expires: 60,
            timing: RegistrationTiming {
                unregister_wait: Duration::from_millis(300),
                ..RegistrationTiming::default()
            },
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_gives_up_on_an_unanswered_unregister_in_bounded_time() {
    let (addr, mut received) = start_black_hole(true).await;
    let handle = spawn_against(addr).await;
    let mut state = handle.state();
    tokio::time::timeout(
        Duration::from_secs(10),
        state.wait_for(|s| matches!(s, RegistrationState::Registered { .. })),
    )
    .await
    .unwrap()
    .unwrap();
    let started = Instant::now();
    assert_eq!(handle.stop().await, RegistrationState::Unregistered);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "stop took {took:?}");
    assert!(
        drain(&mut received).contains(&Some(0)),
        "the un-REGISTER was sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_while_the_first_register_is_unanswered_sends_no_unregister() {
    let (addr, mut received) = start_black_hole(false).await;
    let handle = spawn_against(addr).await;
    // Wait until the first REGISTER (or a retransmission) has arrived.
    let first = tokio::time::timeout(Duration::from_secs(10), received.recv())
        .await
        .unwrap();
    assert_eq!(first, Some(Some(60)));
    assert_eq!(handle.current(), RegistrationState::Registering);
    let started = Instant::now();
    assert_eq!(handle.stop().await, RegistrationState::Unregistered);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(!drain(&mut received).contains(&Some(0)));
}
