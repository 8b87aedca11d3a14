//! Measures the API over loopback HTTP on a temporary SQLite store: one component upload
//! (validate + compile + store + register) and sequential authenticated requests.
//!
//! `cargo run -p wasmphony-api --example request_latency [--release]`
#![allow(clippy::unwrap_used)] // a measuring tool: a failure should stop it loudly

use std::sync::Arc;
use std::time::Instant;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use wasmphony_api::{ApiState, router};
use wasmphony_engine::{HostConfig, ScenarioHost, ScenarioRegistry};
use wasmphony_store::Store;

/// Requests per measured route.
const REQUESTS: u32 = 500;

const ADMIN_KEY: &str = "example-admin-key";

async fn send(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    method: &str,
    path: &str,
    key: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (hyper::StatusCode, Bytes) {
    let request = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1")
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    sender.ready().await.unwrap(); // keep-alive: the previous exchange must be done
    let response = sender.send_request(request).await.unwrap();
    let status = response.status();
    (
        status,
        response.into_body().collect().await.unwrap().to_bytes(),
    )
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("api.db").display()))
        .await
        .unwrap();
    let host = ScenarioHost::new(HostConfig {
        pool_slots: 4,
        ..HostConfig::default()
    })
    .unwrap();
    let registry = Arc::new(ScenarioRegistry::new(host));
    let state = ApiState::new(store, registry).with_admin_key(ADMIN_KEY);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(state)).await });

    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let json = "application/json";
    let tenant = br#"{"slug":"acme","name":"Acme","country_code":"49"}"#.to_vec();
    let (_, created) = send(
        &mut sender,
        "POST",
        "/api/v1/tenants",
        ADMIN_KEY,
        json,
        tenant,
    )
    .await;
    let id = serde_json::from_slice::<serde_json::Value>(&created).unwrap()["id"]
        .as_i64()
        .unwrap();
    let key_request = br#"{"name":"bench","role":"admin"}"#.to_vec();
    let (_, key) = send(
        &mut sender,
        "POST",
        &format!("/api/v1/tenants/{id}/keys"),
        ADMIN_KEY,
        json,
        key_request,
    )
    .await;
    let key: serde_json::Value = serde_json::from_slice(&key).unwrap();
    let key = key["secret"].as_str().unwrap().to_owned();

    let ivr = wasmphony_scenarios::by_name("ivr-menu").unwrap().bytes;
    let started = Instant::now();
    let (status, _) = send(
        &mut sender,
        "POST",
        "/api/v1/components/ivr",
        &key,
        "application/wasm",
        ivr.to_vec(),
    )
    .await;
    println!(
        "upload of ivr-menu ({} KiB): {status} in {:.1} ms",
        ivr.len() / 1024,
        started.elapsed().as_secs_f64() * 1000.0
    );

    for (method, path, body) in [
        ("GET", "/api/v1/users", Vec::new()),
        ("GET", "/api/v1/calls?limit=50", Vec::new()),
        (
            "POST",
            "/api/v1/records",
            br#"{"kind":"order","status":"new","due":null,"contact_number":null,"fields":{}}"#
                .to_vec(),
        ),
    ] {
        let started = Instant::now();
        for _ in 0..REQUESTS {
            let (status, _) = send(&mut sender, method, path, &key, json, body.clone()).await;
            assert!(status.is_success(), "{method} {path}: {status}");
        }
        let each = started.elapsed().as_secs_f64() * 1e6 / f64::from(REQUESTS);
        println!("{method} {path}: {REQUESTS} sequential requests, {each:.0} µs each");
    }
}
