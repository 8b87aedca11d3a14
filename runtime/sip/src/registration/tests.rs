//! The registration machine on a virtual clock: every path, and a sans-IO round trip against
//! our own registrar with digest auth.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::*;
use crate::auth::{
    AuthMode, ChallengeError, ClientCredentials, DigestAlgorithm, DigestServer, parse_digest_params,
};
use crate::endpoint::Target;
use crate::message::{HeaderName, Method, Request, Response, StatusCode, Uri, response_to};
use crate::registrar::{Registrar, RegistrarConfig, RegistrarService};

const SECRET: [u8; 32] = [9; 32];

fn config(password: &str) -> RegistrationConfig {
    RegistrationConfig {
        target: Target::udp("127.0.0.1:5060".parse().unwrap()),
        registrar_uri: Uri::parse("sip:carrier.example").unwrap(),
        aor: Uri::parse("sip:trunk@carrier.example").unwrap(),
        contact: Uri::parse("sip:trunk@192.0.2.10:5070").unwrap(),
        credentials: ClientCredentials::new("trunk", password),
        expires: 600,
        timing: RegistrationTiming::default(),
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn challenge(request: &Request, nonce: &str, stale: bool) -> Response {
    let mut r = response_to(request, StatusCode::UNAUTHORIZED);
    let stale = if stale { ", stale=true" } else { "" };
    r.head.headers.push(
        HeaderName::WwwAuthenticate,
        format!("Digest realm=\"carrier.example\", nonce=\"{nonce}\", qop=\"auth\"{stale}"),
    );
    r
}

fn ok_with_contact_expires(request: &Request, expires: u32) -> Response {
    let mut r = response_to(request, StatusCode::OK);
    r.head.headers.push(
        HeaderName::Contact,
        format!(
            "<sip:other@192.0.2.99>;expires=3000, <sip:trunk@192.0.2.10:5070>;expires={expires}"
        ),
    );
    r
}

/// Sends the first REGISTER, answers its challenge, and gets `expires` granted.
fn registered(m: &mut RegistrationMachine, t: Instant, expires: u32) -> Request {
    let first = m.poll_send(t).unwrap();
    m.on_response(&challenge(&first, "n1", false), t);
    let authed = m.poll_send(t).unwrap();
    m.on_response(&ok_with_contact_expires(&authed, expires), t);
    authed
}

#[test]
fn first_register_is_due_at_once_and_well_formed() {
    let t0 = Instant::now();
    let mut m = RegistrationMachine::new(config("pw"), t0);
    assert_eq!(m.state(), &RegistrationState::Registering);
    assert_eq!(m.next_wakeup(), Some(t0));
    let r = m.poll_send(t0).unwrap();
    assert_eq!(r.method, Method::Register);
    assert_eq!(r.uri.to_string(), "sip:carrier.example");
    assert_eq!(r.head.from.uri.to_string(), "sip:trunk@carrier.example");
    assert!(r.head.from.tag().is_some());
    assert_eq!(r.head.to.uri.to_string(), "sip:trunk@carrier.example");
    assert!(r.head.to.tag().is_none());
    assert_eq!(r.head.cseq.seq, 1);
    assert_eq!(r.head.expires(), Some(600));
    assert_eq!(
        r.head.headers.get(&HeaderName::Contact),
        Some("<sip:trunk@192.0.2.10:5070>")
    );
    assert!(r.head.headers.get(&HeaderName::Authorization).is_none());
    assert_eq!(m.poll_send(t0), None, "one request in flight at a time");
    assert_eq!(m.next_wakeup(), None);
}

#[test]
fn challenge_answered_once_then_registered_and_refreshed_at_half_the_grant() {
    let t0 = Instant::now();
    let mut m = RegistrationMachine::new(config("pw"), t0);
    let first = m.poll_send(t0).unwrap();
    m.on_response(&challenge(&first, "n1", false), t0);
    let authed = m.poll_send(t0).unwrap();
    assert_eq!(authed.head.cseq.seq, 2);
    assert_eq!(authed.head.call_id, first.head.call_id);
    assert_eq!(authed.head.from.tag(), first.head.from.tag());
    let p =
        parse_digest_params(authed.head.headers.get(&HeaderName::Authorization).unwrap()).unwrap();
    assert_eq!(p.get("nonce"), Some("n1"));
    assert_eq!(p.get("username"), Some("trunk"));
    assert_eq!(m.state(), &RegistrationState::Registering);

    let t1 = t0 + secs(1);
    m.on_response(&ok_with_contact_expires(&authed, 120), t1);
    assert_eq!(
        m.state(),
        &RegistrationState::Registered {
            until: t1 + secs(120)
        }
    );
    assert_eq!(m.next_wakeup(), Some(t1 + secs(60)));
    assert_eq!(m.poll_send(t1 + secs(59)), None);
    let refresh = m.poll_send(t1 + secs(60)).unwrap();
    assert_eq!(refresh.head.call_id, first.head.call_id);
    assert_eq!(refresh.head.from.tag(), first.head.from.tag());
    assert_eq!(refresh.head.cseq.seq, 3);
    assert!(
        matches!(m.state(), RegistrationState::Registered { .. }),
        "still registered while refreshing"
    );
}

#[test]
fn expires_header_is_used_when_our_contact_has_no_parameter() {
    let t0 = Instant::now();
    let mut m = RegistrationMachine::new(config("pw"), t0);
    let r = m.poll_send(t0).unwrap();
    let mut ok = response_to(&r, StatusCode::OK);
    ok.head
        .headers
        .push(HeaderName::Contact, "<sip:trunk@192.0.2.10:5070>");
    ok.head.headers.push(HeaderName::Expires, "300");
    m.on_response(&ok, t0);
    assert_eq!(
        m.state(),
        &RegistrationState::Registered {
            until: t0 + secs(300)
        }
    );
    assert_eq!(m.next_wakeup(), Some(t0 + secs(150)));
}

#[test]
fn the_asked_expiry_is_assumed_when_the_registrar_names_none() {
    let t0 = Instant::now();
    let mut m = RegistrationMachine::new(config("pw"), t0);
    let r = m.poll_send(t0).unwrap();
    m.on_response(&response_to(&r, StatusCode::OK), t0);
    assert_eq!(
        m.state(),
        &RegistrationState::Registered {
            until: t0 + secs(600)
        }
    );
}

#[test]
fn tiny_grants_refresh_no_sooner_than_the_minimum_but_before_expiry() {
    let t0 = Instant::now();
    let mut m = RegistrationMachine::new(config("pw"), t0);
    registered(&mut m, t0, 4);
    // Half would be 2 s; the 5 s minimum is later than the 4 s binding, so at expiry.
    assert_eq!(m.next_wakeup(), Some(t0 + secs(4)));

    let mut m = RegistrationMachine::new(config("pw"), t0);
    registered(&mut m, t0, 8);
    assert_eq!(m.next_wakeup(), Some(t0 + secs(5)));
}

#[test]
fn a_second_challenge_with_a_fresh_nonce_means_wrong_credentials() {
    let t0 = Instant::now();
    let mut m = RegistrationMachine::new(config("wrong"), t0);
    let first = m.poll_send(t0).unwrap();
    m.on_response(&challenge(&first, "n1", false), t0);
    let authed = m.poll_send(t0).unwrap();
    m.on_response(&challenge(&authed, "n2", false), t0);
    assert_eq!(
        m.state(),
        &RegistrationState::Failed {
            reason: RegistrationFailure::WrongCredentials,
            retry_at: t0 + secs(5)
        }
    );
    assert_eq!(m.poll_send(t0 + secs(4)), None);
    let retry = m.poll_send(t0 + secs(5)).unwrap();
    assert!(retry.head.headers.get(&HeaderName::Authorization).is_none());
    assert_eq!(retry.head.cseq.seq, 3);
    assert_eq!(m.state(), &RegistrationState::Registering);
}

#[test]
fn the_same_nonce_challenged_again_means_wrong_credentials() {
    let t0 = Instant::now();
    let mut m = RegistrationMachine::new(config("wrong"), t0);
    let first = m.poll_send(t0).unwrap();
    m.on_response(&challenge(&first, "n1", false), t0);
    let authed = m.poll_send(t0).unwrap();
    m.on_response(&challenge(&authed, "n1", true), t0);
    assert!(matches!(
        m.state(),
        RegistrationState::Failed {
            reason: RegistrationFailure::WrongCredentials,
            ..
        }
    ));
}

#[test]
fn stale_nonce_is_retried_with_the_new_nonce_a_bounded_number_of_times() {
    let t0 = Instant::now();
    let mut m = RegistrationMachine::new(config("pw"), t0);
    let mut r = m.poll_send(t0).unwrap();
    m.on_response(&challenge(&r, "n1", false), t0);
    r = m.poll_send(t0).unwrap();
    m.on_response(&challenge(&r, "n2", true), t0);
    r = m.poll_send(t0).expect("stale: retried");
    let p = parse_digest_params(r.head.headers.get(&HeaderName::Authorization).unwrap()).unwrap();
    assert_eq!(p.get("nonce"), Some("n2"));
    assert_eq!(
        r.head.headers.get_all(&HeaderName::Authorization).count(),
        1
    );
    assert_eq!(r.head.cseq.seq, 3);
    m.on_response(&challenge(&r, "n3", true), t0);
    r = m.poll_send(t0).expect("stale again: retried");
    m.on_response(&challenge(&r, "n4", true), t0);
    assert_eq!(
        m.poll_send(t0),
        None,
        "a registrar looping on stale is given up"
    );
    assert!(matches!(m.state(), RegistrationState::Failed { .. }));
}

#[test]
fn interval_too_brief_retries_with_min_expires_keeping_credentials() {
    let t0 = Instant::now();
    let mut m = RegistrationMachine::new(config("pw"), t0);
    let first = m.poll_send(t0).unwrap();
    m.on_response(&challenge(&first, "n1", false), t0);
    let authed = m.poll_send(t0).unwrap();
    let mut brief = response_to(&authed, StatusCode::INTERVAL_TOO_BRIEF);
    brief.head.headers.push(HeaderName::MinExpires, "1800");
    m.on_response(&brief, t0);
    let retry = m.poll_send(t0).unwrap();
    assert_eq!(retry.head.expires(), Some(1800));
    assert_eq!(retry.head.cseq.seq, 3);
    assert_eq!(
        retry
            .head
            .headers
            .get_all(&HeaderName::Authorization)
            .count(),
        1
    );
    let p =
        parse_digest_params(retry.head.headers.get(&HeaderName::Authorization).unwrap()).unwrap();
    assert_eq!(p.get("nonce"), Some("n1"));
    assert_eq!(
        p.get("nc"),
        Some("00000002"),
        "a new nonce count, not a replay"
    );
    m.on_response(&response_to(&retry, StatusCode::OK), t0);
    assert_eq!(
        m.state(),
        &RegistrationState::Registered {
            until: t0 + secs(1800)
        }
    );
    // Later refreshes keep asking for the raised expiry.
    let refresh = m.poll_send(t0 + secs(900)).unwrap();
    assert_eq!(refresh.head.expires(), Some(1800));
}

#[test]
fn interval_too_brief_without_a_usable_min_expires_fails() {
    let t0 = Instant::now();
    let mut m = RegistrationMachine::new(config("pw"), t0);
    let r = m.poll_send(t0).unwrap();
    let mut brief = response_to(&r, StatusCode::INTERVAL_TOO_BRIEF);
    brief.head.headers.push(HeaderName::MinExpires, "60");
    m.on_response(&brief, t0);
    assert!(matches!(
        m.state(),
        RegistrationState::Failed {
            reason: RegistrationFailure::IntervalTooBrief,
            ..
        }
    ));
}

#[test]
fn failures_back_off_exponentially_up_to_the_cap_and_success_resets() {
    let mut t = Instant::now();
    let mut m = RegistrationMachine::new(config("pw"), t);
    let mut waits = Vec::new();
    for _ in 0..9 {
        let r = m.poll_send(t).unwrap();
        m.on_response(&response_to(&r, StatusCode::SERVER_INTERNAL_ERROR), t);
        let RegistrationState::Failed { retry_at, reason } = m.state().clone() else {
            panic!("{:?}", m.state());
        };
        assert_eq!(
            reason,
            RegistrationFailure::Rejected {
                status: 500,
                reason: "Server Internal Error".into()
            }
        );
        waits.push((retry_at - t).as_secs());
        t = retry_at;
    }
    assert_eq!(waits, [5, 10, 20, 40, 80, 160, 300, 300, 300]);
    let r = m.poll_send(t).unwrap();
    m.on_response(&ok_with_contact_expires(&r, 600), t);
    t += secs(300);
    let r = m.poll_send(t).unwrap();
    m.on_timeout(t);
    assert_eq!(
        m.state(),
        &RegistrationState::Failed {
            reason: RegistrationFailure::Timeout,
            retry_at: t + secs(5)
        }
    );
    let _ = r;
}

#[test]
fn retry_after_of_a_503_is_honoured_within_the_cap() {
    let t0 = Instant::now();
    let mut m = RegistrationMachine::new(config("pw"), t0);
    let r = m.poll_send(t0).unwrap();
    let mut busy = response_to(&r, StatusCode::SERVICE_UNAVAILABLE);
    busy.head.headers.push(HeaderName::RetryAfter, "120");
    m.on_response(&busy, t0);
    assert_eq!(m.next_wakeup(), Some(t0 + secs(120)));
    let r = m.poll_send(t0 + secs(120)).unwrap();
    let mut busy = response_to(&r, StatusCode::SERVICE_UNAVAILABLE);
    busy.head.headers.push(HeaderName::RetryAfter, "86400");
    m.on_response(&busy, t0 + secs(120));
    assert_eq!(m.next_wakeup(), Some(t0 + secs(420)));
}

#[test]
fn timeouts_and_send_errors_are_failures_with_backoff() {
    let t0 = Instant::now();
    let mut m = RegistrationMachine::new(config("pw"), t0);
    m.poll_send(t0).unwrap();
    m.on_timeout(t0 + secs(32));
    assert_eq!(
        m.state(),
        &RegistrationState::Failed {
            reason: RegistrationFailure::Timeout,
            retry_at: t0 + secs(37)
        }
    );
    m.poll_send(t0 + secs(37)).unwrap();
    m.on_send_error("no route", t0 + secs(37));
    assert_eq!(
        m.state(),
        &RegistrationState::Failed {
            reason: RegistrationFailure::Transport("no route".into()),
            retry_at: t0 + secs(47)
        }
    );
}

#[test]
fn an_unanswerable_challenge_is_a_failure_with_its_reason() {
    let t0 = Instant::now();
    let mut m = RegistrationMachine::new(config("pw"), t0);
    let r = m.poll_send(t0).unwrap();
    m.on_response(&response_to(&r, StatusCode::UNAUTHORIZED), t0);
    assert!(matches!(
        m.state(),
        RegistrationState::Failed {
            reason: RegistrationFailure::BadChallenge(ChallengeError::NoChallenge),
            ..
        }
    ));
}

#[test]
fn zero_granted_is_a_failure() {
    let t0 = Instant::now();
    let mut m = RegistrationMachine::new(config("pw"), t0);
    let r = m.poll_send(t0).unwrap();
    m.on_response(&ok_with_contact_expires(&r, 0), t0);
    assert!(matches!(
        m.state(),
        RegistrationState::Failed {
            reason: RegistrationFailure::NothingGranted,
            ..
        }
    ));
}

#[test]
fn responses_to_other_requests_and_provisionals_are_ignored() {
    let t0 = Instant::now();
    let mut m = RegistrationMachine::new(config("pw"), t0);
    let r = m.poll_send(t0).unwrap();
    let mut old = response_to(&r, StatusCode::OK);
    old.head.cseq.seq = 99;
    m.on_response(&old, t0);
    let mut other_call = response_to(&r, StatusCode::OK);
    other_call.head.call_id = crate::message::CallId("someone-else".into());
    m.on_response(&other_call, t0);
    m.on_response(&response_to(&r, StatusCode::TRYING), t0);
    assert_eq!(m.state(), &RegistrationState::Registering);
    assert_eq!(m.next_wakeup(), None, "still waiting for the real answer");
    m.on_response(&response_to(&r, StatusCode::OK), t0);
    assert!(matches!(m.state(), RegistrationState::Registered { .. }));
    // A late duplicate of that answer changes nothing.
    let wake = m.next_wakeup();
    m.on_response(&response_to(&r, StatusCode::FORBIDDEN), t0);
    assert!(matches!(m.state(), RegistrationState::Registered { .. }));
    assert_eq!(m.next_wakeup(), wake);
}

#[test]
fn unregister_sends_expires_zero_and_answers_its_challenge() {
    let t0 = Instant::now();
    let mut m = RegistrationMachine::new(config("pw"), t0);
    let authed = registered(&mut m, t0, 600);
    let t1 = t0 + secs(10);
    let un = m.unregister(t1).unwrap();
    assert_eq!(m.state(), &RegistrationState::Unregistering);
    assert_eq!(un.head.expires(), Some(0));
    assert_eq!(un.head.call_id, authed.head.call_id);
    assert_eq!(un.head.cseq.seq, authed.head.cseq.seq + 1);
    m.on_response(&challenge(&un, "n9", false), t1);
    let un2 = m.poll_send(t1).unwrap();
    assert_eq!(un2.head.expires(), Some(0));
    assert!(un2.head.headers.get(&HeaderName::Authorization).is_some());
    m.on_response(&response_to(&un2, StatusCode::OK), t1);
    assert_eq!(m.state(), &RegistrationState::Unregistered);
    assert!(m.is_stopped());
    assert_eq!(m.poll_send(t1 + secs(10_000)), None);
    assert_eq!(m.next_wakeup(), None);
}

#[test]
fn unregister_gives_up_on_failure_and_is_silent_when_nothing_is_bound() {
    let t0 = Instant::now();
    let mut m = RegistrationMachine::new(config("pw"), t0);
    registered(&mut m, t0, 600);
    let un = m.unregister(t0).unwrap();
    m.on_response(&response_to(&un, StatusCode::SERVER_INTERNAL_ERROR), t0);
    assert_eq!(m.state(), &RegistrationState::Unregistered);

    let mut never = RegistrationMachine::new(config("pw"), t0);
    never.poll_send(t0).unwrap();
    assert_eq!(never.unregister(t0), None);
    assert_eq!(never.state(), &RegistrationState::Unregistered);
}

/// Sends everything the machine has due at `now` to `service`, feeding back each answer.
fn exchange(
    m: &mut RegistrationMachine,
    service: &mut RegistrarService,
    users: &HashMap<String, String>,
    now: Instant,
) -> usize {
    let source: SocketAddr = "192.0.2.10:5070".parse().unwrap();
    let mut sent = 0;
    while let Some(request) = m.poll_send(now) {
        sent += 1;
        assert!(sent < 10, "bounded");
        let response = service.handle(&request, source, users, "tag", now);
        m.on_response(&response, now);
    }
    sent
}

/// The machine against our registrar (digest in front), driven by hand on a virtual clock.
#[test]
fn round_trip_against_our_registrar_registers_refreshes_renews_a_stale_nonce_and_unregisters() {
    let t0 = Instant::now();
    let source: SocketAddr = "192.0.2.10:5070".parse().unwrap();
    let auth = DigestServer::new(
        "carrier.example",
        vec![DigestAlgorithm::Sha256, DigestAlgorithm::Md5],
        AuthMode::Www,
        SECRET,
        t0,
    )
    .with_nonce_ttl(secs(10));
    let mut service = RegistrarService::new(
        Registrar::new(RegistrarConfig {
            min_expires: 60,
            ..RegistrarConfig::default()
        }),
        auth,
    );
    let users = HashMap::from([("trunk".to_owned(), "pw".to_owned())]);
    let mut cfg = config("pw");
    cfg.expires = 30; // below the registrar's minimum: 423 first
    let mut m = RegistrationMachine::new(cfg, t0);
    // 401, then 423 (Min-Expires 60), then 200.
    assert_eq!(exchange(&mut m, &mut service, &users, t0), 3);
    assert_eq!(
        m.state(),
        &RegistrationState::Registered {
            until: t0 + secs(60)
        }
    );
    // Refresh at half; its answer reaches the registrar after the nonce lifetime, so the
    // registrar says stale=true and the machine answers the new nonce.
    let t1 = m.next_wakeup().unwrap();
    assert_eq!(t1, t0 + secs(30));
    let refresh = m.poll_send(t1).unwrap();
    m.on_response(&service.handle(&refresh, source, &users, "tag", t1), t1);
    let late = t1 + secs(11);
    let answered = m.poll_send(late).unwrap();
    let stale = service.handle(&answered, source, &users, "tag", late);
    assert_eq!(stale.status, StatusCode::UNAUTHORIZED);
    assert!(
        stale
            .head
            .headers
            .get(&HeaderName::WwwAuthenticate)
            .unwrap()
            .contains("stale=true")
    );
    m.on_response(&stale, late);
    assert_eq!(exchange(&mut m, &mut service, &users, late), 1);
    let t1 = late;
    assert_eq!(
        m.state(),
        &RegistrationState::Registered {
            until: t1 + secs(60)
        }
    );
    assert_eq!(
        service.registrar.lookup("trunk@carrier.example", t1).len(),
        1
    );
    let un = m.unregister(t1 + secs(1)).unwrap();
    let response = service.handle(&un, source, &users, "tag", t1 + secs(1));
    m.on_response(&response, t1 + secs(1));
    assert_eq!(exchange(&mut m, &mut service, &users, t1 + secs(1)), 1);
    assert_eq!(m.state(), &RegistrationState::Unregistered);
    assert!(
        service
            .registrar
            .lookup("trunk@carrier.example", t1 + secs(1))
            .is_empty()
    );
}

#[test]
fn wrong_password_against_our_registrar_fails_after_one_answer() {
    let t0 = Instant::now();
    let auth = DigestServer::new(
        "carrier.example",
        vec![DigestAlgorithm::Md5],
        AuthMode::Www,
        SECRET,
        t0,
    );
    let mut service = RegistrarService::new(Registrar::new(RegistrarConfig::default()), auth);
    let users = HashMap::from([("trunk".to_owned(), "pw".to_owned())]);
    let mut m = RegistrationMachine::new(config("guess"), t0);
    let mut sent = 0;
    while let Some(request) = m.poll_send(t0) {
        sent += 1;
        let response = service.handle(
            &request,
            "192.0.2.10:5070".parse().unwrap(),
            &users,
            "t",
            t0,
        );
        m.on_response(&response, t0);
    }
    assert_eq!(sent, 2);
    assert!(matches!(
        m.state(),
        RegistrationState::Failed {
            reason: RegistrationFailure::WrongCredentials,
            ..
        }
    ));
    assert!(service.registrar.is_empty());
}
