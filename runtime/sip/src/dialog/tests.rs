//! Dialog creation from both sides, in-dialog requests, CSeq checks, route sets.

use super::*;
use crate::message::{Message, StatusCode, parse_datagram, response_to};

fn invite() -> Request {
    let text = "INVITE sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n\
Record-Route: <sip:p1.example;lr>, <sip:192.0.2.9:5080;lr>\r\n\
From: <sip:alice@a.example>;tag=A\r\nTo: <sip:bob@b.example>\r\nCall-ID: call-1\r\nCSeq: 7 INVITE\r\n\
Contact: <sip:alice@192.0.2.1:5070>\r\nContent-Length: 0\r\n\r\n";
    match parse_datagram(text.as_bytes()).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => unreachable!(),
    }
}

#[test]
fn uas_and_uac_see_mirror_images_of_one_dialog() {
    let inv = invite();
    let uas = Dialog::as_uas(&inv, "B", Uri::parse("sip:bob@192.0.2.2").unwrap()).unwrap();
    let mut ok = response_to(&inv, StatusCode::OK);
    uas.answer(&inv, &mut ok);
    assert_eq!(ok.head.to.tag(), Some("B"));
    let uac = Dialog::as_uac(&inv, &ok).unwrap();
    assert_eq!(
        uac.id,
        DialogId {
            call_id: "call-1".into(),
            local_tag: "A".into(),
            remote_tag: "B".into()
        }
    );
    assert_eq!(uas.id.local_tag, uac.id.remote_tag);
    assert_eq!(uac.remote_target.to_string(), "sip:bob@192.0.2.2");
    // The UAC reverses the Record-Route list; the UAS keeps it.
    assert_eq!(uas.route_set[0].uri.to_string(), "sip:p1.example;lr");
    assert_eq!(uac.route_set[0].uri.to_string(), "sip:192.0.2.9:5080;lr");
    assert_eq!(uac.next_hop(), Some("192.0.2.9:5080".parse().unwrap()));
    assert_eq!(uas.next_hop(), None, "host names need DNS");
}

#[test]
fn in_dialog_requests_count_cseq_and_carry_routes() {
    let inv = invite();
    let mut ok = response_to(&inv, StatusCode::OK);
    ok.head.to.set_tag("B");
    ok.head
        .headers
        .push(HeaderName::Contact, "<sip:bob@192.0.2.2:5062>");
    ok.head.headers.push(
        HeaderName::RecordRoute,
        "<sip:p1.example;lr>, <sip:192.0.2.9:5080;lr>",
    );
    let mut uac = Dialog::as_uac(&inv, &ok).unwrap();
    let ack = uac.ack(7);
    assert_eq!((ack.head.cseq.seq, ack.method.clone()), (7, Method::Ack));
    let bye = uac.new_request(Method::Bye);
    assert_eq!(bye.head.cseq.seq, 8);
    assert_eq!(bye.uri.to_string(), "sip:bob@192.0.2.2:5062");
    assert_eq!(bye.head.from.tag(), Some("A"));
    assert_eq!(bye.head.to.tag(), Some("B"));
    assert_eq!(bye.head.headers.get_all(&HeaderName::Route).count(), 2);
    // It parses back (what goes on the wire is valid once a Via is added).
    let mut wire = bye.clone();
    wire.head
        .via
        .push(crate::message::Via::parse("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK2").unwrap());
    assert!(parse_datagram(&wire.to_bytes()).is_ok());
}

#[test]
fn remote_requests_must_increase_cseq_and_match_the_dialog() {
    let inv = invite();
    let mut uas = Dialog::as_uas(&inv, "B", Uri::parse("sip:bob@192.0.2.2").unwrap()).unwrap();
    let mut ok = response_to(&inv, StatusCode::OK);
    uas.answer(&inv, &mut ok);
    let mut uac = Dialog::as_uac(&inv, &ok).unwrap();
    let mut bye = uac.new_request(Method::Bye);
    bye.head
        .via
        .push(crate::message::Via::parse("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK3").unwrap());
    assert_eq!(uas.on_remote_request(&bye), Ok(()));
    assert_eq!(
        uas.on_remote_request(&bye),
        Err(DialogError::CSeqOutOfOrder { got: 8, last: 8 })
    );
    let mut stranger = bye.clone();
    stranger.head.from.set_tag("Z");
    assert_eq!(
        uas.on_remote_request(&stranger),
        Err(DialogError::NotThisDialog)
    );
}

#[test]
fn missing_tags_or_contact_are_errors() {
    let mut inv = invite();
    let ok = response_to(&inv, StatusCode::OK);
    assert_eq!(Dialog::as_uac(&inv, &ok), Err(DialogError::MissingTag));
    inv.head.headers.remove(&HeaderName::Contact);
    assert_eq!(
        Dialog::as_uas(&inv, "B", Uri::parse("sip:b@192.0.2.2").unwrap()),
        Err(DialogError::MissingContact)
    );
}
