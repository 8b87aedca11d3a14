//! Webhooks end to end: the server started, a webhook configured through the API to a
//! local receiver, a sipp call to the demo number; the receiver gets `call_ringing`,
//! `call_answered` and `call_ended` POSTs, signed with the webhook's secret, and the
//! webhook's health in the API counts them as delivered. A webhook whose receiver is
//! down shows on `/metrics`: attempts retried, the event waiting behind them queued, and
//! at last the event given up as failed.

mod support;

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use support::{ADMIN_KEY, Server, one_short_call};
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

/// `GET /metrics` as series (name with labels) to value.
fn scrape(server: &Server) -> std::collections::HashMap<String, f64> {
    let (status, body) = server.http("GET", "/metrics", Some(ADMIN_KEY), None);
    assert_eq!(status, 200, "{body}");
    body.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            Some((series.to_string(), value.parse().ok()?))
        })
        .collect()
}

#[test]
fn a_webhook_whose_receiver_is_down_shows_on_metrics() {
    if !wasmphony_testkit::have_sipp() {
        return;
    }
    // A port nobody listens on: every attempt is refused at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port");
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path(), &["--webhook-private-targets"]);
    let key = server.tenant_key(1, "admin");
    let delivered = "wasmphony_webhook_deliveries_total{outcome=\"delivered\"}";
    let retried = "wasmphony_webhook_deliveries_total{outcome=\"retried\"}";
    let failed = "wasmphony_webhook_deliveries_total{outcome=\"failed\"}";
    let dropped = "wasmphony_webhook_deliveries_total{outcome=\"dropped\"}";
    let queued = "wasmphony_webhook_deliveries_queued";
    let before = scrape(&server);
    for series in [delivered, retried, failed, dropped, queued] {
        assert_eq!(
            before.get(series),
            Some(&0.0),
            "{series} from zero: {before:#?}"
        );
    }
    support::hook::add_webhook(
        &server,
        &key,
        &format!("http://{closed}/hook"),
        SECRET,
        &["call_ringing", "call_ended"],
    );

    one_short_call(&server, dir.path());

    // The ringing event is being retried (1 s, 2 s, 4 s, ...) while the end waits behind it.
    let wait = |what: &str,
                limit: Duration,
                ready: &dyn Fn(&std::collections::HashMap<String, f64>) -> bool| {
        let deadline = std::time::Instant::now() + limit;
        loop {
            let metrics = scrape(&server);
            if ready(&metrics) {
                return metrics;
            }
            assert!(std::time::Instant::now() < deadline, "{what}: {metrics:#?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let retrying = wait("retried, one queued", Duration::from_secs(20), &|m| {
        m.get(retried).is_some_and(|n| *n >= 1.0) && m.get(queued) == Some(&1.0)
    });
    assert_eq!(retrying.get(failed), Some(&0.0), "{retrying:#?}");
    // Six attempts over about 31 s, then the ringing event is given up.
    let gave_up = wait("given up", Duration::from_secs(60), &|m| {
        m.get(failed).is_some_and(|n| *n >= 1.0)
    });
    assert!(
        gave_up[retried] >= 5.0,
        "five retries before giving up: {gave_up:#?}"
    );
    assert_eq!(gave_up[delivered], 0.0, "{gave_up:#?}");
    assert_eq!(gave_up[dropped], 0.0, "{gave_up:#?}");
}
