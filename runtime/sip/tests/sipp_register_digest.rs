//! sipp REGISTERs with digest auth against the registrar behind our endpoint: the right
//! password is bound (200), a wrong one and an unknown user are challenged again (401).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use support::*;
use wasmphony_sip::auth::{AuthMode, DigestAlgorithm, DigestServer};
use wasmphony_sip::endpoint::{Endpoint, EndpointConfig, Incoming, TransportKind};
use wasmphony_sip::message::Method;
use wasmphony_sip::registrar::{Registrar, RegistrarConfig, RegistrarService};

/// Starts a registrar for `shop.example` (MD5: sipp 3.6 does not know SHA-256) with one user.
async fn start_registrar() -> (
    std::net::SocketAddr,
    Arc<Mutex<RegistrarService>>,
    tokio::task::JoinHandle<()>,
) {
    let (ep, mut rx) = Endpoint::bind(EndpointConfig::udp("127.0.0.1:0".parse().unwrap()))
        .await
        .unwrap();
    let addr = ep.local_addrs(TransportKind::Udp)[0];
    let auth = DigestServer::with_random_secret(
        "shop.example",
        vec![DigestAlgorithm::Md5],
        AuthMode::Www,
        Instant::now(),
    )
    .unwrap();
    let service = Arc::new(Mutex::new(RegistrarService::new(
        Registrar::new(RegistrarConfig::default()),
        auth,
    )));
    let users: HashMap<String, String> =
        HashMap::from([("alice".to_owned(), "wonderland".to_owned())]);
    let svc = service.clone();
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
                st.response(wasmphony_sip::message::StatusCode::METHOD_NOT_ALLOWED)
            };
            let _ = st.respond(response).await;
        }
    });
    (addr, service, task)
}

async fn register(addr: std::net::SocketAddr, xml: &str, user: &str, password: &str) -> SippRun {
    let args: Vec<String> = vec![
        "-sf".into(),
        scenario(xml),
        addr.to_string(),
        "-i".into(),
        "127.0.0.1".into(),
        "-p".into(),
        free_udp_port().to_string(),
        "-m".into(),
        "1".into(),
        "-s".into(),
        user.into(),
        "-au".into(),
        user.into(),
        "-ap".into(),
        password.into(),
    ];
    run_sipp(&args).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_register_with_the_right_password_is_bound() {
    if !sipp_available() {
        return;
    }
    let (addr, service, task) = start_registrar().await;
    let run = register(addr, "register_right.xml", "alice", "wonderland").await;
    task.abort();
    assert_eq!(
        run.code,
        Some(0),
        "sipp failed:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    let bindings = service
        .lock()
        .unwrap()
        .registrar
        .lookup("alice@shop.example", Instant::now());
    assert_eq!(bindings.len(), 1);
    assert_eq!(bindings[0].contact.host_port.host.to_string(), "127.0.0.1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_register_with_a_wrong_password_or_unknown_user_is_refused() {
    if !sipp_available() {
        return;
    }
    let (addr, service, task) = start_registrar().await;
    let wrong = register(addr, "register_wrong.xml", "alice", "guess").await;
    let unknown = register(addr, "register_wrong.xml", "mallory", "guess").await;
    task.abort();
    assert_eq!(
        wrong.code,
        Some(0),
        "sipp failed:\n{}\n{}",
        wrong.stdout,
        wrong.stderr
    );
    assert_eq!(
        unknown.code,
        Some(0),
        "sipp failed:\n{}\n{}",
        unknown.stdout,
        unknown.stderr
    );
    assert!(service.lock().unwrap().registrar.is_empty());
}
