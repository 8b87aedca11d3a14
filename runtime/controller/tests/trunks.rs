//! Calls to numbers go out through the tenant's carrier trunks: the best trunk
//! for the number first, failing over past a silent trunk and one answering
//! 503, answering the carrier's digest challenge with the trunk's credentials,
//! and presenting the trunk's caller id. The far end (sipp) echoes the caller's
//! audio back through the bridge.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use support::talk::*;
use support::*;
use wasmphony_controller::{Trunk, TrunkPlan};
use wasmphony_sip::auth::ClientCredentials;
use wasmphony_sip::endpoint::Target;

const DIALED: &str = "+35929000000";
/// The caller id the trunk presents (the carrier's sipp XML checks for it literally).
const TRUNK_CALLER_ID: &str = "+35924000111";

fn trunk(
    name: &str,
    port: u16,
    prefixes: &[&str],
    credentials: Option<ClientCredentials>,
) -> Trunk {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    Trunk {
        name: name.into(),
        host: addr.into(),
        target: Target::udp(addr),
        credentials,
        caller_id: Some(TRUNK_CALLER_ID.into()),
        prefixes: prefixes.iter().map(|p| p.to_string()).collect(),
        priority: 0,
        register: false,
    }
}

/// sipp as a carrier running `xml` on `port` for one call.
fn carrier(xml: &str, port: u16, keys: &[(&str, &str)]) -> tokio::task::JoinHandle<SippRun> {
    sipp_callee(&["-sf", &sipp_xml(xml)], port, keys)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_fails_over_to_the_trunk_that_answers_with_credentials() {
    if !sipp_available() {
        return;
    }
    // Most specific first: a trunk that never answers, then one that is down (503),
    // then the catch-all carrier that wants digest credentials.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let down_port = free_udp_port();
    let carrier_port = free_udp_port();
    let down = carrier("uas_trunk_down.xml", down_port, &[]);
    let good = carrier(
        "uas_trunk_digest.xml",
        carrier_port,
        &[("auth_user", "acme"), ("auth_pass", "s3cret")],
    );
    let credentials = ClientCredentials::new("acme", "s3cret");
    let mut plan = TrunkPlan::new();
    plan.add(trunk("carrier", carrier_port, &[], Some(credentials)));
    plan.add(trunk("down", down_port, &["+359"], None));
    plan.add(trunk("silent", silent_port, &["+3592"], None));
    let option_1 = format!(r#"{{"action":"dial","targets":["{DIALED}"],"strategy":"parallel"}}"#);
    let started = Instant::now();
    let talk = Duration::from_secs(10);
    let (echoed, record) =
        caller_presses_1_and_talks_with(&option_1, "trunk-failover", talk, |routes| {
            routes.set_trunk_plan(TENANT, plan);
        })
        .await;
    down.await.unwrap().assert_clean();
    good.await.unwrap().assert_clean();
    assert!(
        echoed >= 50,
        "{echoed} of the caller's packets came back through the carrier"
    );
    assert!(
        record.tags.contains(&"menu:1".to_string()),
        "{:?}",
        record.tags
    );
    // The silent trunk got the INVITE (and its retransmissions) first.
    silent
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut buf = [0u8; 4096];
    let (len, _) = silent
        .recv_from(&mut buf)
        .expect("the silent trunk was tried");
    let invite = String::from_utf8_lossy(&buf[..len]);
    assert!(
        invite.starts_with(&format!("INVITE sip:{DIALED}@")),
        "{invite}"
    );
    assert!(
        started.elapsed() >= wasmphony_controller::TRUNK_SETUP_TIMEOUT,
        "failed over only after the setup timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_trunk_credentials_do_not_connect_and_are_not_retried_forever() {
    if !sipp_available() {
        return;
    }
    let carrier_port = free_udp_port();
    let refusing = carrier(
        "uas_trunk_digest.xml",
        carrier_port,
        &[("auth_user", "acme"), ("auth_pass", "right")],
    );
    let mut plan = TrunkPlan::new();
    let wrong = ClientCredentials::new("acme", "wrong");
    plan.add(trunk("carrier", carrier_port, &[], Some(wrong)));
    let option_1 = format!(r#"{{"action":"dial","targets":["{DIALED}"],"strategy":"parallel"}}"#);
    let talk = Duration::from_secs(3);
    let (echoed, _) =
        caller_presses_1_and_talks_with(&option_1, "trunk-wrong-auth", talk, |routes| {
            routes.set_trunk_plan(TENANT, plan);
        })
        .await;
    assert_eq!(echoed, 0, "nothing connects with wrong credentials");
    let carrier_run = refusing.await.unwrap();
    assert_ne!(
        carrier_run.code,
        Some(0),
        "the carrier saw the wrong credentials (403 path)"
    );
}

/// The 200 a registrar sends for `register` (its text), granting `expires` seconds.
fn registered(register: &str, expires: u32) -> String {
    let header = |name: &str| {
        register
            .lines()
            .find(|line| line.to_ascii_lowercase().starts_with(&format!("{name}:")))
            .unwrap_or_default()
            .to_string()
    };
    let contact = header("contact");
    format!(
        "SIP/2.0 200 OK\r\n{}\r\n{}\r\n{};tag=registrar\r\n{}\r\n{}\r\n{};expires={expires}\r\nContent-Length: 0\r\n\r\n",
        header("via"),
        header("from"),
        header("to"),
        header("call-id"),
        header("cseq"),
        contact.split(";expires").next().unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registering_trunk_registers_and_its_carrier_reaches_our_numbers_through_the_contact() {
    if !sipp_available() {
        return;
    }
    let carrier = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let carrier_port = carrier.local_addr().unwrap().port();
    let mut plan = TrunkPlan::new();
    let mut registering = trunk(
        "carrier",
        carrier_port,
        &[],
        Some(ClientCredentials::new("acme", "s3cret")),
    );
    registering.register = true;
    plan.add(registering);
    let mut harness = start_with_routes(
        Setup::shipped("ivr-menu", ivr_config(r#"{"action":"hangup"}"#)),
        "trunk-register",
        |routes| routes.set_trunk_plan(TENANT, plan),
    )
    .await;

    let mut buf = [0u8; 4096];
    let (len, from) = tokio::time::timeout(Duration::from_secs(5), carrier.recv_from(&mut buf))
        .await
        .expect("a REGISTER within 5 s")
        .unwrap();
    let register = String::from_utf8_lossy(&buf[..len]).into_owned();
    assert!(
        register.starts_with(&format!("REGISTER sip:127.0.0.1:{carrier_port} SIP/2.0")),
        "{register}"
    );
    assert!(
        register.contains(&format!("<sip:acme@127.0.0.1:{carrier_port}>")),
        "{register}"
    );
    carrier
        .send_to(registered(&register, 60).as_bytes(), from)
        .await
        .unwrap();
    let until = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let states = harness.controller.trunk_registrations();
        if matches!(states.first(), Some((_, name, wasmphony_sip::registration::RegistrationState::Registered { .. })) if name == "carrier")
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < until,
            "not registered: {states:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The carrier sends a call for our number to the contact we registered (sip:acme@us).
    let sink = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut args = uac_args(
        "uac_carrier_to_contact.xml",
        harness.sip,
        &[
            ("rtp_sink", sink.local_addr().unwrap().port().to_string()),
            ("trunk_user", "acme".into()),
        ],
    );
    args.extend(["-d".into(), "1500".into()]);
    run_sipp(args).await.assert_clean();
    let record = harness.next_record().await;
    assert_eq!(
        record.dialed, NUMBER,
        "the To's number was routed, not the trunk user"
    );
}
