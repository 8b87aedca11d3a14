//! A receiver that keeps failing, and one that is not there at all: after the last retry
//! the event is given up, and `GET /api/v1/webhooks/{id}` (the real API on 127.0.0.1)
//! shows the failure: the count, the last status and the last error.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{Fixture, Receiver, fast_config};
use wasmphony_engine::{HostConfig, ScenarioHost, ScenarioRegistry};
use wasmphony_events::LiveEvent;
use wasmphony_store::{Role, UnixMs};

/// Serves the API over the fixture's store; returns its address and an admin key of acme.
async fn serve_api(fixture: &Fixture) -> (std::net::SocketAddr, String) {
    let host = ScenarioHost::new(HostConfig {
        pool_slots: 2,
        ..HostConfig::default()
    })
    .unwrap();
    let registry = Arc::new(ScenarioRegistry::new(host));
    let state = wasmphony_api::ApiState::new(fixture.store.clone(), registry)
        .with_webhook_changes(fixture.changes.clone());
    let key = "acme-admin-key-for-the-webhook-test";
    fixture
        .store
        .create_api_key(
            fixture.tenant,
            "test",
            Role::Admin,
            &wasmphony_api::hash_key(key),
            UnixMs::now(),
        )
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, wasmphony_api::router(state)).await;
    });
    (addr, key.to_owned())
}

async fn get_json(url: &str, key: &str) -> serde_json::Value {
    let response = reqwest::Client::new()
        .get(url)
        .bearer_auth(key)
        .timeout(common::WAIT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_up_deliveries_show_in_the_api() {
    let fixture = Fixture::start(fast_config()).await;
    let (api, key) = serve_api(&fixture).await;
    let mut failing = Receiver::start(&[]).await;
    failing.always(500);
    let broken = fixture.webhook(&failing.url("/broken"), &[]).await;
    // A port nobody listens on: bound, then closed.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let absent = fixture
        .webhook(&format!("http://{closed}/nobody"), &[])
        .await;

    fixture.bus.publish(
        "acme",
        LiveEvent::CallAnswered {
            call_id: "c1".into(),
            at_ms: 1,
        },
    );
    // Three attempts (the test policy's maximum), then it is given up.
    for _ in 0..3 {
        failing.next().await;
    }
    fixture.health_until(&broken, |h| h.failed == 1).await;
    fixture.health_until(&absent, |h| h.failed == 1).await;
    assert!(
        failing
            .nothing_within(std::time::Duration::from_millis(200))
            .await
    );

    let shown = get_json(&format!("http://{api}/api/v1/webhooks/{}", broken.id), &key).await;
    assert_eq!(shown["health"]["failed"], 1);
    assert_eq!(shown["health"]["delivered"], 0);
    assert_eq!(shown["health"]["last_status"], 500);
    assert_eq!(shown["health"]["last_error"], "HTTP 500");
    assert!(shown["health"]["last_attempt_ms"].is_i64());
    assert!(shown.get("secret").is_none());

    let shown = get_json(&format!("http://{api}/api/v1/webhooks/{}", absent.id), &key).await;
    assert_eq!(shown["health"]["failed"], 1);
    assert!(shown["health"]["last_status"].is_null());
    let error = shown["health"]["last_error"].as_str().unwrap();
    assert!(
        error.contains("connect") || error.contains("refused"),
        "{error}"
    );
    assert!(
        !error.contains("/nobody"),
        "the URL stays out of errors: {error}"
    );
    let listed = get_json(&format!("http://{api}/api/v1/webhooks"), &key).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);

    // A change through the API applies at once: deleting the failing webhook stops it.
    let deleted = reqwest::Client::new()
        .delete(format!("http://{api}/api/v1/webhooks/{}", broken.id))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let deleted_absent = reqwest::Client::new()
        .delete(format!("http://{api}/api/v1/webhooks/{}", absent.id))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted_absent.status(), 204);
    let deadline = tokio::time::Instant::now() + common::WAIT;
    while fixture.bus.subscribers("acme") > 0 {
        assert!(tokio::time::Instant::now() < deadline, "still subscribed");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}
