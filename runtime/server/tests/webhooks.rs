//! Webhooks end to end: the server started, a webhook configured through the API to a
//! local receiver, a sipp call to the demo number; the receiver gets `call_ringing`,
//! `call_answered` and `call_ended` POSTs, signed with the webhook's secret, and the
//! webhook's health in the API counts them as delivered.

mod support;

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use support::{Server, one_short_call};
use tokio::sync::mpsc;

const SECRET: &str = "e2e-webhook-secret-0123";

async fn receive(
    State(seen): State<mpsc::Sender<(HeaderMap, Bytes)>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let _ = seen.send((headers, body)).await;
    StatusCode::NO_CONTENT
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header"))
}

#[test]
fn a_real_call_is_posted_to_a_webhook_configured_through_the_api() {
    if !wasmphony_testkit::have_sipp() {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (seen_tx, mut seen) = mpsc::channel(16);
    let receiver = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(seen_tx);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        addr
    });

    let dir = tempfile::tempdir().expect("temp dir");
    // The receiver runs on loopback, a private target.
    let server = Server::start(dir.path(), &["--webhook-private-targets"]);
    let key = server.tenant_key(1, "admin");
    let body = serde_json::json!({
        "url": format!("http://{receiver}/hook"),
        "secret": SECRET,
        "events": ["call_ringing", "call_answered", "call_ended"],
    })
    .to_string();
    let (status, created) = server.http(
        "POST",
        "/api/v1/webhooks",
        Some(&key),
        Some(("application/json", body.as_bytes())),
    );
    assert_eq!(status, 201, "{created}");
    assert!(!created.contains(SECRET));
    let id = serde_json::from_str::<serde_json::Value>(&created).expect("json")["id"]
        .as_i64()
        .expect("an id");

    let call_id = one_short_call(&server, dir.path());

    let posts: Vec<(HeaderMap, Bytes)> = runtime.block_on(async {
        let mut posts = Vec::new();
        for _ in 0..3 {
            let post = tokio::time::timeout(Duration::from_secs(15), seen.recv())
                .await
                .expect("a POST arrives")
                .expect("the receiver runs");
            posts.push(post);
        }
        posts
    });
    let kinds: Vec<&str> = posts
        .iter()
        .map(|(headers, _)| header(headers, "x-wasmphony-event"))
        .collect();
    assert_eq!(kinds, ["call_ringing", "call_answered", "call_ended"]);
    for (headers, body) in &posts {
        let event: serde_json::Value = serde_json::from_slice(body).expect("json body");
        assert_eq!(event["call_id"], call_id.as_str(), "{event}");
        assert_eq!(event["type"], header(headers, "x-wasmphony-event"));
        let timestamp = header(headers, "x-wasmphony-timestamp");
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("hmac");
        mac.update(format!("{timestamp}.").as_bytes());
        mac.update(body);
        let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert_eq!(header(headers, "x-wasmphony-signature"), expected);
    }
    let ringing: serde_json::Value = serde_json::from_slice(&posts[0].1).expect("json");
    assert_eq!(ringing["dialed"], "+35924001000");

    // The health follows the receiver's answers by a moment.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, shown) =
            server.http("GET", &format!("/api/v1/webhooks/{id}"), Some(&key), None);
        assert_eq!(status, 200, "{shown}");
        let shown: serde_json::Value = serde_json::from_str(&shown).expect("json");
        if shown["health"]["delivered"] == 3 {
            assert_eq!(shown["health"]["failed"], 0);
            assert_eq!(shown["health"]["last_status"], 204);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "health: {shown}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
