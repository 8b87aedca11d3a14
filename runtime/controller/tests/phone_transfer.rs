//! Blind transfer (REFER) by the phone that made a direct call, with real peers on
//! loopback: extension 101 (sipp, digest-authenticated) calls a number, which the
//! tenant's trunk carries to the called party (sipp as the carrier's customer), and
//! then hands that party to a third sipp party with REFER on its own leg.
//! The test's own socket is the called party's RTP: it sends marked audio and counts
//! what comes back, and only the third party (or, where said, the phone) echoes.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod queue_support;
mod support;
mod transfer_support;

use std::net::SocketAddr;
use std::time::Duration;

use queue_support::{AGENT, AGENT_SECRET, register_phone};
use support::*;
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;
use transfer_support::called_party::CalledParty;
use transfer_support::cdr::{assert_not_transferred, assert_transferred, transfers_logged, var};
use transfer_support::echoes::{assert_heard, echoes_since};
use transfer_support::parties::listening_party;
use transfer_support::{
    COLLEAGUE, COLLEAGUE_SECRET, CUSTOMER, THIRD_STAFF, THIRD_STAFF_SECRET,
    start_with_customer_trunk,
};
use wasmphony_controller::{DIRECT_CALL, HangupSide};

/// sipp as [`AGENT`]'s phone calling [`CUSTOMER`] with `xml`, transferring to
/// `refer_to`; its RTP echoed when `echo`.
fn phone(sip: SocketAddr, xml: &str, refer_to: &str, echo: bool) -> JoinHandle<SippRun> {
    phone_calling(sip, xml, CUSTOMER, refer_to, echo)
}

/// sipp as [`AGENT`]'s phone calling `dialed` with `xml`, transferring to `refer_to`;
/// its RTP echoed when `echo`.
fn phone_calling(
    sip: SocketAddr,
    xml: &str,
    dialed: &str,
    refer_to: &str,
    echo: bool,
) -> JoinHandle<SippRun> {
    let mut args = vec![
        sip.to_string(),
        "-sf".into(),
        sipp_xml(xml),
        "-i".into(),
        "127.0.0.1".into(),
        "-p".into(),
        free_udp_port().to_string(),
        "-mp".into(),
        free_udp_port().to_string(),
        "-m".into(),
        "1".into(),
        "-s".into(),
        dialed.into(),
        "-au".into(),
        AGENT.into(),
        "-ap".into(),
        AGENT_SECRET.into(),
    ];
    for (key, value) in [("phone", AGENT), ("domain", TENANT), ("refer_to", refer_to)] {
        args.extend(["-key".to_string(), key.to_string(), value.to_string()]);
    }
    if echo {
        args.push("-rtp_echo".into());
    }
    tokio::spawn(run_sipp(args))
}

/// The phone hands the party it called to a third party: 202, NOTIFY `100 Trying` then
/// `200 OK` (sipp checks the sipfrag bodies, Event and Subscription-State), the third
/// party's INVITE shows the called party's number (its sipp checks the From), the called
/// party hears the third party, the phone gets the host's BYE, and the CDR shows the
/// transfer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_transfers_the_party_it_called_to_a_third_party() {
    if !sipp_available() {
        return;
    }
    let customer_port = free_udp_port();
    let mut harness = start_with_customer_trunk(customer_port, "phone-transfer").await;
    let third_port = free_udp_port();
    let third = listening_party("uas_target_sees_called_party.xml", third_port, true, &[]).await;
    let mut customer =
        CalledParty::answers(customer_port, Duration::from_secs(7), "phone-transfer").await;
    let refer_to = format!("sip:third@127.0.0.1:{third_port}");
    let phone = phone(harness.sip, "uac_phone_transfers.xml", &refer_to, false);

    let echoes = customer.talk().await;

    customer.assert_clean().await;
    phone.await.unwrap().assert_clean();
    third.await.unwrap().assert_clean();
    assert_heard(&echoes, "the third party");

    let record = harness.next_record().await;
    assert_eq!(record.scenario, DIRECT_CALL);
    assert_eq!(record.from, AGENT);
    assert_transferred(&record, AGENT, &refer_to);
    assert!(transfers_logged(&record) > 0, "{:?}", record.log);
    assert!(record.answered_at.is_some(), "answered");
    // The called party hung up on the third party.
    assert_eq!(record.hangup_side, HangupSide::Callee);
    assert_eq!(harness.controller.live_calls(), 0, "calls leaked");
}

/// A transfer to a party that declines: the phone's NOTIFYs say `100 Trying` then the
/// target's own `603 Decline` (sipp checks them), and the phone keeps the called party:
/// its echo goes on until the called party hangs up, when the phone gets BYE; the CDR
/// shows no transfer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_phone_transfer_leaves_the_phone_with_the_party_it_called() {
    if !sipp_available() {
        return;
    }
    let customer_port = free_udp_port();
    let mut harness = start_with_customer_trunk(customer_port, "phone-transfer-declined").await;
    let third_port = free_udp_port();
    let third = listening_party("uas_declines.xml", third_port, false, &[]).await;
    let mut customer = CalledParty::answers(
        customer_port,
        Duration::from_secs(5),
        "phone-transfer-declined",
    )
    .await;
    let phone = phone(
        harness.sip,
        "uac_phone_transfer_fails.xml",
        &format!("sip:third@127.0.0.1:{third_port}"),
        true,
    );

    let echoes = customer.talk().await;

    customer.assert_clean().await;
    phone.await.unwrap().assert_clean();
    third.await.unwrap().assert_clean();
    // The refusal comes about a second in; the phone's echo goes on to the end.
    let late = echoes_since(&echoes, Duration::from_secs(3));
    assert!(late >= 20, "{late} echoes after the failed transfer");
    let record = harness.next_record().await;
    assert_eq!(record.scenario, DIRECT_CALL);
    assert_not_transferred(&record);
    assert_eq!(harness.controller.live_calls(), 0, "calls leaked");
}

/// The phone hangs up right after its REFER's `100 Trying`, while the target still
/// rings: its BYE is answered, the called party is not dropped, and once the third party
/// answers the called party hears it; the CDR shows the transfer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_called_party_stays_when_the_phone_hangs_up_during_its_transfer() {
    if !sipp_available() {
        return;
    }
    let customer_port = free_udp_port();
    let mut harness = start_with_customer_trunk(customer_port, "phone-transfer-hangs-up").await;
    let third_port = free_udp_port();
    let third = listening_party("uas_target_sees_called_party.xml", third_port, true, &[]).await;
    let mut customer = CalledParty::answers(
        customer_port,
        Duration::from_secs(7),
        "phone-transfer-hangs-up",
    )
    .await;
    let refer_to = format!("sip:third@127.0.0.1:{third_port}");
    let phone = phone(
        harness.sip,
        "uac_phone_transfers_hangs_up.xml",
        &refer_to,
        false,
    );

    let echoes = customer.talk().await;

    phone.await.unwrap().assert_clean();
    customer.assert_clean().await;
    third.await.unwrap().assert_clean();
    assert_heard(&echoes, "the third party");
    let record = harness.next_record().await;
    assert_transferred(&record, AGENT, &refer_to);
    assert_eq!(record.hangup_side, HangupSide::Callee);
    assert_eq!(harness.controller.live_calls(), 0, "calls leaked");
}

/// The called party hangs up while the target still rings: the ringing stops (the
/// target's sipp expects CANCEL), the phone hears `487 Request Terminated` and gets BYE,
/// and the CDR shows no transfer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_called_party_hanging_up_stops_the_phones_transfer() {
    if !sipp_available() {
        return;
    }
    let customer_port = free_udp_port();
    let mut harness = start_with_customer_trunk(customer_port, "phone-transfer-abandoned").await;
    let third_port = free_udp_port();
    let third = listening_party("uas_rings_until_cancelled.xml", third_port, false, &[]).await;
    // The called party hangs up 2.5 s after answering; the phone's REFER comes at 1 s.
    let talk = Duration::from_millis(1_500);
    let customer = CalledParty::answers(customer_port, talk, "phone-transfer-abandoned").await;
    let phone = phone(
        harness.sip,
        "uac_phone_transfer_abandoned.xml",
        &format!("sip:third@127.0.0.1:{third_port}"),
        false,
    );

    customer.assert_clean().await;
    phone.await.unwrap().assert_clean();
    third.await.unwrap().assert_clean();
    let record = harness.next_record().await;
    assert_eq!(record.scenario, DIRECT_CALL);
    assert_not_transferred(&record);
    assert_eq!(harness.controller.live_calls(), 0, "calls leaked");
}

/// The party the phone handed the call to is staff (a SIP URI the phone named) and
/// transfers it again (its sipp checks 202, 491 for a second REFER, NOTIFY 100/200 and
/// the host's BYE): the called party ends up talking with the fourth party, and the CDR
/// names the last transfer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_party_a_phone_transferred_to_may_transfer_again() {
    if !sipp_available() {
        return;
    }
    let customer_port = free_udp_port();
    let mut harness = start_with_customer_trunk(customer_port, "phone-transfer-twice").await;
    let fourth_port = free_udp_port();
    let fourth = listening_party("uas_target_sees_called_party.xml", fourth_port, true, &[]).await;
    let fourth_uri = format!("sip:fourth@127.0.0.1:{fourth_port}");
    let third_port = free_udp_port();
    let third = listening_party(
        "uas_agent_transfers.xml",
        third_port,
        false,
        &[("refer_to", fourth_uri.clone())],
    )
    .await;
    let third_uri = format!("sip:third@127.0.0.1:{third_port}");
    let mut customer = CalledParty::answers(
        customer_port,
        Duration::from_secs(8),
        "phone-transfer-twice",
    )
    .await;
    let phone = phone(harness.sip, "uac_phone_transfers.xml", &third_uri, false);

    let echoes = customer.talk().await;

    customer.assert_clean().await;
    phone.await.unwrap().assert_clean();
    third.await.unwrap().assert_clean();
    fourth.await.unwrap().assert_clean();
    assert_heard(&echoes, "the fourth party");
    let record = harness.next_record().await;
    assert_transferred(&record, &third_uri, &fourth_uri);
    assert_eq!(transfers_logged(&record), 2, "{:?}", record.log);
    assert_eq!(record.hangup_side, HangupSide::Callee);
    assert_eq!(harness.controller.live_calls(), 0, "calls leaked");
}

/// A phone's direct call to a colleague: both legs are staff, so both may transfer, but
/// one at a time. While the phone's transfer rings its target, the colleague's own REFER
/// is refused with 491 (its sipp expects it; a 202 would be an order the bridge drops
/// once the phone's transfer hands the colleague over). The phone's transfer goes on:
/// NOTIFY 100/200 and BYE (its sipp checks them), the colleague then talks with the
/// target until it hangs up, and the CDR shows the phone's transfer only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_called_colleague_cannot_transfer_while_the_phones_transfer_runs() {
    if !sipp_available() {
        return;
    }
    let mut harness = start_with_customer_trunk(free_udp_port(), "phone-transfer-turns").await;
    let colleague_port = free_udp_port();
    register_phone(harness.sip, colleague_port, COLLEAGUE, COLLEAGUE_SECRET).await;
    let third_port = free_udp_port();
    let third = listening_party("uas_rings_long_then_answers.xml", third_port, false, &[]).await;
    let third_uri = format!("sip:third@127.0.0.1:{third_port}");
    // Nobody listens there: the refused REFER must dial nothing.
    let trap = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let trap_uri = format!("sip:trap@127.0.0.1:{}", trap.local_addr().unwrap().port());
    let colleague = listening_party(
        "uas_called_refers_during_transfer.xml",
        colleague_port,
        false,
        &[("refer_to", trap_uri)],
    )
    .await;
    let phone = phone_calling(
        harness.sip,
        "uac_phone_transfers.xml",
        COLLEAGUE,
        &third_uri,
        false,
    );

    phone.await.unwrap().assert_clean();
    colleague.await.unwrap().assert_clean();
    third.await.unwrap().assert_clean();
    let mut buf = [0u8; 2048];
    assert!(
        trap.try_recv_from(&mut buf).is_err(),
        "the refused REFER's target got a datagram"
    );
    let record = harness.next_record().await;
    assert_eq!(record.scenario, DIRECT_CALL);
    assert_eq!(var(&record, "transferred_by"), Some(AGENT));
    assert_eq!(var(&record, "transferred_to"), Some(third_uri.as_str()));
    assert_eq!(transfers_logged(&record), 1, "{:?}", record.log);
    // The colleague hung up on the phone's target.
    assert_eq!(record.hangup_side, HangupSide::Callee);
    assert_eq!(harness.controller.live_calls(), 0, "calls leaked");
}

/// The phone hands the party it called to a colleague's extension, which hands it on to
/// a third extension: the called party ends up talking with the third extension, and
/// the CDR's agent is that extension, the last of the staff who had the call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cdr_agent_is_the_last_extension_a_direct_call_was_handed_to() {
    if !sipp_available() {
        return;
    }
    let customer_port = free_udp_port();
    let mut harness = start_with_customer_trunk(customer_port, "phone-transfer-agents").await;
    let colleague_port = free_udp_port();
    register_phone(harness.sip, colleague_port, COLLEAGUE, COLLEAGUE_SECRET).await;
    let third_port = free_udp_port();
    register_phone(harness.sip, third_port, THIRD_STAFF, THIRD_STAFF_SECRET).await;
    let third = listening_party("uas_rings_then_answers.xml", third_port, true, &[]).await;
    let third_uri = format!("sip:{THIRD_STAFF}@{TENANT}");
    let colleague = listening_party(
        "uas_agent_transfers.xml",
        colleague_port,
        false,
        &[("refer_to", third_uri.clone())],
    )
    .await;
    let mut customer = CalledParty::answers(
        customer_port,
        Duration::from_secs(8),
        "phone-transfer-agents",
    )
    .await;
    let phone = phone(
        harness.sip,
        "uac_phone_transfers.xml",
        &format!("sip:{COLLEAGUE}@{TENANT}"),
        false,
    );

    let echoes = customer.talk().await;

    customer.assert_clean().await;
    phone.await.unwrap().assert_clean();
    colleague.await.unwrap().assert_clean();
    third.await.unwrap().assert_clean();
    assert_heard(&echoes, "the third extension");
    let record = harness.next_record().await;
    assert_eq!(record.scenario, DIRECT_CALL);
    assert_eq!(record.agent.as_deref(), Some(THIRD_STAFF));
    assert_eq!(var(&record, "transferred_by"), Some(COLLEAGUE));
    assert_eq!(var(&record, "transferred_to"), Some(THIRD_STAFF));
    assert_eq!(transfers_logged(&record), 2, "{:?}", record.log);
    assert_eq!(record.hangup_side, HangupSide::Callee);
    assert_eq!(harness.controller.live_calls(), 0, "calls leaked");
}
