//! Parser edge cases and round trips.

use super::*;

const INVITE: &str = "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.atlanta.example.com>\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 4\r\n\
\r\n\
v=0\n";

fn request(text: &str) -> Request {
    match parse_datagram(text.as_bytes()).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => panic!("expected a request"),
    }
}

fn assert_round_trip(msg: &Message) {
    let again = parse_datagram(&msg.to_bytes()).unwrap();
    assert_eq!(&again, msg);
}

#[test]
fn parses_invite_core_headers() {
    let r = request(INVITE);
    assert_eq!(r.method, Method::Invite);
    assert_eq!(r.uri.user.as_deref(), Some("bob"));
    assert_eq!(r.head.branch(), Some("z9hG4bK776asdhds"));
    assert_eq!(r.head.top_via().unwrap().rport(), Some(None));
    assert_eq!(r.head.from.tag(), Some("1928301774"));
    assert_eq!(r.head.from.display.as_deref(), Some("Alice"));
    assert_eq!(r.head.to.display.as_deref(), Some("Bob"));
    assert_eq!(r.head.to.tag(), None);
    assert_eq!(
        r.head.call_id.as_str(),
        "a84b4c76e66710@pc33.atlanta.example.com"
    );
    assert_eq!(
        r.head.cseq,
        CSeq {
            seq: 314159,
            method: Method::Invite
        }
    );
    assert_eq!(r.head.max_forwards, Some(70));
    assert_eq!(r.head.content_type(), Some("application/sdp"));
    assert_eq!(&r.body[..], b"v=0\n");
    assert_round_trip(&Message::Request(r));
}

#[test]
fn folded_headers_are_unfolded() {
    let text = INVITE.replace("Subject-X", "").replace(
        "Content-Type: application/sdp\r\n",
        "Content-Type: application/sdp\r\nSubject: I know you're there,\r\n   pick up the phone\r\n\tplease\r\n",
    );
    let r = request(&text);
    assert_eq!(
        r.head.headers.get(&HeaderName::Subject),
        Some("I know you're there, pick up the phone please")
    );
    assert_round_trip(&Message::Request(r));
}

#[test]
fn compact_forms_map_to_full_names() {
    let text = "OPTIONS sip:a@b SIP/2.0\r\nv: SIP/2.0/TCP 10.0.0.1:5070;branch=z9hG4bKx\r\nf: <sip:x@y>;tag=1\r\n\
t: sip:a@b\r\ni: cid1\r\nCSeq: 2 OPTIONS\r\nm: <sip:x@10.0.0.1>\r\nl: 0\r\nk: timer\r\n\r\n";
    let r = request(text);
    assert_eq!(r.head.top_via().unwrap().transport, ViaTransport::Tcp);
    assert_eq!(r.head.top_via().unwrap().sent_by.port, Some(5070));
    assert_eq!(r.head.call_id.as_str(), "cid1");
    assert_eq!(
        r.head.contact().unwrap().uri.host(),
        &Host::V4("10.0.0.1".parse().unwrap())
    );
    assert_eq!(r.head.headers.get(&HeaderName::Supported), Some("timer"));
    assert_eq!(r.head.max_forwards, None);
    assert_round_trip(&Message::Request(r));
}

#[test]
fn multiple_vias_in_one_line_and_several_lines() {
    let text = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a.example;branch=z9hG4bK1, SIP/2.0/UDP b.example;branch=z9hG4bK2\r\n\
Via: SIP/2.0/TCP [2001:db8::1]:5062;branch=z9hG4bK3;received=[2001:db8::9]\r\n\
From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
    let msg = parse_datagram(text.as_bytes()).unwrap();
    let Message::Response(r) = &msg else { panic!() };
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.reason, "OK");
    assert_eq!(r.head.via.len(), 3);
    assert_eq!(
        r.head.via[2].sent_by.host,
        Host::V6("2001:db8::1".parse().unwrap())
    );
    assert_eq!(
        r.head.via[2].response_address().unwrap(),
        "[2001:db8::9]:5062".parse().unwrap()
    );
    assert_round_trip(&msg);
}

#[test]
fn ipv6_request_uri_and_contact() {
    let text = INVITE.replace(
        "sip:bob@biloxi.example.com SIP",
        "sip:bob@[::1]:5080;transport=tcp SIP",
    );
    let r = request(&text);
    assert_eq!(
        r.uri.host_port.socket_addr(5060).unwrap(),
        "[::1]:5080".parse().unwrap()
    );
    assert_eq!(r.uri.transport_param(), Some("tcp"));
    assert_round_trip(&Message::Request(r));
}

#[test]
fn bytes_after_content_length_are_ignored() {
    let text = format!("{INVITE}GARBAGE AFTER BODY");
    let r = request(&text);
    assert_eq!(&r.body[..], b"v=0\n");
}

#[test]
fn body_shorter_than_content_length_is_an_error() {
    let text = INVITE.replace("Content-Length: 4", "Content-Length: 40");
    assert_eq!(
        parse_datagram(text.as_bytes()),
        Err(ParseError::BodyTooShort {
            declared: 40,
            available: 4
        })
    );
}

#[test]
fn malformed_content_length_is_an_error() {
    for bad in [
        "Content-Length: -1",
        "Content-Length: abc",
        "Content-Length: 99999999999",
        "Content-Length: ",
    ] {
        let text = INVITE.replace("Content-Length: 4", bad);
        assert_eq!(
            parse_datagram(text.as_bytes()),
            Err(ParseError::BadHeader("Content-Length")),
            "{bad}"
        );
    }
}

#[test]
fn missing_content_length_on_udp_takes_the_rest() {
    let text = INVITE.replace("Content-Length: 4\r\n", "");
    assert_eq!(&request(&text).body[..], b"v=0\n");
}

#[test]
fn missing_mandatory_headers_are_named() {
    for (line, name) in [
        (
            "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport\r\n",
            "Via",
        ),
        ("To: Bob <sip:bob@biloxi.example.com>\r\n", "To"),
        (
            "From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n",
            "From",
        ),
        (
            "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n",
            "Call-ID",
        ),
        ("CSeq: 314159 INVITE\r\n", "CSeq"),
    ] {
        let text = INVITE.replace(line, "");
        let err = parse_datagram(text.as_bytes()).unwrap_err();
        assert_eq!(err, ParseError::MissingHeader(name));
        let answer = bad_request_for_raw(text.as_bytes(), &err);
        assert!(answer.is_none(), "no 400 possible without {name}");
    }
}

#[test]
fn bad_request_answer_carries_reason_and_echoes_core_headers() {
    let text = INVITE.replace("CSeq: 314159 INVITE", "CSeq: 314159 BYE");
    let err = parse_datagram(text.as_bytes()).unwrap_err();
    assert_eq!(err, ParseError::CSeqMethodMismatch);
    let answer = bad_request_for_raw(text.as_bytes(), &err).unwrap();
    let Message::Response(r) = parse_datagram(&answer).unwrap() else {
        panic!()
    };
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.reason, "Bad Request - CSeq Method Mismatch");
    assert_eq!(
        r.head.call_id.as_str(),
        "a84b4c76e66710@pc33.atlanta.example.com"
    );
}

#[test]
fn oversize_is_refused() {
    let big = format!("{}{}", INVITE, "x".repeat(MAX_MESSAGE_SIZE));
    assert!(matches!(
        parse_datagram(big.as_bytes()),
        Err(ParseError::TooLarge { .. })
    ));
    let mut framer = StreamFramer::new();
    framer.extend(b"INVITE sip:a@b SIP/2.0\r\n");
    framer.extend("X-Pad: y\r\n".repeat(MAX_MESSAGE_SIZE / 10 + 1).as_bytes());
    assert!(matches!(
        framer.next_message(),
        Err(ParseError::TooLarge { .. })
    ));
    let mut framer = StreamFramer::new();
    framer.extend(
        INVITE
            .replace("Content-Length: 4", "Content-Length: 900000")
            .as_bytes(),
    );
    assert!(matches!(
        framer.next_message(),
        Err(ParseError::TooLarge { .. })
    ));
}

#[test]
fn garbage_bytes_give_typed_errors() {
    let cases: &[&[u8]] = &[
        b"",
        b"\r\n\r\n",
        b"\x00\x01\x02\xff\xfe",
        b"hello world\r\n\r\n",
        b"INVITE sip:a@b SIP/2.0",
        b"INVITE sip:a@b SIP/3.0\r\n\r\n",
        b"INVITE <sip:a@b> SIP/2.0\r\n\r\n",
        b"INV\xffITE sip:a@b SIP/2.0\r\n\r\n",
        b"SIP/2.0 9999 Nope\r\n\r\n",
        b"SIP/2.0 099 Nope\r\n\r\n",
        b"INVITE sip:a@b SIP/2.0\r\nNo colon here\r\n\r\n",
        b"INVITE sip:a@b SIP/2.0\r\n folded first\r\n\r\n",
        b"INVITE sip:a@b SIP/2.0\r\nVia: HTTP/1.1 x\r\n\r\n",
        b"INVITE sip:a@[::1 SIP/2.0\r\n\r\n",
        b"INVITE sip:a@b:99999 SIP/2.0\r\n\r\n",
    ];
    for case in cases {
        assert!(
            parse_datagram(case).is_err(),
            "{:?}",
            String::from_utf8_lossy(case)
        );
    }
}

#[test]
fn duplicate_single_headers_are_refused() {
    let text = INVITE.replace(
        "CSeq: 314159 INVITE\r\n",
        "CSeq: 314159 INVITE\r\nCSeq: 1 INVITE\r\n",
    );
    assert_eq!(
        parse_datagram(text.as_bytes()),
        Err(ParseError::BadHeader("CSeq"))
    );
}

#[test]
fn stream_framer_splits_by_content_length_and_skips_keepalives() {
    let mut framer = StreamFramer::new();
    let two = format!("\r\n\r\n{INVITE}{INVITE}");
    let (a, b) = two.as_bytes().split_at(37);
    framer.extend(a);
    assert_eq!(framer.next_message().unwrap(), None);
    framer.extend(b);
    let first = framer.next_message().unwrap().unwrap();
    let second = framer.next_message().unwrap().unwrap();
    assert_eq!(first, second);
    assert_eq!(framer.next_message().unwrap(), None);
    assert_eq!(framer.buffered(), 0);
}

#[test]
fn stream_requires_content_length() {
    let mut framer = StreamFramer::new();
    framer.extend(INVITE.replace("Content-Length: 4\r\n", "").as_bytes());
    assert_eq!(framer.next_message(), Err(ParseError::MissingContentLength));
}

#[test]
fn via_stamping_follows_rfc3581() {
    let mut via = Via::parse("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKa;rport").unwrap();
    via.stamp_source("203.0.113.7:40000".parse().unwrap());
    assert_eq!(via.received(), Some("203.0.113.7"));
    assert_eq!(via.rport(), Some(Some(40000)));
    assert_eq!(
        via.response_address().unwrap(),
        "203.0.113.7:40000".parse().unwrap()
    );

    let mut plain = Via::parse("SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bKa").unwrap();
    plain.stamp_source("10.0.0.5:6000".parse().unwrap());
    assert_eq!(plain.received(), None);
    assert_eq!(
        plain.response_address().unwrap(),
        "10.0.0.5:5070".parse().unwrap()
    );
}

#[test]
fn name_addr_forms() {
    let a = NameAddr::parse("sip:alice@example.com;tag=abc").unwrap();
    assert_eq!(a.tag(), Some("abc"));
    assert!(a.uri.params.0.is_empty());
    let b = NameAddr::parse("Alice   Smith <sip:alice@example.com;transport=tcp>;tag=x;+sip.instance=\"<urn:uuid:1;2>\"").unwrap();
    assert_eq!(b.display.as_deref(), Some("Alice Smith"));
    assert_eq!(b.uri.transport_param(), Some("tcp"));
    assert_eq!(b.params.value("+sip.instance"), Some("\"<urn:uuid:1;2>\""));
    assert_eq!(NameAddr::parse(&b.to_string()).unwrap(), b);
    assert!(NameAddr::parse("\"unterminated <sip:a@b>").is_err());
}
