//! `GET /api/v1/events` through real HTTP and WebSocket on 127.0.0.1: a tenant's socket
//! carries its tenant's events in order and never another's; no key or a bad key is refused
//! before any upgrade; the per-tenant socket limit answers 429; close and ping behave.
#![allow(clippy::unwrap_used)]

mod common;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use common::{ADMIN_KEY, TestApp};
use futures_util::{SinkExt, StreamExt};
use hyper::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use wasmphony_api::{ApiState, MAX_EVENT_SUBSCRIBERS_PER_TENANT, router};
use wasmphony_engine::{HostConfig, ScenarioHost, ScenarioRegistry};
use wasmphony_events::{EventBus, LiveEvent};
use wasmphony_store::Store;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Bound on every wait for the server.
const WAIT: Duration = Duration::from_secs(10);

/// Generates `mod $name { fn sqlite(); fn postgres(); }` like the other API tests, with the
/// served API sharing an [`EventBus`] with the test (the publisher's side).
macro_rules! events_test {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("api.db").display());
                serve(Store::connect(&url).await.unwrap(), $body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                wasmphony_testkit::postgres::on_postgres_url(|url| async move {
                    serve(Store::connect(&url).await.unwrap(), $body).await;
                })
                .await;
            }
        }
    };
}

/// Serves the API with a shared event bus on an ephemeral port and runs `body`.
async fn serve<F, Fut>(store: Store, body: F)
where
    F: FnOnce(TestApp, EventBus) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let host = ScenarioHost::new(HostConfig {
        pool_slots: 4,
        ..HostConfig::default()
    })
    .unwrap();
    let registry = Arc::new(ScenarioRegistry::new(host));
    let recordings = tempfile::tempdir().unwrap();
    let bus = EventBus::new();
    let state = ApiState::new(store.clone(), registry.clone())
        .with_admin_key(ADMIN_KEY)
        .with_events(bus.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, router(state)).await });
    let app = TestApp {
        store: store.clone(),
        registry,
        addr,
        recordings_dir: recordings.path().to_owned(),
        clock_offset: Default::default(), // this state keeps the system clock
        originated: Default::default(),
    };
    let outcome = tokio::spawn(body(app, bus)).await;
    server.abort();
    store.close().await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

/// Opens the event socket, the key in the Authorization header.
async fn connect(app: &TestApp, key: Option<&str>) -> Result<Socket, tungstenite::Error> {
    let mut request = format!("ws://{}/api/v1/events", app.addr)
        .into_client_request()
        .unwrap();
    if let Some(key) = key {
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {key}").parse().unwrap());
    }
    let (socket, response) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(request))
        .await
        .expect("the upgrade timed out")?;
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    Ok(socket)
}

/// Opens the event socket with the key as `?key=` (as a browser does).
async fn connect_with_query(app: &TestApp, key: &str) -> Result<Socket, tungstenite::Error> {
    let url = format!("ws://{}/api/v1/events?key={key}", app.addr);
    tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(url))
        .await
        .expect("the upgrade timed out")
        .map(|(socket, _)| socket)
}

/// The status and JSON body of a refused upgrade.
fn refusal(result: Result<Socket, tungstenite::Error>) -> (StatusCode, Value) {
    match result {
        Err(tungstenite::Error::Http(response)) => {
            let body = response.body().clone().unwrap_or_default();
            let json = serde_json::from_slice(&body)
                .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&body)));
            (response.status(), json)
        }
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("expected a refusal, the upgrade succeeded"),
    }
}

/// The next text message, as JSON.
async fn next_event(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("no event came")
            .expect("the socket ended")
            .unwrap();
        match message {
            Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected message {other:?}"),
        }
    }
}

/// Waits until `tenant` has `count` subscribers on the bus.
async fn subscribers_become(bus: &EventBus, tenant: &str, count: usize) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while bus.subscribers(tenant) != count {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{tenant} has {} subscribers, expected {count}",
            bus.subscribers(tenant)
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn ringing(call_id: &str, from: &str) -> LiveEvent {
    LiveEvent::CallRinging {
        call_id: call_id.into(),
        from: from.into(),
        to: "+4930111222".into(),
        dialed: "+4930111222".into(),
        scenario: "ivr".into(),
        contact: Some(json!({"id": 7, "name": format!("Customer of {call_id}")})),
        at_ms: 1_000,
    }
}

fn answered(call_id: &str) -> LiveEvent {
    LiveEvent::CallAnswered {
        call_id: call_id.into(),
        at_ms: 2_000,
    }
}

fn ended(call_id: &str) -> LiveEvent {
    LiveEvent::CallEnded {
        call_id: call_id.into(),
        disposition: "answered".into(),
        hangup_side: "caller".into(),
        duration_ms: 2_000,
        at_ms: 3_000,
    }
}

fn as_json(event: &LiveEvent) -> Value {
    serde_json::to_value(event).unwrap()
}

events_test!(
    a_tenants_socket_carries_its_events_in_order_and_never_anothers,
    |app: TestApp, bus: EventBus| async move {
        let (alpha_id, _) = app.tenant_with_key("alpha", "admin").await;
        let (_, bravo_key) = app.tenant_with_key("bravo", "admin").await;
        // Any role may watch its tenant's events: an operator screen runs on an agent key.
        let alpha_agent = app.key_for(alpha_id, "agent").await;
        let mut alpha = connect(&app, Some(&alpha_agent)).await.unwrap();
        let mut bravo = connect_with_query(&app, &bravo_key).await.unwrap();
        // Subscribed before the 101 answer: nothing published from now on is missed.
        assert_eq!(bus.subscribers("alpha"), 1);
        assert_eq!(bus.subscribers("bravo"), 1);

        let alpha_events = [
            ringing("a1", "+4917000001"),
            answered("a1"),
            queue_changed("support", 3),
            ended("a1"),
        ];
        let bravo_events = [ringing("b1", "+4917000002"), answered("b1")];
        // Interleaved, as two tenants' calls are.
        bus.publish("alpha", alpha_events[0].clone());
        bus.publish("bravo", bravo_events[0].clone());
        bus.publish("alpha", alpha_events[1].clone());
        bus.publish("alpha", alpha_events[2].clone());
        bus.publish("bravo", bravo_events[1].clone());
        bus.publish("alpha", alpha_events[3].clone());
        // A tenant nobody watches: dropped, and no socket sees it.
        bus.publish("charlie", answered("c1"));
        // The last event of each socket: had another tenant's event slipped in, it would
        // arrive before these.
        bus.publish("alpha", answered("alpha-end"));
        bus.publish("bravo", answered("bravo-end"));

        for event in alpha_events.iter().chain([&answered("alpha-end")]) {
            assert_eq!(next_event(&mut alpha).await, as_json(event));
        }
        for event in bravo_events.iter().chain([&answered("bravo-end")]) {
            assert_eq!(next_event(&mut bravo).await, as_json(event));
        }
        // The screen pop carries the caller's card.
        let card = as_json(&alpha_events[0]);
        assert_eq!(card["type"], "call_ringing");
        assert_eq!(card["contact"]["name"], "Customer of a1");
        // Nothing else is waiting on either socket.
        for socket in [&mut alpha, &mut bravo] {
            let extra = tokio::time::timeout(Duration::from_millis(200), socket.next()).await;
            assert!(extra.is_err(), "unexpected message: {extra:?}");
        }
    }
);

fn queue_changed(queue: &str, waiting: u32) -> LiveEvent {
    LiveEvent::QueueChanged {
        queue: queue.into(),
        waiting,
        at_ms: 2_500,
    }
}

events_test!(
    no_key_or_a_bad_key_is_refused_without_an_upgrade,
    |app: TestApp, bus: EventBus| async move {
        let (alpha_id, alpha_key) = app.tenant_with_key("alpha", "admin").await;
        let refusals = [
            ("no key", connect(&app, None).await),
            ("bad header key", connect(&app, Some("wph_not-a-key")).await),
            (
                "bad query key",
                connect_with_query(&app, "wph_not-a-key").await,
            ),
            ("empty query key", connect_with_query(&app, "").await),
            // The platform administrator's key names no tenant.
            ("admin key", connect(&app, Some(ADMIN_KEY)).await),
        ];
        for (what, result) in refusals {
            let (status, body) = refusal(result);
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
            assert_eq!(body["error"]["code"], "unauthenticated", "{what}: {body}");
        }
        // A revoked key is refused too.
        let spare = app.key_for(alpha_id, "agent").await;
        let listed = app.get("/api/v1/keys", &alpha_key).await.json();
        let spare_entry = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|key| key["name"] == "agent key")
            .expect("the spare key is listed")
            .clone();
        let revoked = app
            .delete(&format!("/api/v1/keys/{}", spare_entry["id"]), &alpha_key)
            .await;
        assert!(revoked.status.is_success(), "{}", revoked.text());
        let (status, _) = refusal(connect(&app, Some(&spare)).await);
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // A valid key without an upgrade gets our JSON error, not a socket.
        let plain = app.get("/api/v1/events", &alpha_key).await;
        assert_eq!(
            plain.status,
            StatusCode::UPGRADE_REQUIRED,
            "{}",
            plain.text()
        );
        assert_eq!(plain.error_code(), "websocket_required");
        assert_eq!(plain.headers["upgrade"], "websocket");
        // None of it subscribed anything.
        assert_eq!(bus.subscribers("alpha"), 0);
    }
);

events_test!(
    the_per_tenant_socket_limit_answers_429,
    |app: TestApp, bus: EventBus| async move {
        let (_, alpha_key) = app.tenant_with_key("alpha", "admin").await;
        let (_, bravo_key) = app.tenant_with_key("bravo", "admin").await;
        let mut sockets = Vec::new();
        for _ in 0..MAX_EVENT_SUBSCRIBERS_PER_TENANT {
            sockets.push(connect(&app, Some(&alpha_key)).await.unwrap());
        }
        let (status, body) = refusal(connect(&app, Some(&alpha_key)).await);
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert_eq!(body["error"]["code"], "too_many_subscribers", "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&MAX_EVENT_SUBSCRIBERS_PER_TENANT.to_string()),
            "{body}"
        );
        // The limit is per tenant.
        let mut bravo = connect(&app, Some(&bravo_key)).await.unwrap();
        bus.publish("bravo", answered("b1"));
        assert_eq!(next_event(&mut bravo).await, as_json(&answered("b1")));

        // A closed socket gives its place back.
        let mut first = sockets.remove(0);
        first.close(None).await.unwrap();
        subscribers_become(&bus, "alpha", MAX_EVENT_SUBSCRIBERS_PER_TENANT - 1).await;
        let mut again = connect(&app, Some(&alpha_key)).await.unwrap();
        bus.publish("alpha", answered("a1"));
        assert_eq!(next_event(&mut again).await, as_json(&answered("a1")));
        assert_eq!(next_event(&mut sockets[0]).await, as_json(&answered("a1")));
    }
);

events_test!(
    ping_is_answered_and_a_client_close_ends_the_socket_cleanly,
    |app: TestApp, bus: EventBus| async move {
        let (_, alpha_key) = app.tenant_with_key("alpha", "admin").await;
        let mut socket = connect(&app, Some(&alpha_key)).await.unwrap();
        socket
            .send(Message::Ping(b"are you there"[..].into()))
            .await
            .unwrap();
        let pong = tokio::time::timeout(WAIT, socket.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(pong, Message::Pong(b"are you there"[..].into()));
        // Client text is ignored, the socket stays open.
        socket.send(Message::text("hello")).await.unwrap();
        bus.publish("alpha", answered("a1"));
        assert_eq!(next_event(&mut socket).await, as_json(&answered("a1")));

        // The close handshake completes: the server answers Close, then the stream ends.
        socket.close(None).await.unwrap();
        let mut saw_close = false;
        loop {
            match tokio::time::timeout(WAIT, socket.next()).await.unwrap() {
                Some(Ok(Message::Close(_))) => saw_close = true,
                Some(Ok(other)) => panic!("unexpected message after close: {other:?}"),
                Some(Err(tungstenite::Error::ConnectionClosed)) | None => break,
                Some(Err(error)) => panic!("unclean end: {error}"),
            }
        }
        assert!(saw_close, "the server did not answer the close");
        subscribers_become(&bus, "alpha", 0).await;
        // Publishing to a tenant whose screens are all gone is harmless.
        bus.publish("alpha", answered("a2"));
    }
);
