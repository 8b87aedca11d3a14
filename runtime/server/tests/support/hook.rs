//! A webhook receiver for tests: a local HTTP endpoint that hands every POST to the
//! test, a webhook pointing at it made through the API, and the signature check.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::mpsc;

use super::Server;

/// One POST the receiver got.
pub type Post = (HeaderMap, Bytes);

async fn receive(
    State(seen): State<mpsc::Sender<Post>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let _ = seen.send((headers, body)).await;
    StatusCode::NO_CONTENT
}

/// Starts a receiver on `runtime` at `http://<addr>/hook`; its POSTs arrive on the channel.
pub fn start_receiver(runtime: &tokio::runtime::Runtime) -> (SocketAddr, mpsc::Receiver<Post>) {
    let (seen_tx, seen) = mpsc::channel(64);
    let addr = runtime.block_on(async {
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
    (addr, seen)
}

/// Makes a webhook of the key's tenant to `url` for `events`, signed with `secret`; its id.
pub fn add_webhook(server: &Server, key: &str, url: &str, secret: &str, events: &[&str]) -> i64 {
    let body = serde_json::json!({ "url": url, "secret": secret, "events": events }).to_string();
    let (status, created) = server.http(
        "POST",
        "/api/v1/webhooks",
        Some(key),
        Some(("application/json", body.as_bytes())),
    );
    assert_eq!(status, 201, "{created}");
    serde_json::from_str::<serde_json::Value>(&created).expect("json")["id"]
        .as_i64()
        .expect("an id")
}

/// The value of header `name`.
pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header"))
}

/// Checks the POST's signature: `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn assert_signed(post: &Post, secret: &str) {
    let (headers, body) = post;
    let timestamp = header(headers, "x-wasmphony-timestamp");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(header(headers, "x-wasmphony-signature"), expected);
}
