//! Our UAC places a call to sipp's built-in callee (`-sn uas`): INVITE, 180, 200, ACK, BYE, 200.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::time::Duration;

use bytes::Bytes;
use support::*;
use wasmphony_sip::dialog::Dialog;
use wasmphony_sip::endpoint::{ClientEvent, Endpoint, EndpointConfig, Target};
use wasmphony_sip::ids::{new_call_id, new_tag};
use wasmphony_sip::message::{CallId, HeaderName, Method, NameAddr, Request, StatusCode, Uri};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_uac_completes_a_call_to_sipp_uas() {
    if !sipp_available() {
        return;
    }
    let port = free_udp_port();
    let args: Vec<String> = vec![
        "-sn".into(),
        "uas".into(),
        "-i".into(),
        "127.0.0.1".into(),
        "-p".into(),
        port.to_string(),
        "-m".into(),
        "1".into(),
    ];
    let sipp = tokio::spawn(async move { run_sipp(&args).await });
    let (ep, _rx) = Endpoint::bind(EndpointConfig::udp("127.0.0.1:0".parse().unwrap()))
        .await
        .unwrap();
    let target = Target::udp(format!("127.0.0.1:{port}").parse().unwrap());
    let local = ep.local_addr_for(target).unwrap();
    let mut from = NameAddr::new(Uri::parse(&format!("sip:wasmphony@{local}")).unwrap());
    from.set_tag(&new_tag());
    let to_uri = Uri::parse(&format!("sip:sipp@127.0.0.1:{port}")).unwrap();
    let mut invite = Request::new(
        Method::Invite,
        to_uri.clone(),
        from,
        NameAddr::new(to_uri),
        CallId(new_call_id()),
        1,
    );
    invite
        .head
        .headers
        .push(HeaderName::Contact, format!("<sip:wasmphony@{local}>"));
    invite.set_body("application/sdp", Bytes::from_static(ANSWER_SDP));

    // sipp needs a moment to bind; the INVITE is retransmitted by timer A anyway.
    let mut tx = ep.send_request(invite, target).await.unwrap();
    let mut provisional = Vec::new();
    let ok = loop {
        match tokio::time::timeout(Duration::from_secs(10), tx.next_event())
            .await
            .expect("answer in time")
        {
            Some(ClientEvent::Response(r)) if r.status.is_final() => break r,
            Some(ClientEvent::Response(r)) => provisional.push(r.status),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(ok.status, StatusCode::OK);
    assert!(provisional.contains(&StatusCode::RINGING));
    assert_eq!(ok.head.content_type(), Some("application/sdp"));
    let mut dialog = Dialog::as_uac(tx.request(), &ok).unwrap();
    ep.send_ack(dialog.ack(1), target).await.unwrap();
    let mut bye = ep
        .send_request(dialog.new_request(Method::Bye), target)
        .await
        .unwrap();
    let bye_ok = tokio::time::timeout(Duration::from_secs(10), bye.final_response())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bye_ok.status, StatusCode::OK);
    let run = sipp.await.unwrap();
    assert_eq!(
        run.code,
        Some(0),
        "sipp failed:\n{}\n{}",
        run.stdout,
        run.stderr
    );
}
