//! Blind transfer (REFER) inside a click-to-call, with real peers on loopback: the
//! host rings extension 101 (a digest-registered sipp, the agent), then the customer
//! through the tenant's trunk (sipp as the carrier's customer), and bridges them. The
//! agent may hand the customer to a third sipp party; the customer may not transfer.
//! The test's own socket is the customer's RTP: it sends marked audio and counts what
//! comes back, and only the third party echoes, so echoed packets are the third party's.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod queue_support;
mod support;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use queue_support::{AGENT, QueueHarness, register_agent, uas_args};
use support::talk::marked_audio;
use support::*;
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;
use wasmphony_controller::{HangupSide, TRANSFERRED_TAG, Trunk, TrunkPlan};
use wasmphony_sip::endpoint::Target;

/// The customer's number, carried by the trunk.
const CUSTOMER: &str = "+35924000222";
/// How long the test waits for the customer's sipp to say where the host's media is.
const HOST_RTP_WAIT: Duration = Duration::from_secs(15);

/// A controller whose tenant's catch-all trunk leads to `customer_port`.
async fn start_with_customer_trunk(customer_port: u16, test_name: &str) -> QueueHarness {
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
    queue_support::start_with_trunks(gateway, Vec::new(), plan, test_name).await
}

/// sipp answering one call on `port` with `xml`, its RTP echoed when `echo`.
fn party(xml: &str, port: u16, echo: bool, keys: &[(&str, String)]) -> Vec<String> {
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
async fn host_rtp_port(file: &PathBuf, customer: &mut JoinHandle<SippRun>) -> u16 {
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
async fn talk_and_time_echoes(media: &UdpSocket, host_port: u16, talk: Duration) -> Vec<Duration> {
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

fn var<'a>(record: &'a wasmphony_controller::CallRecord, name: &str) -> Option<&'a str> {
    record
        .vars
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The agent who placed the click-to-call transfers the customer to a third party: its
/// REFER is accepted (202), its NOTIFYs say `100 Trying` then `200 OK` (sipp checks the
/// sipfrag bodies, Event and Subscription-State), a second REFER meanwhile gets 491, the
/// third party gets the INVITE, the customer hears the third party, the agent gets the
/// host's BYE, and the CDR shows the transfer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_to_call_agent_transfers_the_customer_to_a_third_party() {
    if !sipp_available() {
        return;
    }
    let customer_port = free_udp_port();
    let mut harness = start_with_customer_trunk(customer_port, "c2c-transfer").await;
    let agent_port = free_udp_port();
    register_agent(harness.sip, agent_port).await;

    let third_port = free_udp_port();
    let third = tokio::spawn(run_sipp(party(
        "uas_rings_then_answers.xml",
        third_port,
        true,
        &[],
    )));
    let refer_to = format!("sip:third@127.0.0.1:{third_port}");
    let agent = tokio::spawn(run_sipp(party(
        "uas_agent_transfers.xml",
        agent_port,
        false,
        &[("refer_to", refer_to.clone())],
    )));
    let media = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let sink = media.local_addr().unwrap().port().to_string();
    let file: PathBuf = [env!("CARGO_TARGET_TMPDIR"), "c2c-transfer-host-rtp"]
        .iter()
        .collect();
    let _ = std::fs::remove_file(&file);
    let talk = Duration::from_secs(7);
    let mut customer_args = party(
        "uas_customer_transferred.xml",
        customer_port,
        false,
        &[
            ("rtp_sink", sink),
            ("host_rtp_file", file.display().to_string()),
        ],
    );
    customer_args.extend(["-d".into(), (talk.as_millis() + 1_000).to_string()]);
    let mut customer = tokio::spawn(run_sipp(customer_args));

    harness
        .controller
        .originate(TENANT, AGENT, CUSTOMER)
        .unwrap();
    let host_port = host_rtp_port(&file, &mut customer).await;
    let echoes = talk_and_time_echoes(&media, host_port, talk).await.len();

    customer.await.unwrap().assert_clean();
    agent.await.unwrap().assert_clean();
    third.await.unwrap().assert_clean();
    // The bridge tests' floor (sipp's echo on a busy machine returns a fraction).
    assert!(
        echoes >= 20,
        "{echoes} packets came back from the third party"
    );

    let record = harness.next_record().await;
    assert!(
        record.tags.iter().any(|t| t == TRANSFERRED_TAG),
        "{:?}",
        record.tags
    );
    assert_eq!(var(&record, "transferred_by"), Some(AGENT));
    assert_eq!(var(&record, "transferred_to"), Some(refer_to.as_str()));
    assert!(
        record.log.iter().any(|l| l.contains("transferred by")),
        "{:?}",
        record.log
    );
    // A SIP URI is no extension: the agent of record stays the one who placed the call.
    assert_eq!(record.agent.as_deref(), Some(AGENT));
    assert_eq!(record.hangup_side, HangupSide::Callee);
    assert_eq!(harness.controller.live_calls(), 0, "calls leaked");
}

/// The customer's own REFER is refused with 403 (sipp checks the Warning), nothing is
/// dialled — the Refer-To's address hears nothing — and the call goes on until the
/// customer hangs up, when the agent gets the host's BYE.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_to_call_customer_refer_is_refused_and_dials_nothing() {
    if !sipp_available() {
        return;
    }
    let customer_port = free_udp_port();
    let mut harness = start_with_customer_trunk(customer_port, "c2c-transfer-refused").await;
    let agent_port = free_udp_port();
    register_agent(harness.sip, agent_port).await;

    let trap = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let trap_port = trap.local_addr().unwrap().port();
    let agent = tokio::spawn(run_sipp(party(
        "uas_agent_answers.xml",
        agent_port,
        true,
        &[],
    )));
    let mut customer_args = party(
        "uas_customer_refer_refused.xml",
        customer_port,
        false,
        &[("refer_to", format!("sip:third@127.0.0.1:{trap_port}"))],
    );
    customer_args.extend(["-d".into(), "2000".into()]);
    let customer = tokio::spawn(run_sipp(customer_args));

    harness
        .controller
        .originate(TENANT, AGENT, CUSTOMER)
        .unwrap();
    customer.await.unwrap().assert_clean();
    agent.await.unwrap().assert_clean();

    let mut buf = [0u8; 2048];
    assert!(
        trap.try_recv_from(&mut buf).is_err(),
        "the Refer-To's address got a datagram"
    );
    let record = harness.next_record().await;
    assert!(!record.tags.iter().any(|t| t == TRANSFERRED_TAG));
    assert_eq!(var(&record, "transferred_to"), None);
    assert_eq!(record.agent.as_deref(), Some(AGENT));
    assert_eq!(record.hangup_side, HangupSide::Callee);
}

/// A transfer to a party that declines: the agent's NOTIFYs say `100 Trying` then the
/// target's own `603 Decline` (sipp checks them), and the customer stays with the agent,
/// whose echo goes on until the customer hangs up; the CDR shows no transfer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_click_to_call_transfer_leaves_the_customer_with_the_agent() {
    if !sipp_available() {
        return;
    }
    let customer_port = free_udp_port();
    let mut harness = start_with_customer_trunk(customer_port, "c2c-transfer-declined").await;
    let agent_port = free_udp_port();
    register_agent(harness.sip, agent_port).await;

    let third_port = free_udp_port();
    let third = tokio::spawn(run_sipp(party("uas_declines.xml", third_port, false, &[])));
    let agent = tokio::spawn(run_sipp(party(
        "uas_agent_transfer_fails.xml",
        agent_port,
        true,
        &[("refer_to", format!("sip:third@127.0.0.1:{third_port}"))],
    )));
    let media = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let sink = media.local_addr().unwrap().port().to_string();
    let file: PathBuf = [
        env!("CARGO_TARGET_TMPDIR"),
        "c2c-transfer-declined-host-rtp",
    ]
    .iter()
    .collect();
    let _ = std::fs::remove_file(&file);
    let talk = Duration::from_secs(5);
    let mut customer_args = party(
        "uas_customer_transferred.xml",
        customer_port,
        false,
        &[
            ("rtp_sink", sink),
            ("host_rtp_file", file.display().to_string()),
        ],
    );
    customer_args.extend(["-d".into(), (talk.as_millis() + 1_000).to_string()]);
    let mut customer = tokio::spawn(run_sipp(customer_args));

    harness
        .controller
        .originate(TENANT, AGENT, CUSTOMER)
        .unwrap();
    let host_port = host_rtp_port(&file, &mut customer).await;
    let echoes = talk_and_time_echoes(&media, host_port, talk).await;

    customer.await.unwrap().assert_clean();
    agent.await.unwrap().assert_clean();
    third.await.unwrap().assert_clean();
    // The refusal comes about a second in; the agent's echo goes on to the end.
    let late = echoes
        .iter()
        .filter(|at| **at >= Duration::from_secs(3))
        .count();
    assert!(late >= 20, "{late} echoes after the failed transfer");
    let record = harness.next_record().await;
    assert!(!record.tags.iter().any(|t| t == TRANSFERRED_TAG));
    assert_eq!(var(&record, "transferred_to"), None);
    assert_eq!(record.agent.as_deref(), Some(AGENT));
    assert_eq!(record.hangup_side, HangupSide::Callee);
}
