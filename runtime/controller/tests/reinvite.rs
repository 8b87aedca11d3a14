//! In-dialog offers from a real peer: a sipp caller in `ivr-menu` puts the call on
//! hold with a re-INVITE (`a=sendonly`, answered `a=recvonly`), and the audio to it
//! stops until its unhold re-INVITE; an unchanged re-INVITE (session refresh) and an
//! UPDATE are answered 200, an offer of another codec 488 with the call going on,
//! a REFER from the caller is refused (403: only staff transfer), a re-INVITE for a dialog that
//! does not exist gets 481, and the call ends with the caller's BYE. The caller's RTP socket is ours, so
//! the test sees when audio stopped and resumed.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::time::{Duration, Instant};

use support::*;
use tokio::net::UdpSocket;
use wasmphony_controller::{Disposition, HangupSide};

/// Arrival times of the RTP `socket` receives for `span`.
async fn arrivals(socket: &UdpSocket, span: Duration) -> Vec<Instant> {
    let end = tokio::time::Instant::now() + span;
    let mut got = Vec::new();
    let mut buf = [0u8; 2048];
    while let Ok(Ok(len)) = tokio::time::timeout_at(end, socket.recv(&mut buf)).await {
        if len >= 12 {
            got.push(Instant::now());
        }
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_unhold_refresh_and_a_refused_codec_keep_the_call_going() {
    if !sipp_available() {
        return;
    }
    let config = ivr_config(r#"{"action":"hangup","prompt":"goodbye"}"#);
    let mut harness = start(Setup::shipped("ivr-menu", config), "reinvite").await;
    let sink = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = sink.local_addr().unwrap().port().to_string();
    let args = uac_args("uac_reinvite_hold.xml", harness.sip, &[("rtp_sink", port)]);
    let sipp = tokio::spawn(run_sipp(args));
    // The scenario lasts about 6.5 s; listen past its end.
    let heard = arrivals(&sink, Duration::from_secs(9)).await;
    // sipp checked the answers itself: recvonly to the hold, sendrecv after, 488, 200s,
    // 403 to the caller's REFER, 481 off the dialog.
    sipp.await.unwrap().assert_clean();

    assert!(heard.len() >= 150, "{} packets in all", heard.len());
    let gaps: Vec<(usize, Duration)> = heard
        .windows(2)
        .enumerate()
        .map(|(i, w)| (i, w[1] - w[0]))
        .filter(|(_, gap)| *gap > Duration::from_millis(300))
        .collect();
    assert_eq!(
        gaps.len(),
        1,
        "audio stopped once, for the hold only: {gaps:?}"
    );
    let (at, held) = gaps[0];
    assert!(
        held >= Duration::from_millis(1700) && held <= Duration::from_millis(2600),
        "held for {held:?} (the caller held for 2 s)"
    );
    assert!(at >= 50, "{at} packets before the hold");
    let after = heard.len() - at - 1;
    assert!(
        after >= 100,
        "{after} packets after the unhold: audio resumed and the refreshes kept it going"
    );

    let record = harness.next_record().await;
    assert_eq!(record.disposition, Disposition::Answered);
    assert_eq!(
        record.hangup_side,
        HangupSide::Caller,
        "the caller's BYE ended it"
    );
    harness.assert_no_live_calls().await;
}

/// A dialled callee's own re-INVITEs reach the outbound leg: its hold is answered
/// `a=recvonly` and its unhold `a=sendrecv` (sipp checks both), and the bridge
/// carries audio again after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bridged_callee_holds_and_unholds_its_leg() {
    if !sipp_available() {
        return;
    }
    let callee_port = free_udp_port();
    let xml = sipp_xml("uas_callee_holds.xml");
    let callee = support::talk::sipp_callee(&["-sf", &xml], callee_port, &[]);
    let option_1 = format!(
        r#"{{"action":"dial","targets":["sip:callee@127.0.0.1:{callee_port}"],"strategy":"parallel"}}"#
    );
    let (echoed, record) =
        support::talk::caller_presses_1_and_talks(&option_1, "callee-holds").await;
    callee.await.unwrap().assert_clean();
    assert!(
        echoed >= 50,
        "{echoed} of our packets came back through the callee after its unhold"
    );
    assert_eq!(record.hangup_side, HangupSide::Caller);
}
