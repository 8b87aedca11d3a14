//! What the blind-transfer interop tests with a customer behind a trunk share: a
//! controller whose tenant's catch-all trunk leads to the customer's sipp, sipp
//! parties, and the test's own socket as the customer's RTP (marked audio out, echoes
//! counted back).
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::task::JoinHandle;
use wasmphony_controller::{Trunk, TrunkPlan};
use wasmphony_sip::endpoint::Target;

use crate::queue_support::{self, QueueHarness, uas_args};
use crate::support::talk::marked_audio;
use crate::support::{SippRun, free_udp_port};

/// The customer's number, carried by the trunk.
pub const CUSTOMER: &str = "+35924000222";
/// How long the test waits for the customer's sipp to say where the host's media is.
pub const HOST_RTP_WAIT: Duration = Duration::from_secs(15);

/// A second staff member's extension (SIP user too), for transfers between colleagues.
pub const COLLEAGUE: &str = "102";
pub const COLLEAGUE_SECRET: &str = "colleague-secret-102";
/// A third staff member's extension.
pub const THIRD_STAFF: &str = "103";
pub const THIRD_STAFF_SECRET: &str = "staff-secret-103";

/// A controller whose tenant's catch-all trunk leads to `customer_port`; [`COLLEAGUE`]
/// and [`THIRD_STAFF`] are in the phone book beside the agent (register them with
/// `queue_support::register_phone`).
pub async fn start_with_customer_trunk(customer_port: u16, test_name: &str) -> QueueHarness {
    let addr: SocketAddr = ([127, 0, 0, 1], customer_port).into();
    let mut plan = TrunkPlan::new();
    plan.add(Trunk {
        name: "carrier".into(),
        host: addr.into(),
        target: Target::udp(addr),
        credentials: None,
        caller_id: None,
        prefixes: Vec::new(),
        priority: 0,
        register: false,
    });
    // No number goes to the gateway here (click-to-call never uses it): a dead port.
    let gateway = ([127, 0, 0, 1], free_udp_port()).into();
    let staff = [
        (COLLEAGUE, COLLEAGUE_SECRET),
        (THIRD_STAFF, THIRD_STAFF_SECRET),
    ];
    queue_support::start_with_phones(gateway, Vec::new(), plan, &staff, test_name).await
}

/// sipp answering one call on `port` with `xml`, its RTP echoed when `echo`.
pub fn party(xml: &str, port: u16, echo: bool, keys: &[(&str, String)]) -> Vec<String> {
    let mut args = uas_args(xml, port);
    if echo {
        args.push("-rtp_echo".into());
    }
    for (key, value) in keys {
        args.extend(["-key".to_string(), key.to_string(), value.clone()]);
    }
    args
}

/// The host's RTP port for the customer, once the customer's sipp wrote it to `file`
/// (bounded wait). A sipp that ended first (it could not bind, say) is reported with
/// its output.
pub async fn host_rtp_port(file: &PathBuf, customer: &mut JoinHandle<SippRun>) -> u16 {
    let until = tokio::time::Instant::now() + HOST_RTP_WAIT;
    loop {
        if let Ok(text) = std::fs::read_to_string(file)
            && let Ok(port) = text.trim().parse()
        {
            return port;
        }
        if customer.is_finished() {
            customer.await.unwrap().assert_clean();
            panic!("the customer's sipp ended before it was called");
        }
        assert!(
            tokio::time::Instant::now() < until,
            "the customer was not called"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends marked audio to the host's leg at `host_port` for `talk` and returns when each
/// packet came back (echoed by whoever the customer is bridged to), from the start.
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

pub fn var<'a>(record: &'a wasmphony_controller::CallRecord, name: &str) -> Option<&'a str> {
    record
        .vars
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}
