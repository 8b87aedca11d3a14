//! Our outbound registration against sipp playing a carrier's registrar: sipp challenges
//! (401, MD5, qop=auth) and checks our answer with `verifyauth`. The right password is
//! granted (200, then our un-REGISTER is accepted); a wrong one is refused with 403.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::time::Duration;

use support::*;
use wasmphony_sip::auth::ClientCredentials;
use wasmphony_sip::endpoint::{Endpoint, EndpointConfig, Target};
use wasmphony_sip::message::Uri;
use wasmphony_sip::registration::{
    RegistrationConfig, RegistrationFailure, RegistrationHandle, RegistrationState,
    RegistrationTiming, spawn_registration,
};

/// Longest wait for the registration to reach the state a test expects.
const STATE_DEADLINE: Duration = Duration::from_secs(10);

fn sipp_registrar(port: u16) -> tokio::task::JoinHandle<SippRun> {
    let args: Vec<String> = vec![
        "-sf".into(),
        scenario("registrar_digest_uas.xml"),
        "-i".into(),
        "127.0.0.1".into(),
        "-p".into(),
        port.to_string(),
        "-m".into(),
        "1".into(),
    ];
    tokio::spawn(async move { run_sipp(&args).await })
}

async fn register(port: u16, password: &str) -> (Endpoint, RegistrationHandle) {
    let (endpoint, _incoming) = Endpoint::bind(EndpointConfig::udp("127.0.0.1:0".parse().unwrap()))
        .await
        .unwrap();
    let target = Target::udp(format!("127.0.0.1:{port}").parse().unwrap());
    let local = endpoint.local_addr_for(target).unwrap();
    let config = RegistrationConfig {
        target,
        registrar_uri: Uri::parse("sip:carrier.example").unwrap(),
        aor: Uri::parse("sip:trunk@carrier.example").unwrap(),
        contact: Uri::parse(&format!("sip:trunk@{local}")).unwrap(),
        credentials: ClientCredentials::new("trunk", password),
        expires: 300,
        timing: RegistrationTiming {
            // No retry during the test: one attempt is judged.
            first_retry: Duration::from_secs(60),
            unregister_wait: Duration::from_secs(5),
            ..RegistrationTiming::default()
        },
    };
    let handle = spawn_registration(endpoint.clone(), config);
    (endpoint, handle)
}

/// Waits until the state is no longer `Registering`.
async fn settled(handle: &RegistrationHandle) -> RegistrationState {
    let mut state = handle.state();
    tokio::time::timeout(
        STATE_DEADLINE,
        state.wait_for(|s| !matches!(s, RegistrationState::Registering)),
    )
    .await
    .expect("the registration settled in time")
    .unwrap()
    .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn right_password_is_registered_then_unregistered() {
    if !sipp_available() {
        return;
    }
    let port = free_udp_port();
    let sipp = sipp_registrar(port);
    let (_endpoint, handle) = register(port, "carrier-secret").await;
    let state = settled(&handle).await;
    let RegistrationState::Registered { until } = state else {
        panic!("expected Registered, got {state:?}");
    };
    // sipp granted 30 s on our Contact (we asked for 300).
    let granted = until.saturating_duration_since(std::time::Instant::now());
    assert!(
        granted <= Duration::from_secs(30) && granted > Duration::from_secs(25),
        "{granted:?}"
    );
    assert_eq!(handle.stop().await, RegistrationState::Unregistered);
    let run = sipp.await.unwrap();
    assert_eq!(
        run.code,
        Some(0),
        "sipp failed:\n{}\n{}",
        run.stdout,
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_refused_and_reported_failed() {
    if !sipp_available() {
        return;
    }
    let port = free_udp_port();
    let sipp = sipp_registrar(port);
    let (_endpoint, handle) = register(port, "guess").await;
    let state = settled(&handle).await;
    assert!(
        matches!(
            &state,
            RegistrationState::Failed {
                reason: RegistrationFailure::Rejected { status: 403, .. },
                ..
            }
        ),
        "{state:?}"
    );
    assert_eq!(handle.stop().await, RegistrationState::Unregistered);
    let run = sipp.await.unwrap();
    assert_ne!(
        run.code,
        Some(0),
        "sipp's verifyauth accepted a wrong password:\n{}",
        run.stdout
    );
}
