//! Hostile-input edge cases: truncation, mutation, trickled streams, integer limits.

use super::*;

const INVITE: &str = "INVITE sip:bob@192.0.2.4 SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@192.0.2.4>\r\n\
From: \"Al \\\"the\\\" ice\" <sip:alice@192.0.2.1>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@192.0.2.1\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@[2001:db8::1]:5070;transport=tcp>\r\n\
Subject: caf\u{e9} \u{1f600}\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 4\r\n\
\r\n\
v=0\n";

const RESPONSE: &str = "SIP/2.0 180 Ringing\r\n\
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;received=192.0.2.9;rport=4000\r\n\
To: Bob <sip:bob@192.0.2.4>;tag=a6c85cf\r\n\
From: Alice <sip:alice@192.0.2.1>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@192.0.2.1\r\n\
CSeq: 314159 INVITE\r\n\
Content-Length: 0\r\n\r\n";

/// Parses, and when that succeeds checks that serialising and parsing again is stable.
fn check_no_panic_and_stable(data: &[u8]) {
    if let Ok(msg) = parse_datagram(data) {
        let again = parse_datagram(&msg.to_bytes()).unwrap_or_else(|e| {
            panic!(
                "{e:?} reparsing {:?}",
                String::from_utf8_lossy(&msg.to_bytes())
            )
        });
        assert_eq!(
            again,
            msg,
            "round trip of {:?}",
            String::from_utf8_lossy(data)
        );
    }
    let _ = bad_request_for_raw(data, &ParseError::BadHeaderLine);
}

#[test]
fn every_truncation_is_handled() {
    for text in [INVITE, RESPONSE] {
        for end in 0..=text.len() {
            check_no_panic_and_stable(&text.as_bytes()[..end]);
        }
    }
}

#[test]
fn every_single_byte_mutation_is_handled() {
    let hostile = [
        0u8, b'\r', b'\n', b' ', b':', b';', b',', b'"', b'<', b'>', b'[', b']', b'\\', b'@', 0xff,
        0xc3, b'9',
    ];
    for text in [INVITE, RESPONSE] {
        for i in 0..text.len() {
            for b in hostile {
                let mut data = text.as_bytes().to_vec();
                data[i] = b;
                check_no_panic_and_stable(&data);
            }
        }
    }
}

#[test]
fn parsed_messages_round_trip_with_escapes_unicode_and_ipv6() {
    for text in [INVITE, RESPONSE] {
        let msg = parse_datagram(text.as_bytes()).unwrap();
        assert_eq!(parse_datagram(&msg.to_bytes()).unwrap(), msg);
    }
    let Message::Request(r) = parse_datagram(INVITE.as_bytes()).unwrap() else {
        panic!("request")
    };
    assert_eq!(r.head.from.display.as_deref(), Some("Al \\\"the\\\" ice"));
    assert_eq!(
        r.head.headers.get(&HeaderName::Subject),
        Some("caf\u{e9} \u{1f600}")
    );
    assert_eq!(r.head.contact().unwrap().uri.host_port.port, Some(5070));
}

#[test]
fn a_trickled_stream_yields_the_same_messages() {
    let two = format!("{INVITE}\r\n{RESPONSE}");
    let mut framer = StreamFramer::new();
    let mut got = Vec::new();
    for b in two.as_bytes() {
        framer.extend(std::slice::from_ref(b));
        while let Some(m) = framer.next_message().unwrap() {
            got.push(m);
        }
    }
    assert_eq!(got.len(), 2);
    assert_eq!(got[0], parse_datagram(INVITE.as_bytes()).unwrap());
    assert_eq!(got[1], parse_datagram(RESPONSE.as_bytes()).unwrap());
    assert_eq!(framer.buffered(), 0);
}

#[test]
fn stream_ignores_nothing_after_content_length_but_frames_the_next_message() {
    let mut framer = StreamFramer::new();
    framer.extend(
        INVITE
            .replace("Content-Length: 4", "Content-Length: 2")
            .as_bytes(),
    );
    let Some(Message::Request(r)) = framer.next_message().unwrap() else {
        panic!("request")
    };
    assert_eq!(&r.body[..], b"v=");
    // The two leftover bytes ("0\n") start the next message, which is garbage.
    framer.extend(b"\r\n\r\n");
    assert!(framer.next_message().is_err());
}

#[test]
fn content_length_values_are_checked() {
    let cases = [
        ("-1", Err(ParseError::BadHeader("Content-Length"))),
        ("+4", Err(ParseError::BadHeader("Content-Length"))),
        ("4 4", Err(ParseError::BadHeader("Content-Length"))),
        (
            "99999999999999999999",
            Err(ParseError::BadHeader("Content-Length")),
        ),
        (
            "999999999",
            Err(ParseError::BodyTooShort {
                declared: 999_999_999,
                available: 4,
            }),
        ),
        ("0x4", Err(ParseError::BadHeader("Content-Length"))),
    ];
    for (value, expected) in cases {
        let text = INVITE.replace("Content-Length: 4", &format!("Content-Length: {value}"));
        assert_eq!(
            parse_datagram(text.as_bytes()).map(|_| ()),
            expected,
            "{value}"
        );
    }
    let same_twice = INVITE.replace("Content-Length: 4", "Content-Length: 4\r\nl: 4");
    assert!(parse_datagram(same_twice.as_bytes()).is_ok());
    let different = INVITE.replace("Content-Length: 4", "Content-Length: 4\r\nl: 3");
    assert_eq!(
        parse_datagram(different.as_bytes()),
        Err(ParseError::BadHeader("Content-Length"))
    );
}

#[test]
fn cseq_limits_and_method_mismatch() {
    let too_big = INVITE.replace("CSeq: 314159 INVITE", "CSeq: 2147483648 INVITE");
    assert_eq!(
        parse_datagram(too_big.as_bytes()),
        Err(ParseError::BadHeader("CSeq"))
    );
    let overflow = INVITE.replace("CSeq: 314159 INVITE", "CSeq: 99999999999999999999 INVITE");
    assert_eq!(
        parse_datagram(overflow.as_bytes()),
        Err(ParseError::BadHeader("CSeq"))
    );
    let max = INVITE.replace("CSeq: 314159 INVITE", "CSeq: 2147483647 INVITE");
    assert!(parse_datagram(max.as_bytes()).is_ok());
    let mismatch = INVITE.replace("CSeq: 314159 INVITE", "CSeq: 1 BYE");
    assert_eq!(
        parse_datagram(mismatch.as_bytes()),
        Err(ParseError::CSeqMethodMismatch)
    );
}

#[test]
fn header_and_via_counts_are_bounded() {
    let many_vias = INVITE.replace(
        "Max-Forwards",
        &("Via: SIP/2.0/UDP h;branch=z9hG4bKx\r\n".repeat(40) + "Max-Forwards"),
    );
    assert_eq!(
        parse_datagram(many_vias.as_bytes()),
        Err(ParseError::BadHeader("Via"))
    );
    let many_headers = INVITE.replace(
        "Max-Forwards",
        &("X-A: 1\r\n".repeat(MAX_HEADERS + 1) + "Max-Forwards"),
    );
    assert_eq!(
        parse_datagram(many_headers.as_bytes()),
        Err(ParseError::TooManyHeaders)
    );
}

#[test]
fn control_characters_and_bad_utf8_are_refused() {
    let reason = RESPONSE.replace("180 Ringing", "180 Ring\x01ing");
    assert_eq!(
        parse_datagram(reason.as_bytes()),
        Err(ParseError::BadStartLine)
    );
    let value = INVITE.replace("Subject: caf", "Subject: c\x00af");
    assert_eq!(
        parse_datagram(value.as_bytes()),
        Err(ParseError::BadHeaderLine)
    );
    let mut bytes = INVITE.as_bytes().to_vec();
    let at = INVITE.find("Subject").unwrap();
    bytes[at + 9] = 0xff;
    assert_eq!(parse_datagram(&bytes), Err(ParseError::NotUtf8));
}

#[test]
fn bad_request_answers_never_echo_line_breaks_and_skip_acks_and_responses() {
    let raw = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\n\
To: <sip:a@b>\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\nX: \x01\r\n\r\n";
    let answer = bad_request_for_raw(raw.as_bytes(), &ParseError::BadHeaderLine).unwrap();
    let reparsed = parse_datagram(&answer).unwrap();
    let Message::Response(r) = reparsed else {
        panic!("response")
    };
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.reason, "Bad Request - Malformed Header");
    let ack = raw.replace("OPTIONS sip", "ACK sip");
    assert!(bad_request_for_raw(ack.as_bytes(), &ParseError::BadHeaderLine).is_none());
    assert!(bad_request_for_raw(RESPONSE.as_bytes(), &ParseError::BadHeaderLine).is_none());
}
