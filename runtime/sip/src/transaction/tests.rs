//! Every transaction path, driven by a virtual clock (plain `Instant` arithmetic, no sleeps).

use std::time::{Duration, Instant};

use super::*;
use crate::message::{Message, Method, Request, Response, StatusCode, parse_datagram, response_to};

fn req(method: &str) -> Request {
    let text = format!(
        "{method} sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKtest\r\n\
From: <sip:alice@127.0.0.1>;tag=a\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: c1\r\nCSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n"
    );
    match parse_datagram(text.as_bytes()).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => unreachable!(),
    }
}

fn resp(request: &Request, code: u16) -> Response {
    let mut r = response_to(request, StatusCode::new(code).unwrap());
    r.head.to.set_tag("b");
    r
}

fn sends(out: &[TxAction]) -> usize {
    out.iter()
        .filter(|a| matches!(a, TxAction::Send(_)))
        .count()
}

/// Advances the virtual clock to each deadline in turn until `until`, collecting actions.
fn run_timers(
    mut deadline: impl FnMut() -> Option<Instant>,
    mut fire: impl FnMut(Instant, &mut Vec<TxAction>),
    until: Instant,
) -> (Vec<TxAction>, Vec<Instant>) {
    let mut out = Vec::new();
    let mut times = Vec::new();
    while let Some(d) = deadline() {
        if d > until {
            break;
        }
        times.push(d);
        fire(d, &mut out);
    }
    (out, times)
}

const T1: Duration = Duration::from_millis(500);

#[test]
fn client_invite_timer_a_doubles_and_timer_b_times_out() {
    let t0 = Instant::now();
    let mut out = Vec::new();
    let tx = std::cell::RefCell::new(ClientInvite::start(
        req("INVITE"),
        false,
        Timers::default(),
        t0,
        &mut out,
    ));
    assert_eq!(sends(&out), 1);
    let (out, times) = run_timers(
        || tx.borrow().next_deadline(),
        |now, out| tx.borrow_mut().on_timer(now, out),
        t0 + Duration::from_secs(60),
    );
    // A fires at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s; B at 32 s.
    let offsets: Vec<u128> = times.iter().map(|t| (*t - t0).as_millis()).collect();
    assert_eq!(offsets, vec![500, 1500, 3500, 7500, 15500, 31500, 32000]);
    assert_eq!(sends(&out), 6);
    assert_eq!(
        out[out.len() - 2..],
        [TxAction::Timeout, TxAction::Terminated]
    );
    assert!(tx.borrow().is_terminated());
}

#[test]
fn client_invite_reliable_has_no_retransmissions() {
    let t0 = Instant::now();
    let mut out = Vec::new();
    let tx = ClientInvite::start(req("INVITE"), true, Timers::default(), t0, &mut out);
    assert_eq!(tx.next_deadline(), Some(t0 + T1 * 64));
}

#[test]
fn client_invite_non_2xx_is_acked_and_retransmissions_absorbed_until_timer_d() {
    let t0 = Instant::now();
    let invite = req("INVITE");
    let mut out = Vec::new();
    let mut tx = ClientInvite::start(invite.clone(), false, Timers::default(), t0, &mut out);
    out.clear();
    tx.on_response(resp(&invite, 180), t0 + T1 / 2, &mut out);
    assert!(matches!(&out[..], [TxAction::Response(r)] if r.status == StatusCode::RINGING));
    assert!(tx.is_proceeding());
    out.clear();
    tx.on_response(resp(&invite, 486), t0 + T1, &mut out);
    let [TxAction::Send(ack), TxAction::Response(r)] = &out[..] else {
        panic!("{out:?}")
    };
    assert_eq!(r.status, StatusCode::BUSY_HERE);
    let Message::Request(ack) = parse_datagram(ack).unwrap() else {
        panic!()
    };
    assert_eq!(ack.method, Method::Ack);
    assert_eq!(ack.head.branch(), Some("z9hG4bKtest"));
    assert_eq!(ack.head.to.tag(), Some("b"));
    assert_eq!(ack.head.cseq.seq, 1);
    out.clear();
    tx.on_response(resp(&invite, 486), t0 + T1 * 2, &mut out);
    assert_eq!(sends(&out), 1, "retransmitted final is re-ACKed");
    assert!(
        !out.iter().any(|a| matches!(a, TxAction::Response(_))),
        "not passed up again"
    );
    out.clear();
    tx.on_timer(t0 + T1 + Duration::from_secs(32), &mut out);
    assert_eq!(out, vec![TxAction::Terminated]);
}

#[test]
fn client_invite_2xx_enters_accepted_and_passes_retransmissions_up() {
    let t0 = Instant::now();
    let invite = req("INVITE");
    let mut out = Vec::new();
    let mut tx = ClientInvite::start(invite.clone(), false, Timers::default(), t0, &mut out);
    out.clear();
    tx.on_response(resp(&invite, 200), t0, &mut out);
    tx.on_response(resp(&invite, 200), t0 + T1, &mut out);
    assert_eq!(
        out.iter()
            .filter(|a| matches!(a, TxAction::Response(_)))
            .count(),
        2
    );
    assert_eq!(sends(&out), 0, "ACK for 2xx is the TU's job");
    out.clear();
    tx.on_timer(t0 + T1 * 64, &mut out);
    assert_eq!(out, vec![TxAction::Terminated]);
}

#[test]
fn client_non_invite_timer_e_caps_at_t2_and_f_times_out() {
    let t0 = Instant::now();
    let mut out = Vec::new();
    let tx = std::cell::RefCell::new(ClientNonInvite::start(
        &req("OPTIONS"),
        false,
        Timers::default(),
        t0,
        &mut out,
    ));
    let (out, times) = run_timers(
        || tx.borrow().next_deadline(),
        |now, out| tx.borrow_mut().on_timer(now, out),
        t0 + Duration::from_secs(60),
    );
    let offsets: Vec<u128> = times.iter().map(|t| (*t - t0).as_millis()).collect();
    assert_eq!(&offsets[..5], &[500, 1500, 3500, 7500, 11500]);
    assert_eq!(*offsets.last().unwrap(), 32000);
    assert_eq!(
        out[out.len() - 2..],
        [TxAction::Timeout, TxAction::Terminated]
    );
}

#[test]
fn client_non_invite_proceeding_retransmits_every_t2_and_final_waits_timer_k() {
    let t0 = Instant::now();
    let options = req("OPTIONS");
    let mut out = Vec::new();
    let mut tx = ClientNonInvite::start(&options, false, Timers::default(), t0, &mut out);
    tx.on_response(
        resp(&options, 100),
        t0 + Duration::from_millis(100),
        &mut out,
    );
    out.clear();
    tx.on_timer(t0 + T1, &mut out);
    assert_eq!(sends(&out), 1);
    assert_eq!(tx.next_deadline(), Some(t0 + T1 + Duration::from_secs(4)));
    out.clear();
    tx.on_response(resp(&options, 200), t0 + Duration::from_secs(1), &mut out);
    assert!(matches!(&out[..], [TxAction::Response(r)] if r.status == StatusCode::OK));
    out.clear();
    tx.on_response(resp(&options, 200), t0 + Duration::from_secs(2), &mut out);
    assert!(out.is_empty(), "retransmitted final absorbed");
    assert_eq!(tx.next_deadline(), Some(t0 + Duration::from_secs(6)));
    tx.on_timer(t0 + Duration::from_secs(6), &mut out);
    assert_eq!(out, vec![TxAction::Terminated]);
}

#[test]
fn client_non_invite_reliable_terminates_on_final() {
    let t0 = Instant::now();
    let bye = req("BYE");
    let mut out = Vec::new();
    let mut tx = ClientNonInvite::start(&bye, true, Timers::default(), t0, &mut out);
    out.clear();
    tx.on_response(resp(&bye, 200), t0, &mut out);
    assert!(matches!(
        &out[..],
        [TxAction::Response(_), TxAction::Terminated]
    ));
}

#[test]
fn server_invite_non_2xx_retransmits_with_timer_g_until_ack_then_timer_i() {
    let t0 = Instant::now();
    let invite = req("INVITE");
    let mut out = Vec::new();
    let mut tx = ServerInvite::new(false, Timers::default());
    tx.respond(&resp(&invite, 100), t0, &mut out);
    out.clear();
    tx.on_request(&invite, t0, &mut out);
    assert_eq!(
        sends(&out),
        1,
        "retransmitted INVITE gets the last provisional"
    );
    out.clear();
    tx.respond(&resp(&invite, 486), t0, &mut out);
    assert_eq!(sends(&out), 1);
    tx.on_timer(t0 + T1, &mut out);
    tx.on_timer(t0 + T1 * 3, &mut out);
    assert_eq!(sends(&out), 3, "G fires at T1 then 2*T1 later");
    out.clear();
    tx.on_request(&req("ACK"), t0 + T1 * 4, &mut out);
    assert!(out.is_empty(), "ACK absorbed, not passed up");
    assert_eq!(
        tx.next_deadline(),
        Some(t0 + T1 * 4 + Duration::from_secs(5))
    );
    tx.on_request(&req("ACK"), t0 + T1 * 5, &mut out);
    assert!(out.is_empty());
    tx.on_timer(t0 + T1 * 4 + Duration::from_secs(5), &mut out);
    assert_eq!(out, vec![TxAction::Terminated]);
}

#[test]
fn server_invite_timer_h_times_out_without_ack() {
    let t0 = Instant::now();
    let invite = req("INVITE");
    let mut out = Vec::new();
    let tx = std::cell::RefCell::new(ServerInvite::new(false, Timers::default()));
    tx.borrow_mut().respond(&resp(&invite, 404), t0, &mut out);
    let (out, times) = run_timers(
        || tx.borrow().next_deadline(),
        |now, out| tx.borrow_mut().on_timer(now, out),
        t0 + Duration::from_secs(60),
    );
    let offsets: Vec<u128> = times.iter().map(|t| (*t - t0).as_millis()).collect();
    assert_eq!(&offsets[..4], &[500, 1500, 3500, 7500]);
    assert_eq!(offsets[4], 11500, "G capped at T2");
    assert_eq!(*offsets.last().unwrap(), 32000);
    assert_eq!(
        out[out.len() - 2..],
        [TxAction::Timeout, TxAction::Terminated]
    );
}

#[test]
fn server_invite_2xx_retransmits_until_acked_then_timer_l_ends_quietly() {
    let t0 = Instant::now();
    let invite = req("INVITE");
    let mut out = Vec::new();
    let mut tx = ServerInvite::new(false, Timers::default());
    tx.respond(&resp(&invite, 200), t0, &mut out);
    tx.on_timer(t0 + T1, &mut out);
    assert_eq!(sends(&out), 2);
    tx.on_request(&invite, t0 + T1, &mut out);
    assert_eq!(sends(&out), 2, "retransmitted INVITE absorbed in Accepted");
    assert!(tx.retained_response_bytes() > 0);
    tx.on_ack_for_2xx();
    assert_eq!(
        tx.retained_response_bytes(),
        0,
        "the 2xx is let go once acknowledged"
    );
    out.clear();
    tx.on_request(&invite, t0 + T1 * 2, &mut out);
    assert_eq!(
        sends(&out),
        0,
        "retransmitted INVITE absorbed after the ACK"
    );
    assert_eq!(tx.next_deadline(), Some(t0 + T1 * 64));
    out.clear();
    tx.on_timer(t0 + T1 * 64, &mut out);
    assert_eq!(out, vec![TxAction::Terminated]);
}

#[test]
fn server_invite_2xx_without_ack_reports_timeout() {
    let t0 = Instant::now();
    let invite = req("INVITE");
    let mut out = Vec::new();
    let mut tx = ServerInvite::new(true, Timers::default());
    tx.respond(&resp(&invite, 200), t0, &mut out);
    assert_eq!(
        tx.next_deadline(),
        Some(t0 + T1 * 64),
        "no retransmission over TCP"
    );
    out.clear();
    tx.on_timer(t0 + T1 * 64, &mut out);
    assert_eq!(out, vec![TxAction::Timeout, TxAction::Terminated]);
}

#[test]
fn server_non_invite_absorbs_retransmissions_until_timer_j() {
    let t0 = Instant::now();
    let bye = req("BYE");
    let mut out = Vec::new();
    let mut tx = ServerNonInvite::new(false, Timers::default());
    tx.on_request(&mut out);
    assert!(out.is_empty(), "nothing to resend in Trying");
    tx.respond(&resp(&bye, 200), t0, &mut out);
    tx.on_request(&mut out);
    assert_eq!(sends(&out), 2, "retransmitted BYE gets the 200 again");
    tx.respond(&resp(&bye, 500), t0, &mut out);
    assert_eq!(sends(&out), 2, "second final ignored");
    out.clear();
    tx.on_timer(t0 + T1 * 63, &mut out);
    assert!(out.is_empty());
    tx.on_timer(t0 + T1 * 64, &mut out);
    assert_eq!(out, vec![TxAction::Terminated]);
}

#[test]
fn server_non_invite_reliable_terminates_at_once() {
    let bye = req("BYE");
    let mut out = Vec::new();
    let mut tx = ServerNonInvite::new(true, Timers::default());
    tx.respond(&resp(&bye, 200), Instant::now(), &mut out);
    assert!(matches!(
        &out[..],
        [TxAction::Send(_), TxAction::Terminated]
    ));
}

#[test]
fn keys_match_ack_to_invite() {
    let invite = req("INVITE");
    let ack = req("ACK");
    assert_eq!(
        TransactionKey::for_request(&invite),
        TransactionKey::for_request(&ack)
    );
    assert_ne!(
        TransactionKey::for_request(&invite),
        TransactionKey::for_request(&req("CANCEL"))
    );
    assert_eq!(
        TransactionKey::for_response(&resp(&invite, 200)),
        TransactionKey::for_request(&invite)
    );
}
