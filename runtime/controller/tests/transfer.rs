//! Blind transfer (REFER) with real peers on loopback: a sipp customer calls the
//! `ivr-menu`, presses 1 and is bridged to a sipp "agent" the menu dials; the agent
//! transfers the customer to a third sipp party. The test's own socket is the
//! customer's RTP: it sends marked audio and counts what comes back, and only the
//! third party echoes (the agent does not), so echoed packets are the third party's.
//! A queue's registered agent transfers its caller to a number (through the gateway).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod queue_support;
mod support;
mod transfer_support;

use std::sync::Arc;
use std::time::Duration;

use support::talk::{dtmf_packets, marked_audio};
use support::*;
use tokio::net::UdpSocket;
use transfer_support::cdr::{assert_not_transferred, assert_transferred, transfers_logged};
use transfer_support::echoes::{assert_heard, echoes_since};
use transfer_support::parties::spawn_party;
use wasmphony_controller::{CallRecord, HangupSide, TRANSFERRED_TAG};

/// What the customer went through.
struct Customer {
    /// When each echoed packet of its own came back, from when it started talking.
    echoes: Vec<Duration>,
    record: CallRecord,
}

/// A sipp customer (`caller_xml`, hanging up after its `-d` of `hang_up_ms`) calls an
/// `ivr-menu` whose option 1 dials `agent_port`, presses 1 and talks for `talk`.
async fn customer_calls(
    test_name: &str,
    caller_xml: &str,
    agent_port: u16,
    talk: Duration,
    hang_up_ms: u128,
    keys: &[(&str, String)],
) -> Customer {
    let option_1 = format!(
        r#"{{"action":"dial","targets":["sip:agent@127.0.0.1:{agent_port}"],"strategy":"parallel"}}"#
    );
    let setup = Setup::shipped("ivr-menu", ivr_config(&option_1));
    let mut harness = start(setup, test_name).await;
    let media = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let port = media.local_addr().unwrap().port().to_string();
    let mut keys = keys.to_vec();
    keys.push(("rtp_sink", port));
    let mut args = uac_args(caller_xml, harness.sip, &keys);
    args.extend(["-d".into(), hang_up_ms.to_string()]);
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
    let packets = u16::try_from(talk.as_millis() / 20).unwrap();
    let started = tokio::time::Instant::now();
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
    let end = started + talk + Duration::from_secs(1);
    let mut echoes = Vec::new();
    while let Ok(Ok(len)) = tokio::time::timeout_at(end, media.recv(&mut buf)).await {
        if len == 172 && buf[12..len].iter().all(|b| *b == 0x55) {
            echoes.push(started.elapsed());
        }
    }
    sender.await.unwrap();
    caller.await.unwrap().assert_clean();
    let record = harness.next_record().await;
    harness.assert_no_live_calls().await;
    Customer { echoes, record }
}

/// [`customer_calls`] with a customer who talks for `talk` and hangs up 2 s later,
/// its own signalling a plain call's.
async fn customer_talks(test_name: &str, agent_port: u16, talk: Duration) -> Customer {
    customer_calls(
        test_name,
        "uac_hangs_up.xml",
        agent_port,
        talk,
        talk.as_millis() + 2_000,
        &[],
    )
    .await
}

/// The agent's REFER is accepted (202), its NOTIFYs say `100 Trying` and then
/// `200 OK` (sipp checks the sipfrag bodies, Event and Subscription-State), a second
/// REFER meanwhile gets 491, the third party gets the INVITE, the customer hears the
/// third party, and the agent gets the host's BYE.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_transfers_the_customer_to_a_third_party() {
    if !sipp_available() {
        return;
    }
    let third_port = free_udp_port();
    let third = spawn_party("uas_rings_then_answers.xml", third_port, true, &[]);
    let agent_port = free_udp_port();
    let refer_to = format!("sip:third@127.0.0.1:{third_port}");
    let agent = spawn_party(
        "uas_agent_transfers.xml",
        agent_port,
        false,
        &[("refer_to", refer_to.clone())],
    );
    let customer = customer_talks("transfer-ok", agent_port, Duration::from_secs(7)).await;
    agent.await.unwrap().assert_clean();
    third.await.unwrap().assert_clean();

    let echoes = &customer.echoes;
    assert_heard(echoes, "the third party");
    // The agent echoes nothing: the first echo comes once the third party answered
    // (REFER 1 s after the agent's answer, then 1.5 s of ringing).
    assert!(
        echoes[0] >= Duration::from_millis(1500),
        "first echo at {:?}",
        echoes[0]
    );
    let record = customer.record;
    let agent_uri = format!("sip:agent@127.0.0.1:{agent_port}");
    assert_transferred(&record, &agent_uri, &refer_to);
    assert_eq!(record.hangup_side, HangupSide::Caller);
}

/// A transfer to a party that declines: NOTIFY `603 Decline` (terminated: the target's own
/// status, not a generic one) and the customer stays with the agent, whose echo goes on
/// until the customer hangs up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_transfer_leaves_the_customer_with_the_agent() {
    if !sipp_available() {
        return;
    }
    let third_port = free_udp_port();
    let third = spawn_party("uas_declines.xml", third_port, false, &[]);
    let agent_port = free_udp_port();
    let agent = spawn_party(
        "uas_agent_transfer_fails.xml",
        agent_port,
        true,
        &[("refer_to", format!("sip:third@127.0.0.1:{third_port}"))],
    );
    let customer = customer_talks("transfer-declined", agent_port, Duration::from_secs(5)).await;
    agent.await.unwrap().assert_clean();
    third.await.unwrap().assert_clean();

    // The refusal comes about 1.5 s in; the agent's echo goes on to the end.
    let late = echoes_since(&customer.echoes, Duration::from_secs(3));
    assert!(late >= 60, "{late} echoes after the failed transfer");
    let record = customer.record;
    assert_not_transferred(&record);
    assert_eq!(record.hangup_side, HangupSide::Caller);
}

/// The customer's own REFER is refused with 403 (sipp checks the Warning), nothing
/// is dialled — the Refer-To's address hears nothing — and the call goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_refer_is_refused_and_dials_nothing() {
    if !sipp_available() {
        return;
    }
    let trap = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let trap_port = trap.local_addr().unwrap().port();
    let agent_port = free_udp_port();
    let agent = spawn_party("uas_agent_answers.xml", agent_port, true, &[]);
    let talk = Duration::from_secs(6);
    let customer = customer_calls(
        "transfer-refused",
        "uac_refer_refused.xml",
        agent_port,
        talk,
        talk.as_millis() - 1_000,
        &[("refer_to", format!("sip:third@127.0.0.1:{trap_port}"))],
    )
    .await;
    agent.await.unwrap().assert_clean();

    let mut buf = [0u8; 2048];
    assert!(
        trap.try_recv_from(&mut buf).is_err(),
        "the Refer-To's address got a datagram"
    );
    let late = echoes_since(&customer.echoes, Duration::from_secs(4));
    assert!(late >= 40, "{late} echoes after the refused REFER");
    let record = customer.record;
    assert!(!record.tags.iter().any(|t| t == TRANSFERRED_TAG));
    assert_eq!(record.hangup_side, HangupSide::Caller);
}

/// A queue agent's registered phone (digest-registered sipp) transfers the caller to
/// a number in the tenant's domain, `sip:0888777666@demo`, which goes out like a dial
/// of it (here through the number gateway, a ringing sipp); the CDR keeps the queue
/// and the agent and shows the transfer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_agent_transfers_the_caller_to_a_number() {
    if !sipp_available() {
        return;
    }
    let gateway_port = free_udp_port();
    let gateway = format!("127.0.0.1:{gateway_port}").parse().unwrap();
    let mut harness = queue_support::start(
        gateway,
        wasmphony_acd::QueueConfig::default(),
        "transfer-queue-agent",
    )
    .await;
    let agent_port = free_udp_port();
    queue_support::register_agent(harness.sip, agent_port).await;
    let third = spawn_party("uas_rings_then_answers.xml", gateway_port, true, &[]);
    let agent = spawn_party(
        "uas_agent_transfers.xml",
        agent_port,
        false,
        &[("refer_to", "sip:0888777666@demo".into())],
    );
    // The caller presses 1 (SIP INFO) 3 s after the answer and hangs up 9 s after that.
    let mut args = uac_args("uac_queue_overflow.xml", harness.sip, &[]);
    args.extend(["-d".into(), "9000".into()]);
    run_sipp(args).await.assert_clean();
    agent.await.unwrap().assert_clean();
    third.await.unwrap().assert_clean();

    let record = harness.next_record().await;
    assert_transferred(&record, queue_support::AGENT, "0888777666");
    assert_eq!(record.queue.as_deref(), Some(queue_support::QUEUE));
    assert_eq!(record.agent.as_deref(), Some(queue_support::AGENT));
    assert_eq!(record.hangup_side, HangupSide::Caller);
}

/// The party a scenario's transfer reached transfers the customer again: the agent hands
/// the customer to a third party (a SIP URI, so staff), which rings, answers and hands it
/// on to a fourth (both referrers' sipps check 202, NOTIFY 100/200, 491 for a second
/// REFER while their transfer runs, and the host's BYE). The customer ends up hearing
/// the fourth party, the only one that echoes, and the CDR names the last transfer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_party_a_transfer_reached_transfers_again() {
    if !sipp_available() {
        return;
    }
    let fourth_port = free_udp_port();
    let fourth = spawn_party("uas_rings_then_answers.xml", fourth_port, true, &[]);
    let fourth_uri = format!("sip:fourth@127.0.0.1:{fourth_port}");
    let third_port = free_udp_port();
    let third = spawn_party(
        "uas_rings_then_transfers.xml",
        third_port,
        false,
        &[("refer_to", fourth_uri.clone())],
    );
    let third_uri = format!("sip:third@127.0.0.1:{third_port}");
    let agent_port = free_udp_port();
    let agent = spawn_party(
        "uas_agent_transfers.xml",
        agent_port,
        false,
        &[("refer_to", third_uri.clone())],
    );
    let customer = customer_talks("transfer-again", agent_port, Duration::from_secs(10)).await;
    agent.await.unwrap().assert_clean();
    third.await.unwrap().assert_clean();
    fourth.await.unwrap().assert_clean();

    let echoes = &customer.echoes;
    assert_heard(echoes, "the fourth party");
    // Nobody before the fourth party echoes: REFER 1 s after the agent's answer, 1.5 s
    // of the third ringing, its REFER 1 s later, 1.5 s of the fourth ringing.
    assert!(
        echoes[0] >= Duration::from_secs(4),
        "first echo at {:?}",
        echoes[0]
    );
    let record = customer.record;
    assert_transferred(&record, &third_uri, &fourth_uri);
    assert_eq!(transfers_logged(&record), 2, "{:?}", record.log);
    assert_eq!(record.hangup_side, HangupSide::Caller);
}
