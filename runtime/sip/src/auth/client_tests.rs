//! Client-side digest: published vectors, challenge selection, errors, and a round trip
//! against our own [`DigestServer`].

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::*;
use crate::message::{HeaderName, Message, Request, Response, StatusCode, parse_datagram};

fn register() -> Request {
    let text = "REGISTER sip:shop.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKr1\r\n\
From: <sip:alice@shop.example>;tag=x\r\nTo: <sip:alice@shop.example>\r\nCall-ID: reg1\r\nCSeq: 1 REGISTER\r\n\
Contact: <sip:alice@127.0.0.1:5070>\r\nContent-Length: 0\r\n\r\n";
    match parse_datagram(text.as_bytes()).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => unreachable!(),
    }
}

fn challenge_response(status: StatusCode, header: HeaderName, values: &[&str]) -> Response {
    let mut r = crate::message::response_to(&register(), status);
    for v in values {
        r.head.headers.push(header.clone(), *v);
    }
    r
}

fn www(values: &[&str]) -> Response {
    challenge_response(
        StatusCode::UNAUTHORIZED,
        HeaderName::WwwAuthenticate,
        values,
    )
}

fn alice() -> ClientCredentials {
    ClientCredentials::new("alice", "s3cret")
}

#[test]
fn rfc_7616_vectors_md5_and_sha256() {
    // RFC 7616 §3.9.1: Mufasa / "Circle of Life", qop=auth.
    let creds = ClientCredentials::new("Mufasa", "Circle of Life");
    let run = |alg| {
        digest_response(
            alg,
            Qop::Auth,
            &creds,
            "http-auth@example.org",
            "GET",
            "/dir/index.html",
            "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            "00000001",
            "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
        )
    };
    assert_eq!(
        run(DigestAlgorithm::Md5),
        "8ca523f5e9506fed4657c9700eebdbec"
    );
    assert_eq!(
        run(DigestAlgorithm::Sha256),
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    );
}

#[test]
fn rfc_2617_vector_with_qop_auth() {
    // RFC 2617 §3.5.
    let creds = ClientCredentials::new("Mufasa", "Circle Of Life");
    let r = digest_response(
        DigestAlgorithm::Md5,
        Qop::Auth,
        &creds,
        "testrealm@host.com",
        "GET",
        "/dir/index.html",
        "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        "00000001",
        "0a4f113b",
    );
    assert_eq!(r, "6629fae49393a05397450978507c4ef1");
}

#[test]
fn rfc_2069_vector_without_qop() {
    // RFC 2069 §2.4 example as corrected by its erratum (password "CircleOfLife"); RFC 2617
    // §3.2.2.1 keeps this computation for challenges without qop.
    let creds = ClientCredentials::new("Mufasa", "CircleOfLife");
    let r = digest_response(
        DigestAlgorithm::Md5,
        Qop::Legacy,
        &creds,
        "testrealm@host.com",
        "GET",
        "/dir/index.html",
        "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        "ignored",
        "ignored",
    );
    assert_eq!(r, "1949323746fe6a43ef61f9606e7febea");
}

#[test]
fn picks_sha256_over_md5_whatever_the_order() {
    let md5 = "Digest realm=\"r\", nonce=\"n1\", algorithm=MD5, qop=\"auth\"";
    let sha = "Digest realm=\"r\", nonce=\"n2\", algorithm=SHA-256, qop=\"auth\"";
    for values in [[md5, sha], [sha, md5]] {
        let c = read_challenge(&www(&values)).unwrap();
        assert_eq!(c.algorithm, DigestAlgorithm::Sha256);
        assert_eq!(c.nonce, "n2");
    }
}

#[test]
fn skips_unsupported_challenges_when_a_supported_one_is_offered() {
    let c = read_challenge(&www(&[
        "Basic realm=\"r\"",
        "Digest realm=\"r\", nonce=\"a\", algorithm=SHA-512-256, qop=\"auth\"",
        "Digest realm=\"r\", nonce=\"b\", qop=\"auth-int,auth\"",
    ]))
    .unwrap();
    assert_eq!(c.algorithm, DigestAlgorithm::Md5);
    assert_eq!(c.qop, Qop::Auth);
    assert_eq!(c.nonce, "b");
}

#[test]
fn clear_errors_for_what_cannot_be_answered() {
    assert_eq!(read_challenge(&www(&[])), Err(ChallengeError::NoChallenge));
    assert_eq!(
        read_challenge(&www(&["Basic realm=\"r\""])),
        Err(ChallengeError::NoChallenge)
    );
    assert!(matches!(
        read_challenge(&www(&["Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\""])),
        Err(ChallengeError::Unsupported(_))
    ));
    assert!(matches!(
        read_challenge(&www(&[
            "Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess"
        ])),
        Err(ChallengeError::Unsupported(_))
    ));
    assert!(matches!(
        read_challenge(&www(&["Digest nonce=\"n\""])),
        Err(ChallengeError::Malformed(_))
    ));
    assert!(matches!(
        read_challenge(&www(&["Digest realm=\"r\""])),
        Err(ChallengeError::Malformed(_))
    ));
    assert!(matches!(
        read_challenge(&www(&["Digest realm=\"unterminated, nonce=\"n\""])),
        Err(ChallengeError::Malformed(_))
    ));
    let ok = crate::message::response_to(&register(), StatusCode::OK);
    assert_eq!(read_challenge(&ok), Err(ChallengeError::NotAChallenge(200)));
}

#[test]
fn answer_without_qop_omits_nc_and_cnonce_and_echoes_opaque() {
    let mut req = register();
    let c = authorize(
        &mut req,
        &www(&["Digest realm=\"r\", nonce=\"n\", opaque=\"op\""]),
        &alice(),
        1,
        "cn",
    )
    .unwrap();
    assert_eq!(c.qop, Qop::Legacy);
    let value = req.head.headers.get(&HeaderName::Authorization).unwrap();
    let p = parse_digest_params(value).unwrap();
    assert_eq!(p.get("qop"), None);
    assert_eq!(p.get("nc"), None);
    assert_eq!(p.get("opaque"), Some("op"));
    assert_eq!(p.get("uri"), Some("sip:shop.example"));
    let expected = digest_response(
        DigestAlgorithm::Md5,
        Qop::Legacy,
        &alice(),
        "r",
        "REGISTER",
        "sip:shop.example",
        "n",
        "",
        "",
    );
    assert_eq!(p.get("response"), Some(expected.as_str()));
}

#[test]
fn proxy_challenge_goes_in_proxy_authorization_and_cseq_and_via_are_readied() {
    let mut req = register();
    let resp = challenge_response(
        StatusCode::PROXY_AUTHENTICATION_REQUIRED,
        HeaderName::ProxyAuthenticate,
        &["Digest realm=\"carrier\", nonce=\"n\", qop=\"auth\""],
    );
    authorize(&mut req, &resp, &alice(), 1, "cn").unwrap();
    assert!(req.head.headers.get(&HeaderName::Authorization).is_none());
    let p = parse_digest_params(
        req.head
            .headers
            .get(&HeaderName::ProxyAuthorization)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(p.get("realm"), Some("carrier"));
    assert_eq!(p.get("nc"), Some("00000001"));
    assert_eq!(req.head.cseq.seq, 2);
    assert!(req.head.via.is_empty(), "the endpoint stamps a new Via");
}

#[test]
fn a_new_answer_replaces_the_old_one_for_the_same_realm_only() {
    let mut req = register();
    req.head.headers.push(
        HeaderName::Authorization,
        "Digest realm=\"other\", nonce=\"x\"",
    );
    authorize(
        &mut req,
        &www(&["Digest realm=\"r\", nonce=\"n1\""]),
        &alice(),
        1,
        "c",
    )
    .unwrap();
    authorize(
        &mut req,
        &www(&["Digest realm=\"r\", nonce=\"n2\""]),
        &alice(),
        1,
        "c",
    )
    .unwrap();
    let values: Vec<_> = req
        .head
        .headers
        .get_all(&HeaderName::Authorization)
        .map(|v| parse_digest_params(v).unwrap())
        .collect();
    assert_eq!(values.len(), 2);
    assert_eq!(values[0].get("realm"), Some("other"));
    assert_eq!(values[1].get("nonce"), Some("n2"));
    assert_eq!(req.head.cseq.seq, 3);
}

#[test]
fn quotes_in_user_names_are_escaped() {
    let mut req = register();
    let creds = ClientCredentials::new("a\"b\\c", "pw");
    authorize(
        &mut req,
        &www(&["Digest realm=\"r\", nonce=\"n\""]),
        &creds,
        1,
        "c",
    )
    .unwrap();
    let p = parse_digest_params(req.head.headers.get(&HeaderName::Authorization).unwrap()).unwrap();
    assert_eq!(p.get("username"), Some("a\"b\\c"));
}

#[test]
fn digest_client_counts_nc_per_nonce() {
    let mut client = DigestClient::new(alice());
    let nc_of = |req: &Request| {
        parse_digest_params(req.head.headers.get(&HeaderName::Authorization).unwrap())
            .unwrap()
            .get("nc")
            .unwrap()
            .to_owned()
    };
    let one = www(&["Digest realm=\"r\", nonce=\"n1\", qop=\"auth\""]);
    let two = www(&["Digest realm=\"r\", nonce=\"n2\", qop=\"auth\""]);
    let mut req = register();
    client.authorize(&mut req, &one).unwrap();
    assert_eq!(nc_of(&req), "00000001");
    client.authorize(&mut req, &one).unwrap();
    assert_eq!(nc_of(&req), "00000002");
    client.authorize(&mut req, &two).unwrap();
    assert_eq!(nc_of(&req), "00000001");
}

#[test]
fn credentials_debug_hides_the_password() {
    let text = format!("{:?}", alice());
    assert!(text.contains("alice") && !text.contains("s3cret"));
}

#[test]
fn our_server_accepts_what_the_client_answers_with_each_algorithm() {
    let t0 = Instant::now();
    let users = HashMap::from([("alice".to_owned(), "s3cret".to_owned())]);
    for (algorithms, mode) in [
        (
            vec![DigestAlgorithm::Md5, DigestAlgorithm::Sha256],
            AuthMode::Www,
        ),
        (vec![DigestAlgorithm::Md5], AuthMode::Proxy),
    ] {
        let server = DigestServer::new("shop.example", algorithms, mode, [3; 32], t0);
        let mut req = register();
        let challenge = server.challenge(&req, false, t0);
        let mut client = DigestClient::new(alice());
        let used = client.authorize(&mut req, &challenge).unwrap();
        assert_eq!(used.proxy, mode == AuthMode::Proxy);
        assert_eq!(
            server.verify(&req, &users, t0 + Duration::from_secs(1)),
            AuthOutcome::Authenticated {
                username: "alice".into()
            }
        );
        let mut wrong = register();
        DigestClient::new(ClientCredentials::new("alice", "guess"))
            .authorize(&mut wrong, &challenge)
            .unwrap();
        assert_eq!(
            server.verify(&wrong, &users, t0 + Duration::from_secs(1)),
            AuthOutcome::Challenge { stale: false }
        );
    }
}

#[test]
fn sha256_is_chosen_from_our_server_and_verified() {
    let t0 = Instant::now();
    let users = HashMap::from([("alice".to_owned(), "s3cret".to_owned())]);
    let server = DigestServer::new(
        "shop.example",
        vec![DigestAlgorithm::Md5, DigestAlgorithm::Sha256],
        AuthMode::Www,
        [3; 32],
        t0,
    );
    let mut req = register();
    let challenge = server.challenge(&req, false, t0);
    let used = DigestClient::new(alice())
        .authorize(&mut req, &challenge)
        .unwrap();
    assert_eq!(used.algorithm, DigestAlgorithm::Sha256);
    assert!(matches!(
        server.verify(&req, &users, t0),
        AuthOutcome::Authenticated { .. }
    ));
}
