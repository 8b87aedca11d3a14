//! Our outbound registration against our own registrar (digest in front) over loopback UDP:
//! registers, refreshes a short grant with the same Call-ID and rising CSeq, and unregisters
//! (the binding is gone before it would have lapsed). A wrong password ends `Failed`.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wasmphony_sip::auth::{AuthMode, ClientCredentials, DigestAlgorithm, DigestServer};
use wasmphony_sip::endpoint::{Endpoint, EndpointConfig, Incoming, Target, TransportKind};
use wasmphony_sip::message::{Method, StatusCode, Uri};
use wasmphony_sip::registrar::{Registrar, RegistrarConfig, RegistrarService};
use wasmphony_sip::registration::{
    RegistrationConfig, RegistrationFailure, RegistrationState, RegistrationTiming,
    spawn_registration,
};

/// Longest wait for any expected state.
const STATE_DEADLINE: Duration = Duration::from_secs(10);

/// (Call-ID, CSeq, Expires, status answered) of each REGISTER the registrar saw.
type Seen = Arc<Mutex<Vec<(String, u32, Option<u32>, u16)>>>;

struct RunningRegistrar {
    addr: SocketAddr,
    service: Arc<Mutex<RegistrarService>>,
    seen: Seen,
    _task: tokio::task::JoinHandle<()>,
}

async fn start_registrar() -> RunningRegistrar {
    let (ep, mut rx) = Endpoint::bind(EndpointConfig::udp("127.0.0.1:0".parse().unwrap()))
        .await
        .unwrap();
    let addr = ep.local_addrs(TransportKind::Udp)[0];
    let auth = DigestServer::with_random_secret(
        "carrier.example",
        vec![DigestAlgorithm::Sha256, DigestAlgorithm::Md5],
        AuthMode::Www,
        Instant::now(),
    )
    .unwrap();
    let service = Arc::new(Mutex::new(RegistrarService::new(
        Registrar::new(RegistrarConfig {
            min_expires: 1,
            ..RegistrarConfig::default()
        }),
        auth,
    )));
    let users: HashMap<String, String> =
        HashMap::from([("trunk".to_owned(), "carrier-secret".to_owned())]);
    let seen: Seen = Arc::default();
    let (svc, log) = (service.clone(), seen.clone());
    let task = tokio::spawn(async move {
        let _keep = ep;
        while let Some(item) = rx.recv().await {
            let Incoming::Request(mut st) = item else {
                continue;
            };
            let response = if st.request().method == Method::Register {
                let tag = wasmphony_sip::ids::new_tag();
                svc.lock()
                    .unwrap()
                    .handle(st.request(), st.source(), &users, &tag, Instant::now())
            } else {
                st.response(StatusCode::METHOD_NOT_ALLOWED)
            };
            let r = st.request();
            log.lock().unwrap().push((
                r.head.call_id.to_string(),
                r.head.cseq.seq,
                r.head.expires(),
                response.status.as_u16(),
            ));
            let _ = st.respond(response).await;
        }
    });
    RunningRegistrar {
        addr,
        service,
        seen,
        _task: task,
    }
}

async fn client_config(registrar: SocketAddr, password: &str) -> (Endpoint, RegistrationConfig) {
    let (endpoint, _incoming) = Endpoint::bind(EndpointConfig::udp("127.0.0.1:0".parse().unwrap()))
        .await
        .unwrap();
    let target = Target::udp(registrar);
    let local = endpoint.local_addr_for(target).unwrap();
    let config = RegistrationConfig {
        target,
        registrar_uri: Uri::parse("sip:carrier.example").unwrap(),
        aor: Uri::parse("sip:trunk@carrier.example").unwrap(),
        contact: Uri::parse(&format!("sip:trunk@{local}")).unwrap(),
        credentials: ClientCredentials::new("trunk", password),
        expires: 4,
        timing: RegistrationTiming {
            min_refresh: Duration::from_millis(500),
            first_retry: Duration::from_secs(60),
            ..RegistrationTiming::default()
        },
    };
    (endpoint, config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registers_refreshes_and_unregisters() {
    let registrar = start_registrar().await;
    let (endpoint, config) = client_config(registrar.addr, "carrier-secret").await;
    let handle = spawn_registration(endpoint, config);
    let mut state = handle.state();

    let first = tokio::time::timeout(
        STATE_DEADLINE,
        state.wait_for(|s| matches!(s, RegistrationState::Registered { .. })),
    )
    .await
    .unwrap()
    .unwrap()
    .clone();
    let RegistrationState::Registered { until: first_until } = first else {
        unreachable!()
    };
    // The 4 s grant is refreshed at about 2 s: a later `until`.
    tokio::time::timeout(
        STATE_DEADLINE,
        state.wait_for(
            |s| matches!(s, RegistrationState::Registered { until } if *until > first_until),
        ),
    )
    .await
    .expect("refreshed in time")
    .unwrap();
    let aor = "trunk@carrier.example";
    assert_eq!(
        registrar
            .service
            .lock()
            .unwrap()
            .registrar
            .lookup(aor, Instant::now())
            .len(),
        1
    );

    assert_eq!(handle.stop().await, RegistrationState::Unregistered);
    // Gone now, although the last grant had about 2 s left.
    assert!(
        registrar
            .service
            .lock()
            .unwrap()
            .registrar
            .lookup(aor, Instant::now())
            .is_empty()
    );

    let seen = registrar.seen.lock().unwrap().clone();
    let call_id = &seen[0].0;
    assert!(seen.iter().all(|(c, ..)| c == call_id), "{seen:?}");
    assert!(
        seen.windows(2).all(|w| w[0].1 < w[1].1),
        "CSeq rises: {seen:?}"
    );
    let statuses: Vec<u16> = seen.iter().map(|s| s.3).collect();
    // register (401, 200), refresh (401, 200), un-register (401, 200)
    assert_eq!(statuses, [401, 200, 401, 200, 401, 200], "{seen:?}");
    assert_eq!(seen[5].2, Some(0), "the last REGISTER asks Expires: 0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_ends_failed_with_wrong_credentials() {
    let registrar = start_registrar().await;
    let (endpoint, config) = client_config(registrar.addr, "guess").await;
    let handle = spawn_registration(endpoint, config);
    let mut state = handle.state();
    let failed = tokio::time::timeout(
        STATE_DEADLINE,
        state.wait_for(|s| matches!(s, RegistrationState::Failed { .. })),
    )
    .await
    .unwrap()
    .unwrap()
    .clone();
    assert!(
        matches!(
            failed,
            RegistrationState::Failed {
                reason: RegistrationFailure::WrongCredentials,
                ..
            }
        ),
        "{failed:?}"
    );
    assert_eq!(handle.stop().await, RegistrationState::Unregistered);
    assert!(registrar.service.lock().unwrap().registrar.is_empty());
    let statuses: Vec<u16> = registrar.seen.lock().unwrap().iter().map(|s| s.3).collect();
    assert_eq!(statuses, [401, 401], "one answer, then given up");
}
