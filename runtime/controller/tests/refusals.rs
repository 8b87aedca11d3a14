//! INVITEs the controller refuses before any scenario runs: an unknown number
//! (404), a missing or unusable SDP offer (488), and no call slot left (503).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use support::*;
use wasmphony_sip::endpoint::{Endpoint, EndpointConfig, Target};
use wasmphony_sip::ids::{new_call_id, new_tag};
use wasmphony_sip::message::{CallId, HeaderName, Method, NameAddr, Request, StatusCode, Uri};

const OFFER: &[u8] = b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
const VIDEO_ONLY: &[u8] = b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 40000 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n";

/// Sends one INVITE for `number` to `controller`; returns the final status.
async fn invite(controller: SocketAddr, number: &str, sdp: Option<&'static [u8]>) -> StatusCode {
    let (ep, _incoming) = Endpoint::bind(EndpointConfig::udp("127.0.0.1:0".parse().unwrap()))
        .await
        .unwrap();
    let target = Target::udp(controller);
    let local = ep.local_addr_for(target).unwrap();
    let mut from = NameAddr::new(Uri::parse(&format!("sip:0888123456@{local}")).unwrap());
    from.set_tag(&new_tag());
    let to = Uri::parse(&format!("sip:{number}@{controller}")).unwrap();
    let mut request = Request::new(
        Method::Invite,
        to.clone(),
        from,
        NameAddr::new(to),
        CallId(new_call_id()),
        1,
    );
    request
        .head
        .headers
        .push(HeaderName::Contact, format!("<sip:caller@{local}>"));
    if let Some(sdp) = sdp {
        request.set_body("application/sdp", Bytes::from_static(sdp));
    }
    let mut transaction = ep.send_request(request, target).await.unwrap();
    let response = tokio::time::timeout(Duration::from_secs(10), transaction.final_response())
        .await
        .unwrap()
        .unwrap();
    response.status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_numbers_and_unusable_offers_are_refused() {
    let harness = start(Setup::test_guest("ok"), "refusals").await;
    assert_eq!(
        invite(harness.sip, "5550000", Some(OFFER)).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        invite(harness.sip, NUMBER, None).await,
        StatusCode::NOT_ACCEPTABLE_HERE
    );
    assert_eq!(
        invite(harness.sip, NUMBER, Some(VIDEO_ONLY)).await,
        StatusCode::NOT_ACCEPTABLE_HERE
    );
    assert_eq!(harness.controller.live_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_beyond_capacity_get_503() {
    let mut setup = Setup::test_guest("ok");
    setup.max_calls = 0;
    let harness = start(setup, "capacity").await;
    assert_eq!(
        invite(harness.sip, NUMBER, Some(OFFER)).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(harness.controller.live_calls(), 0);
}
