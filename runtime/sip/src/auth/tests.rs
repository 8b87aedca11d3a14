//! Digest verification with a virtual clock: algorithms, stale nonces, no user enumeration.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::*;
use crate::message::{HeaderName, Message, Request, StatusCode, parse_datagram};

const REALM: &str = "shop.example";

fn register() -> Request {
    let text = "REGISTER sip:shop.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKr1\r\n\
From: <sip:alice@shop.example>;tag=x\r\nTo: <sip:alice@shop.example>\r\nCall-ID: reg1\r\nCSeq: 1 REGISTER\r\n\
Contact: <sip:alice@127.0.0.1:5070>\r\nContent-Length: 0\r\n\r\n";
    match parse_datagram(text.as_bytes()).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => unreachable!(),
    }
}

fn users() -> HashMap<String, String> {
    HashMap::from([("alice".to_owned(), "s3cret".to_owned())])
}

fn server(t0: Instant) -> DigestServer {
    DigestServer::new(
        REALM,
        vec![DigestAlgorithm::Sha256, DigestAlgorithm::Md5],
        AuthMode::Www,
        [7; 32],
        t0,
    )
}

/// What a client does with a challenge: computes the response like RFC 7616 says.
fn answer(
    challenge: &str,
    algorithm: DigestAlgorithm,
    user: &str,
    password: &str,
    request: &Request,
) -> Request {
    let params = parse_digest_params(challenge).unwrap();
    let nonce = params.get("nonce").unwrap();
    let uri = request.uri.to_string();
    let response = algorithm.response(
        user,
        REALM,
        password,
        request.method.as_str(),
        &uri,
        nonce,
        "00000001",
        "0a4f113b",
    );
    let mut r = request.clone();
    r.head.headers.push(
        HeaderName::Authorization,
        format!(
            "Digest username=\"{user}\", realm=\"{REALM}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", \
algorithm={}, qop=auth, nc=00000001, cnonce=\"0a4f113b\"",
            algorithm.as_str()
        ),
    );
    r
}

#[test]
fn rfc_7616_md5_and_sha256_example_vectors() {
    // RFC 7616 §3.9.1 (HTTP example, same computation).
    let args = (
        "Mufasa",
        "http-auth@example.org",
        "Circle of Life",
        "GET",
        "/dir/index.html",
        "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        "00000001",
        "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    );
    assert_eq!(
        DigestAlgorithm::Md5.response(
            args.0, args.1, args.2, args.3, args.4, args.5, args.6, args.7
        ),
        "8ca523f5e9506fed4657c9700eebdbec"
    );
    assert_eq!(
        DigestAlgorithm::Sha256.response(
            args.0, args.1, args.2, args.3, args.4, args.5, args.6, args.7
        ),
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    );
}

#[test]
fn right_password_authenticates_with_both_algorithms() {
    let t0 = Instant::now();
    let srv = server(t0);
    let challenges = srv.challenge_values(false, t0);
    assert_eq!(challenges.len(), 2);
    assert!(challenges[0].contains("algorithm=SHA-256") && challenges[1].contains("algorithm=MD5"));
    for (challenge, alg) in challenges
        .iter()
        .zip([DigestAlgorithm::Sha256, DigestAlgorithm::Md5])
    {
        let req = answer(challenge, alg, "alice", "s3cret", &register());
        assert_eq!(
            srv.verify(&req, &users(), t0 + Duration::from_secs(1)),
            AuthOutcome::Authenticated {
                username: "alice".into()
            }
        );
    }
}

#[test]
fn unknown_user_and_wrong_password_get_identical_answers() {
    let t0 = Instant::now();
    let srv = server(t0);
    let challenge = &srv.challenge_values(false, t0)[1];
    let wrong = answer(
        challenge,
        DigestAlgorithm::Md5,
        "alice",
        "guess",
        &register(),
    );
    let unknown = answer(
        challenge,
        DigestAlgorithm::Md5,
        "mallory",
        "guess",
        &register(),
    );
    let now = t0 + Duration::from_secs(1);
    let (a, b) = (
        srv.verify(&wrong, &users(), now),
        srv.verify(&unknown, &users(), now),
    );
    assert_eq!(a, AuthOutcome::Challenge { stale: false });
    assert_eq!(a, b);
    let (ra, rb) = (
        srv.challenge(&wrong, false, now),
        srv.challenge(&unknown, false, now),
    );
    assert_eq!(ra.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        ra.head
            .headers
            .get_all(&HeaderName::WwwAuthenticate)
            .collect::<Vec<_>>(),
        rb.head
            .headers
            .get_all(&HeaderName::WwwAuthenticate)
            .collect::<Vec<_>>()
    );
    // Even with a stale nonce, only a right password reveals staleness.
    let late = now + DEFAULT_NONCE_TTL + Duration::from_secs(1);
    assert_eq!(
        srv.verify(&unknown, &users(), late),
        AuthOutcome::Challenge { stale: false }
    );
    assert_eq!(
        srv.verify(&wrong, &users(), late),
        AuthOutcome::Challenge { stale: false }
    );
}

#[test]
fn expired_nonce_with_right_password_is_stale() {
    let t0 = Instant::now();
    let srv = server(t0).with_nonce_ttl(Duration::from_secs(30));
    let challenge = &srv.challenge_values(false, t0)[0];
    let req = answer(
        challenge,
        DigestAlgorithm::Sha256,
        "alice",
        "s3cret",
        &register(),
    );
    assert!(matches!(
        srv.verify(&req, &users(), t0 + Duration::from_secs(30)),
        AuthOutcome::Authenticated { .. }
    ));
    assert_eq!(
        srv.verify(&req, &users(), t0 + Duration::from_secs(31)),
        AuthOutcome::Challenge { stale: true }
    );
    let values = srv.challenge_values(true, t0 + Duration::from_secs(31));
    assert!(values.iter().all(|v| v.ends_with("stale=true")));
}

#[test]
fn forged_foreign_or_mangled_nonces_are_invalid() {
    let t0 = Instant::now();
    let srv = server(t0);
    let other = DigestServer::new(
        REALM,
        vec![DigestAlgorithm::Md5],
        AuthMode::Www,
        [8; 32],
        t0,
    );
    let foreign = &other.challenge_values(false, t0)[0];
    let req = answer(
        foreign,
        DigestAlgorithm::Md5,
        "alice",
        "s3cret",
        &register(),
    );
    assert_eq!(
        srv.verify(&req, &users(), t0),
        AuthOutcome::Challenge { stale: false }
    );
    let signer = NonceSigner::new([7; 32], t0, Duration::from_secs(10));
    let good = signer.issue(REALM, t0);
    assert_eq!(signer.check(&good, REALM, t0), NonceState::Fresh);
    assert_eq!(signer.check(&good, "other.realm", t0), NonceState::Invalid);
    let mut tampered = good.clone().into_bytes();
    tampered[3] = if tampered[3] == b'0' { b'1' } else { b'0' };
    assert_eq!(
        signer.check(std::str::from_utf8(&tampered).unwrap(), REALM, t0),
        NonceState::Invalid
    );
    for junk in [
        "",
        "zz",
        "ffffffffffffffff00000000000000000000000000000000",
        &"a".repeat(5000),
    ] {
        assert_eq!(signer.check(junk, REALM, t0), NonceState::Invalid);
    }
}

#[test]
fn missing_fields_unsupported_algorithm_or_qop_are_challenged() {
    let t0 = Instant::now();
    let srv = DigestServer::new(
        REALM,
        vec![DigestAlgorithm::Sha256],
        AuthMode::Www,
        [7; 32],
        t0,
    );
    let challenge = &srv.challenge_values(false, t0)[0];
    let md5 = answer(
        challenge,
        DigestAlgorithm::Md5,
        "alice",
        "s3cret",
        &register(),
    );
    assert_eq!(
        srv.verify(&md5, &users(), t0),
        AuthOutcome::Challenge { stale: false }
    );
    let ok = answer(
        challenge,
        DigestAlgorithm::Sha256,
        "alice",
        "s3cret",
        &register(),
    );
    for (from, to) in [
        ("qop=auth, ", ""),
        ("cnonce=\"0a4f113b\"", "x=y"),
        ("Digest", "Basic"),
    ] {
        let mut r = ok.clone();
        let v = r
            .head
            .headers
            .get(&HeaderName::Authorization)
            .unwrap()
            .replace(from, to);
        r.head.headers.set(HeaderName::Authorization, v);
        assert_eq!(
            srv.verify(&r, &users(), t0),
            AuthOutcome::Challenge { stale: false },
            "{from}"
        );
    }
    assert_eq!(
        srv.verify(&register(), &users(), t0),
        AuthOutcome::Challenge { stale: false }
    );
}

#[test]
fn proxy_mode_uses_407() {
    let t0 = Instant::now();
    let srv = DigestServer::new(
        REALM,
        vec![DigestAlgorithm::Md5],
        AuthMode::Proxy,
        [7; 32],
        t0,
    );
    let r = srv.challenge(&register(), false, t0);
    assert_eq!(r.status, StatusCode::PROXY_AUTHENTICATION_REQUIRED);
    assert!(r.head.headers.get(&HeaderName::ProxyAuthenticate).is_some());
    assert!(r.head.to.tag().is_some());
}
