//! Registrar behaviour with a virtual clock.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::*;
use crate::auth::{AuthMode, DigestAlgorithm, DigestServer, parse_digest_params};
use crate::message::{HeaderName, Message, Request, StatusCode, parse_datagram};

fn register(call_id: &str, cseq: u32, extra: &str) -> Request {
    let text = format!(
        "REGISTER sip:shop.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK{cseq}\r\n\
From: <sip:alice@shop.example>;tag=x\r\nTo: <sip:alice@Shop.Example>\r\nCall-ID: {call_id}\r\nCSeq: {cseq} REGISTER\r\n\
{extra}Content-Length: 0\r\n\r\n"
    );
    match parse_datagram(text.as_bytes()).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => unreachable!(),
    }
}

fn src() -> SocketAddr {
    "127.0.0.1:5070".parse().unwrap()
}

fn contacts(bindings: &[Binding]) -> Vec<String> {
    bindings.iter().map(|b| b.contact.to_string()).collect()
}

#[test]
fn several_contacts_expire_independently() {
    let t0 = Instant::now();
    let mut reg = Registrar::new(RegistrarConfig::default());
    let r1 = register("c1", 1, "Contact: <sip:alice@10.0.0.1>;expires=60\r\n");
    let r2 = register("c2", 1, "Contact: <sip:alice@10.0.0.2>\r\nExpires: 120\r\n");
    assert_eq!(aor_of(&r1), "alice@shop.example");
    reg.register("alice@shop.example", &r1, src(), t0).unwrap();
    let all = reg.register("alice@shop.example", &r2, src(), t0).unwrap();
    assert_eq!(contacts(&all), ["sip:alice@10.0.0.1", "sip:alice@10.0.0.2"]);
    assert_eq!(all[1].remaining_secs(t0 + Duration::from_millis(500)), 120);
    assert_eq!(
        reg.lookup("alice@shop.example", t0 + Duration::from_secs(61))
            .len(),
        1
    );
    assert_eq!(
        reg.lookup("alice@shop.example", t0 + Duration::from_secs(121))
            .len(),
        0
    );
    reg.purge(t0 + Duration::from_secs(121));
    assert!(reg.is_empty());
}

#[test]
fn refresh_replaces_and_expires_zero_removes_one_contact() {
    let t0 = Instant::now();
    let mut reg = Registrar::new(RegistrarConfig::default());
    let aor = "alice@shop.example";
    reg.register(
        aor,
        &register(
            "c1",
            1,
            "Contact: <sip:alice@10.0.0.1>, <sip:alice@10.0.0.2>\r\n",
        ),
        src(),
        t0,
    )
    .unwrap();
    let refreshed = reg
        .register(
            aor,
            &register("c1", 2, "Contact: <sip:alice@10.0.0.1>;expires=300\r\n"),
            src(),
            t0,
        )
        .unwrap();
    assert_eq!(refreshed.len(), 2);
    let left = reg
        .register(
            aor,
            &register("c1", 3, "Contact: <sip:alice@10.0.0.1>;expires=0\r\n"),
            src(),
            t0,
        )
        .unwrap();
    assert_eq!(contacts(&left), ["sip:alice@10.0.0.2"]);
    // A query (no Contact) changes nothing.
    assert_eq!(
        reg.register(aor, &register("c1", 4, ""), src(), t0)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn wildcard_unregisters_everything_only_with_expires_zero() {
    let t0 = Instant::now();
    let mut reg = Registrar::new(RegistrarConfig::default());
    let aor = "alice@shop.example";
    reg.register(
        aor,
        &register(
            "c1",
            1,
            "Contact: <sip:alice@10.0.0.1>, <sip:alice@10.0.0.2>\r\n",
        ),
        src(),
        t0,
    )
    .unwrap();
    assert_eq!(
        reg.register(aor, &register("c9", 1, "Contact: *\r\n"), src(), t0),
        Err(RegistrarError::BadContact)
    );
    assert_eq!(
        reg.register(
            aor,
            &register(
                "c9",
                1,
                "Contact: *, <sip:alice@10.0.0.3>\r\nExpires: 0\r\n"
            ),
            src(),
            t0
        ),
        Err(RegistrarError::BadContact)
    );
    assert_eq!(
        reg.register(
            aor,
            &register("c9", 1, "Contact: *\r\nExpires: 0\r\n"),
            src(),
            t0
        ),
        Ok(vec![])
    );
    assert!(reg.lookup(aor, t0).is_empty());
}

#[test]
fn too_brief_out_of_order_and_capacity_are_refused_without_changes() {
    let t0 = Instant::now();
    let config = RegistrarConfig {
        max_contacts_per_aor: 2,
        max_aors: 1,
        ..RegistrarConfig::default()
    };
    let mut reg = Registrar::new(config);
    let aor = "alice@shop.example";
    assert_eq!(
        reg.register(
            aor,
            &register("c1", 1, "Contact: <sip:alice@10.0.0.1>;expires=5\r\n"),
            src(),
            t0
        ),
        Err(RegistrarError::IntervalTooBrief {
            min_expires: DEFAULT_MIN_EXPIRES
        })
    );
    reg.register(
        aor,
        &register("c1", 5, "Contact: <sip:alice@10.0.0.1>\r\n"),
        src(),
        t0,
    )
    .unwrap();
    assert_eq!(
        reg.register(
            aor,
            &register("c1", 5, "Contact: <sip:alice@10.0.0.1>\r\n"),
            src(),
            t0
        ),
        Err(RegistrarError::OutOfOrder)
    );
    assert_eq!(
        reg.register(
            aor,
            &register(
                "c2",
                1,
                "Contact: <sip:alice@10.0.0.2>, <sip:alice@10.0.0.3>\r\n"
            ),
            src(),
            t0
        ),
        Err(RegistrarError::Full)
    );
    assert_eq!(
        reg.lookup(aor, t0).len(),
        1,
        "a refused REGISTER changes nothing"
    );
    assert_eq!(
        reg.register(
            "bob@shop.example",
            &register("c3", 1, "Contact: <sip:bob@10.0.0.9>\r\n"),
            src(),
            t0
        ),
        Err(RegistrarError::Full)
    );
    assert_eq!(
        reg.register(
            aor,
            &register("c2", 1, "Contact: <sip:alice@10.0.0.1>;expires=99999\r\n"),
            src(),
            t0
        )
        .unwrap()[0]
            .remaining_secs(t0),
        DEFAULT_MAX_EXPIRES
    );
}

fn authorize(request: &Request, challenge: &str, password: &str) -> Request {
    let p = parse_digest_params(challenge).unwrap();
    let nonce = p.get("nonce").unwrap();
    let uri = request.uri.to_string();
    let resp = DigestAlgorithm::Md5.response(
        "alice",
        "shop.example",
        password,
        "REGISTER",
        &uri,
        nonce,
        "00000001",
        "abc",
    );
    let mut r = request.clone();
    r.head.headers.push(
        HeaderName::Authorization,
        format!("Digest username=\"alice\", realm=\"shop.example\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{resp}\", qop=auth, nc=00000001, cnonce=\"abc\""),
    );
    r
}

#[test]
fn service_challenges_then_registers_and_refuses_wrong_passwords() {
    let t0 = Instant::now();
    let auth = DigestServer::new(
        "shop.example",
        vec![DigestAlgorithm::Md5],
        AuthMode::Www,
        [1; 32],
        t0,
    );
    let mut svc = RegistrarService::new(Registrar::new(RegistrarConfig::default()), auth);
    let users = HashMap::from([("alice".to_owned(), "pw".to_owned())]);
    let first = register("c1", 1, "Contact: <sip:alice@10.0.0.1>\r\n");
    let challenge = svc.handle(&first, src(), &users, "t1", t0);
    assert_eq!(challenge.status, StatusCode::UNAUTHORIZED);
    let value = challenge
        .head
        .headers
        .get(&HeaderName::WwwAuthenticate)
        .unwrap()
        .to_owned();
    let wrong = svc.handle(
        &authorize(
            &register("c1", 2, "Contact: <sip:alice@10.0.0.1>\r\n"),
            &value,
            "nope",
        ),
        src(),
        &users,
        "t2",
        t0,
    );
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(svc.registrar.is_empty());
    let ok = svc.handle(
        &authorize(
            &register("c1", 3, "Contact: <sip:alice@10.0.0.1>\r\n"),
            &value,
            "pw",
        ),
        src(),
        &users,
        "t3",
        t0,
    );
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.head.to.tag(), Some("t3"));
    assert_eq!(
        ok.head.headers.get(&HeaderName::Contact),
        Some("<sip:alice@10.0.0.1>;expires=3600")
    );
    assert_eq!(
        svc.registrar.lookup("alice@shop.example", t0)[0].source,
        src()
    );
}
