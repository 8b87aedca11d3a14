//! The endpoint over real loopback sockets: every wait bounded by a timeout.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio::time::timeout;

use super::*;
use crate::dialog::Dialog;
use crate::message::{
    CallId, HeaderName, Message, Method, NameAddr, Request, Response, StatusCode, Uri,
    parse_datagram,
};

const WAIT: Duration = Duration::from_secs(5);

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

async fn endpoint(
    config: EndpointConfig,
) -> (Endpoint, tokio::sync::mpsc::Receiver<Incoming>, SocketAddr) {
    let (ep, rx) = Endpoint::bind(config).await.unwrap();
    let addr = ep.local_addrs(TransportKind::Udp)[0];
    (ep, rx, addr)
}

/// A bare UDP peer that speaks raw text.
struct RawPeer {
    socket: UdpSocket,
    to: SocketAddr,
}

impl RawPeer {
    async fn new(to: SocketAddr) -> RawPeer {
        RawPeer {
            socket: UdpSocket::bind(loopback()).await.unwrap(),
            to,
        }
    }

    fn port(&self) -> u16 {
        self.socket.local_addr().unwrap().port()
    }

    async fn send(&self, text: &str) {
        self.socket.send_to(text.as_bytes(), self.to).await.unwrap();
    }

    async fn recv(&self) -> Response {
        let mut buf = vec![0u8; 65536];
        let (n, _) = timeout(WAIT, self.socket.recv_from(&mut buf))
            .await
            .expect("answer in time")
            .unwrap();
        match parse_datagram(&buf[..n]).unwrap() {
            Message::Response(r) => r,
            Message::Request(r) => panic!("unexpected request {}", r.method),
        }
    }

    async fn nothing_within(&self, wait: Duration) -> bool {
        let mut buf = vec![0u8; 65536];
        timeout(wait, self.socket.recv_from(&mut buf))
            .await
            .is_err()
    }

    fn request(&self, method: &str, branch: &str, call_id: &str) -> String {
        format!(
            "{method} sip:svc@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{};branch=z9hG4bK{branch};rport\r\n\
Max-Forwards: 70\r\nFrom: <sip:peer@127.0.0.1>;tag=p1\r\nTo: <sip:svc@127.0.0.1>\r\nCall-ID: {call_id}\r\n\
CSeq: 1 {method}\r\nContact: <sip:peer@127.0.0.1:{}>\r\nContent-Length: 0\r\n\r\n",
            self.port(),
            self.port()
        )
    }
}

#[tokio::test]
async fn options_is_answered_by_the_endpoint() {
    let (_ep, _rx, addr) = endpoint(EndpointConfig::udp(loopback())).await;
    let peer = RawPeer::new(addr).await;
    peer.send(&peer.request("OPTIONS", "o1", "c-opt")).await;
    let r = peer.recv().await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.head
            .headers
            .get(&HeaderName::Allow)
            .unwrap()
            .contains("INVITE")
    );
    assert!(r.head.to.tag().is_some());
    // rport was filled in with our source port (RFC 3581).
    assert_eq!(r.head.via[0].rport(), Some(Some(peer.port())));
}

#[tokio::test]
async fn malformed_requests_get_400_with_a_reason_or_are_dropped() {
    let (ep, _rx, addr) = endpoint(EndpointConfig::udp(loopback())).await;
    let peer = RawPeer::new(addr).await;
    let bad = peer
        .request("OPTIONS", "m1", "c-bad")
        .replace("Max-Forwards: 70", "Max-Forwards: many");
    peer.send(&bad).await;
    let r = peer.recv().await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.reason, "Bad Request - Malformed Max-Forwards");
    let no_via = peer
        .request("OPTIONS", "m2", "c-bad2")
        .replace("Via:", "X-Via:")
        .replace("CSeq: 1", "CSeq: y");
    peer.send(&no_via).await;
    peer.send("\u{0}\u{1}garbage\r\n\r\n").await;
    assert!(
        peer.nothing_within(Duration::from_millis(300)).await,
        "no Via, no answer"
    );
    let counted = ep.counters().snapshot();
    assert_eq!(
        (counted.malformed_answered, counted.malformed_dropped),
        (1, 2)
    );
    assert_eq!(counted.sent.responses[3], 1, "the 400 is a 4xx sent");
    assert_eq!(counted.received, MessageCounts::default(), "nothing parsed");
}

#[tokio::test]
async fn retransmitted_requests_are_absorbed_and_answered_again() {
    let (ep, mut rx, addr) = endpoint(EndpointConfig::udp(loopback())).await;
    let peer = RawPeer::new(addr).await;
    let msg = peer.request("MESSAGE", "r1", "c-re");
    peer.send(&msg).await;
    let Some(Incoming::Request(mut st)) = timeout(WAIT, rx.recv()).await.unwrap() else {
        panic!("request")
    };
    peer.send(&msg).await;
    let mut ok = st.response(StatusCode::ACCEPTED);
    ok.head.to.set_tag("t1");
    st.respond(ok).await.unwrap();
    assert_eq!(peer.recv().await.status, StatusCode::ACCEPTED);
    peer.send(&msg).await;
    let again = peer.recv().await;
    assert_eq!(
        (again.status, again.head.to.tag()),
        (StatusCode::ACCEPTED, Some("t1"))
    );
    assert!(
        timeout(Duration::from_millis(200), rx.recv())
            .await
            .is_err(),
        "the user saw it once"
    );
    // The retransmission sent before our answer may or may not have crossed it; drain.
    while !peer.nothing_within(Duration::from_millis(100)).await {}
    // INVITE retransmissions get the 100 Trying again, not a second transaction.
    let invite = peer.request("INVITE", "r2", "c-re2");
    peer.send(&invite).await;
    assert_eq!(peer.recv().await.status, StatusCode::TRYING);
    peer.send(&invite).await;
    assert_eq!(peer.recv().await.status, StatusCode::TRYING);
    assert!(matches!(
        timeout(WAIT, rx.recv()).await.unwrap(),
        Some(Incoming::Request(_))
    ));
    assert!(
        timeout(Duration::from_millis(200), rx.recv())
            .await
            .is_err()
    );
    let counted = ep.counters().snapshot();
    assert_eq!(
        counted.retransmissions, 3,
        "two MESSAGE copies, one INVITE copy"
    );
    assert_eq!(counted.received.requests[12], 3, "MESSAGE thrice");
    assert_eq!(counted.received.requests[0], 2, "INVITE twice");
    assert_eq!(
        counted.sent.responses[0], 1,
        "one 100 Trying (its copy is a retransmission)"
    );
    assert_eq!(counted.sent.responses[1], 1, "one 202");
}

#[tokio::test]
async fn sources_over_their_rate_get_503_with_retry_after() {
    let mut config = EndpointConfig::udp(loopback());
    config.rate_limit = RateLimit {
        requests_per_second: 0.001,
        burst: 2.0,
        retry_after_secs: 9,
    };
    let (ep, _rx, addr) = endpoint(config).await;
    let peer = RawPeer::new(addr).await;
    for i in 0..2 {
        peer.send(&peer.request("OPTIONS", &format!("rl{i}"), "c-rl"))
            .await;
        assert_eq!(peer.recv().await.status, StatusCode::OK);
    }
    peer.send(&peer.request("OPTIONS", "rl9", "c-rl")).await;
    let r = peer.recv().await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.head.headers.get(&HeaderName::RetryAfter), Some("9"));
    assert_eq!(ep.counters().snapshot().overload, [1, 0, 0]);
}

#[tokio::test]
async fn a_full_user_queue_means_503_and_a_dropped_transaction_means_500() {
    let mut config = EndpointConfig::udp(loopback());
    config.incoming_queue = 1;
    let (ep, mut rx, addr) = endpoint(config).await;
    let peer = RawPeer::new(addr).await;
    peer.send(&peer.request("MESSAGE", "q1", "c-q")).await;
    peer.send(&peer.request("MESSAGE", "q2", "c-q")).await;
    let r = peer.recv().await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.head.headers.get(&HeaderName::RetryAfter).is_some());
    let first = timeout(WAIT, rx.recv()).await.unwrap();
    drop(first);
    assert_eq!(peer.recv().await.status, StatusCode::SERVER_INTERNAL_ERROR);
    assert_eq!(ep.counters().snapshot().overload, [0, 0, 1]);
}

fn new_invite(from_host: SocketAddr, to: SocketAddr, user: &str) -> Request {
    let mut from = NameAddr::new(Uri::parse(&format!("sip:alice@{from_host}")).unwrap());
    from.set_tag(&crate::ids::new_tag());
    let to_uri = Uri::parse(&format!("sip:{user}@{to}")).unwrap();
    let mut r = Request::new(
        Method::Invite,
        to_uri.clone(),
        from,
        NameAddr::new(to_uri),
        CallId(crate::ids::new_call_id()),
        1,
    );
    r.head
        .headers
        .push(HeaderName::Contact, format!("<sip:alice@{from_host}>"));
    r.set_body("application/sdp", Bytes::from_static(b"v=0\r\n"));
    r
}

/// A UAS: rings, then answers 200 with SDP unless the INVITE is CANCELled; answers BYE.
async fn run_uas(
    ep: Endpoint,
    mut rx: tokio::sync::mpsc::Receiver<Incoming>,
    ring_ms: u64,
) -> Vec<Method> {
    let mut seen = Vec::new();
    let mut dialog: Option<Dialog> = None;
    while let Ok(Some(item)) = timeout(WAIT, rx.recv()).await {
        match item {
            Incoming::Request(mut st) => {
                let method = st.request().method.clone();
                seen.push(method.clone());
                match method {
                    Method::Invite => {
                        let local = ep.local_addr_for(Target::udp(st.source())).unwrap();
                        let d = Dialog::as_uas(
                            st.request(),
                            "uas-tag",
                            Uri::parse(&format!("sip:uas@{local}")).unwrap(),
                        )
                        .unwrap();
                        let mut ringing = st.response(StatusCode::RINGING);
                        d.answer(st.request(), &mut ringing);
                        st.respond(ringing).await.unwrap();
                        let cancelled = st.take_cancellation().unwrap();
                        tokio::select! {
                            _ = cancelled => { seen.push(Method::Cancel); return seen; }
                            _ = tokio::time::sleep(Duration::from_millis(ring_ms)) => {}
                        }
                        let mut ok = st.response(StatusCode::OK);
                        d.answer(st.request(), &mut ok);
                        ok.set_body(
                            "application/sdp",
                            Bytes::from_static(b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"),
                        );
                        st.respond(ok).await.unwrap();
                        dialog = Some(d);
                    }
                    Method::Bye => {
                        assert!(
                            dialog
                                .as_mut()
                                .unwrap()
                                .on_remote_request(st.request())
                                .is_ok()
                        );
                        let ok = st.response(StatusCode::OK);
                        st.respond(ok).await.unwrap();
                        return seen;
                    }
                    _ => {
                        let r = st.response(StatusCode::NOT_IMPLEMENTED);
                        st.respond(r).await.unwrap();
                    }
                }
            }
            Incoming::Ack { .. } => seen.push(Method::Ack),
            Incoming::AckTimeout { .. } => panic!("ACK lost"),
        }
    }
    seen
}

async fn call_flow(transport: TransportKind) {
    let (uas, uas_rx) = Endpoint::bind(EndpointConfig::udp_and_tcp(loopback()))
        .await
        .unwrap();
    let (uac, _uac_rx) = Endpoint::bind(EndpointConfig::udp_and_tcp(loopback()))
        .await
        .unwrap();
    let uas_addr = uas.local_addrs(transport)[0];
    let target = Target {
        addr: uas_addr,
        transport,
    };
    let server = tokio::spawn(run_uas(uas.clone(), uas_rx, 10));
    let invite = new_invite(uac.local_addr_for(target).unwrap(), uas_addr, "bob");
    let mut tx = uac.send_request(invite, target).await.unwrap();
    let mut statuses = Vec::new();
    let ok = loop {
        match timeout(WAIT, tx.next_event()).await.unwrap() {
            Some(ClientEvent::Response(r)) if r.status.is_final() => break r,
            Some(ClientEvent::Response(r)) => statuses.push(r.status),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(statuses, [StatusCode::TRYING, StatusCode::RINGING]);
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.head.content_type(), Some("application/sdp"));
    let mut dialog = Dialog::as_uac(tx.request(), &ok).unwrap();
    uac.send_ack(dialog.ack(tx.request().head.cseq.seq), target)
        .await
        .unwrap();
    let mut bye = uac
        .send_request(dialog.new_request(Method::Bye), target)
        .await
        .unwrap();
    assert_eq!(
        timeout(WAIT, bye.final_response())
            .await
            .unwrap()
            .unwrap()
            .status,
        StatusCode::OK
    );
    let seen = timeout(WAIT, server).await.unwrap().unwrap();
    assert_eq!(seen, [Method::Invite, Method::Ack, Method::Bye]);
    // The 2xx was ACKed, so nothing waits for an ACK any more.
    assert_eq!(uas.stats().await.unwrap().awaiting_ack, 0);
}

#[tokio::test]
async fn invite_ack_bye_between_two_endpoints_over_udp() {
    call_flow(TransportKind::Udp).await;
}

#[tokio::test]
async fn invite_ack_bye_between_two_endpoints_over_tcp() {
    call_flow(TransportKind::Tcp).await;
}

#[tokio::test]
async fn cancel_before_answer_ends_the_invite_with_487() {
    let (uas, uas_rx) = Endpoint::bind(EndpointConfig::udp(loopback()))
        .await
        .unwrap();
    let (uac, _uac_rx) = Endpoint::bind(EndpointConfig::udp(loopback()))
        .await
        .unwrap();
    let target = Target::udp(uas.local_addrs(TransportKind::Udp)[0]);
    let server = tokio::spawn(run_uas(uas.clone(), uas_rx, 60_000));
    let invite = new_invite(uac.local_addr_for(target).unwrap(), target.addr, "bob");
    let mut tx = uac.send_request(invite, target).await.unwrap();
    // Ask to cancel at once: the endpoint holds the CANCEL until a provisional arrives.
    tx.cancel().await.unwrap();
    let final_response = timeout(WAIT, tx.final_response()).await.unwrap().unwrap();
    assert_eq!(final_response.status, StatusCode::REQUEST_TERMINATED);
    assert_eq!(
        final_response.head.to.tag(),
        Some("uas-tag"),
        "487 keeps the tag of the 180"
    );
    let seen = timeout(WAIT, server).await.unwrap().unwrap();
    assert_eq!(seen, [Method::Invite, Method::Cancel]);
}

#[tokio::test]
async fn a_request_to_nobody_times_out_with_timer_f() {
    let mut config = EndpointConfig::udp(loopback());
    config.timers = crate::transaction::Timers {
        t1: Duration::from_millis(10),
        t2: Duration::from_millis(40),
        t4: Duration::from_millis(50),
    };
    let (uac, _rx) = Endpoint::bind(config).await.unwrap();
    let silent = UdpSocket::bind(loopback()).await.unwrap();
    let target = Target::udp(silent.local_addr().unwrap());
    let mut req = new_invite(uac.local_addr_for(target).unwrap(), target.addr, "nobody");
    req.method = Method::Options;
    req.head.cseq.method = Method::Options;
    let mut tx = uac.send_request(req, target).await.unwrap();
    assert_eq!(
        timeout(WAIT, tx.next_event()).await.unwrap(),
        Some(ClientEvent::Timeout)
    );
    // It retransmitted meanwhile (timer E): several copies are waiting in the socket.
    let mut buf = vec![0u8; 65536];
    let mut copies = 0;
    while timeout(Duration::from_millis(50), silent.recv_from(&mut buf))
        .await
        .is_ok()
    {
        copies += 1;
    }
    assert!(copies >= 5, "{copies} copies");
    let stats = uac.stats().await.unwrap();
    assert_eq!(
        stats,
        EndpointStats::default(),
        "a timed-out transaction leaves nothing behind"
    );
    let counted = uac.counters().snapshot();
    assert_eq!(counted.client_timeouts, 1);
    assert_eq!(
        counted.sent.requests[4], 1,
        "one OPTIONS, its copies not counted"
    );
}

#[tokio::test]
async fn transactions_and_timers_are_gone_once_their_timers_ran() {
    let mut config = EndpointConfig::udp(loopback());
    config.timers = crate::transaction::Timers {
        t1: Duration::from_millis(5),
        t2: Duration::from_millis(20),
        t4: Duration::from_millis(20),
    };
    let (uas, uas_rx) = Endpoint::bind(config.clone()).await.unwrap();
    let (uac, _uac_rx) = Endpoint::bind(config).await.unwrap();
    let target = Target::udp(uas.local_addrs(TransportKind::Udp)[0]);
    let server = tokio::spawn(run_uas(uas.clone(), uas_rx, 1));
    let mut tx = uac
        .send_request(
            new_invite(uac.local_addr_for(target).unwrap(), target.addr, "bob"),
            target,
        )
        .await
        .unwrap();
    let ok = timeout(WAIT, tx.final_response()).await.unwrap().unwrap();
    let mut dialog = Dialog::as_uac(tx.request(), &ok).unwrap();
    uac.send_ack(dialog.ack(1), target).await.unwrap();
    let mut bye = uac
        .send_request(dialog.new_request(Method::Bye), target)
        .await
        .unwrap();
    timeout(WAIT, bye.final_response()).await.unwrap().unwrap();
    timeout(WAIT, server).await.unwrap().unwrap();
    assert_ne!(
        uas.stats().await.unwrap(),
        EndpointStats::default(),
        "timers J/L still hold them"
    );
    // 64*T1 = 320 ms is the longest timer here.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(uas.stats().await.unwrap(), EndpointStats::default());
    assert_eq!(uac.stats().await.unwrap(), EndpointStats::default());
}

#[tokio::test]
async fn ipv6_loopback_works_like_ipv4() {
    let Ok(probe) = UdpSocket::bind("[::1]:0").await else {
        // Some sandboxes have no IPv6 at all; nothing to test there.
        return;
    };
    drop(probe);
    let (uas, uas_rx) = Endpoint::bind(EndpointConfig::udp_and_tcp("[::1]:0".parse().unwrap()))
        .await
        .unwrap();
    let (uac, _rx) = Endpoint::bind(EndpointConfig::udp("[::1]:0".parse().unwrap()))
        .await
        .unwrap();
    let target = Target::udp(uas.local_addrs(TransportKind::Udp)[0]);
    let server = tokio::spawn(run_uas(uas.clone(), uas_rx, 1));
    let invite = new_invite(uac.local_addr_for(target).unwrap(), target.addr, "bob");
    assert!(invite.uri.to_string().contains("[::1]"));
    let mut tx = uac.send_request(invite, target).await.unwrap();
    let ok = timeout(WAIT, tx.final_response()).await.unwrap().unwrap();
    assert_eq!(ok.status, StatusCode::OK);
    let mut dialog = Dialog::as_uac(tx.request(), &ok).unwrap();
    assert!(dialog.next_hop().unwrap().is_ipv6());
    uac.send_ack(dialog.ack(1), target).await.unwrap();
    let mut bye = uac
        .send_request(dialog.new_request(Method::Bye), target)
        .await
        .unwrap();
    assert_eq!(
        timeout(WAIT, bye.final_response())
            .await
            .unwrap()
            .unwrap()
            .status,
        StatusCode::OK
    );
    assert_eq!(
        timeout(WAIT, server).await.unwrap().unwrap(),
        [Method::Invite, Method::Ack, Method::Bye]
    );
}

#[tokio::test]
async fn tcp_framing_errors_get_400_then_the_connection_closes() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (ep, _rx) = Endpoint::bind(EndpointConfig::udp_and_tcp(loopback()))
        .await
        .unwrap();
    let addr = ep.local_addrs(TransportKind::Tcp)[0];
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // No Content-Length on a stream: the message cannot be framed.
    let text = "OPTIONS sip:svc@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKt1\r\n\
From: <sip:p@127.0.0.1>;tag=1\r\nTo: <sip:svc@127.0.0.1>\r\nCall-ID: tcp1\r\nCSeq: 1 OPTIONS\r\n\r\n";
    stream.write_all(text.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    timeout(WAIT, stream.read_to_end(&mut answer))
        .await
        .expect("closed in time")
        .unwrap();
    let Message::Response(r) = parse_datagram(&answer).unwrap() else {
        panic!("response")
    };
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.reason, "Bad Request - Missing Content-Length");
}

#[tokio::test]
async fn cancel_after_the_answer_gets_200_and_changes_nothing_unknown_cancel_gets_481() {
    let (_ep, mut rx, addr) = endpoint(EndpointConfig::udp(loopback())).await;
    let peer = RawPeer::new(addr).await;
    let invite = peer.request("INVITE", "c1", "c-late");
    peer.send(&invite).await;
    assert_eq!(peer.recv().await.status, StatusCode::TRYING);
    let Some(Incoming::Request(mut st)) = timeout(WAIT, rx.recv()).await.unwrap() else {
        panic!("request")
    };
    let ok = st.response(StatusCode::OK);
    st.respond(ok).await.unwrap();
    assert_eq!(peer.recv().await.status, StatusCode::OK);
    let cancel = invite
        .replace("INVITE sip:", "CANCEL sip:")
        .replace("CSeq: 1 INVITE", "CSeq: 1 CANCEL");
    peer.send(&cancel).await;
    let r = peer.recv().await;
    assert_eq!(
        (r.status, r.head.cseq.method.clone()),
        (StatusCode::OK, Method::Cancel)
    );
    // Only 2xx retransmissions of the INVITE may follow, never a 487.
    let mut buf = [0u8; 4096];
    while let Ok(Ok((n, _))) =
        timeout(Duration::from_millis(700), peer.socket.recv_from(&mut buf)).await
    {
        let Message::Response(r) = parse_datagram(&buf[..n]).unwrap() else {
            panic!("response")
        };
        assert_eq!(
            (r.status, r.head.cseq.method),
            (StatusCode::OK, Method::Invite)
        );
    }
    let unknown = peer.request("CANCEL", "nope", "c-none");
    peer.send(&unknown).await;
    let mut r = peer.recv().await;
    while r.head.cseq.method != Method::Cancel {
        r = peer.recv().await;
    }
    assert_eq!(r.status, StatusCode::CALL_DOES_NOT_EXIST);
}
