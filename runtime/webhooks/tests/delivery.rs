//! Webhook delivery through real HTTP on 127.0.0.1: an event published on the bus arrives
//! as the WebSocket's JSON, signed (the HMAC checked here independently); filtered kinds
//! are not sent; a receiver answering 500 twice gets the event on the 3rd attempt; a full
//! queue drops the oldest events and counts them; webhook changes apply without restart;
//! failures show in `GET /api/v1/webhooks/{id}`.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{Fixture, Receiver, SECRET, fast_config};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use wasmphony_events::LiveEvent;
use wasmphony_store::{UnixMs, WebhookSpec};
use wasmphony_webhooks::{DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};

fn ringing(call_id: &str) -> LiveEvent {
    LiveEvent::CallRinging {
        call_id: call_id.into(),
        from: "+4917000001".into(),
        to: "+4930111222".into(),
        dialed: "+4930111222".into(),
        scenario: "ivr".into(),
        contact: Some(serde_json::json!({"name": "Ada Lovelace", "company": "Engines"})),
        at_ms: 1_795_392_000_000,
    }
}

fn answered(call_id: &str) -> LiveEvent {
    LiveEvent::CallAnswered {
        call_id: call_id.into(),
        at_ms: 1,
    }
}

fn ended(call_id: &str) -> LiveEvent {
    LiveEvent::CallEnded {
        call_id: call_id.into(),
        disposition: "answered".into(),
        hangup_side: "caller".into(),
        duration_ms: 12_000,
        at_ms: 2,
    }
}

/// The signature as a receiver computes it from the documented recipe.
fn expected_signature(timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_arrives_signed_as_the_websocket_json() {
    let fixture = Fixture::start(fast_config()).await;
    let mut receiver = Receiver::start(&[]).await;
    let webhook = fixture.webhook(&receiver.url("/hook"), &[]).await;

    let event = ringing("call-1");
    fixture.bus.publish("acme", event.clone());
    // Another tenant's event never reaches acme's webhook.
    fixture.bus.publish("other", ringing("call-of-other"));
    let post = receiver.next().await;

    assert_eq!(post.path, "/hook");
    assert_eq!(post.header("content-type"), "application/json");
    assert_eq!(post.header(EVENT_HEADER), "call_ringing");
    assert!(!post.header(DELIVERY_HEADER).is_empty());
    // The body is byte for byte what the WebSocket sends.
    assert_eq!(
        post.body.as_ref(),
        serde_json::to_string(&event).unwrap().as_bytes()
    );
    assert_eq!(post.json()["contact"]["name"], "Ada Lovelace");
    let timestamp = post.header(TIMESTAMP_HEADER);
    let sent_at: u64 = timestamp.parse().unwrap();
    let now = wasmphony_events::unix_ms(std::time::SystemTime::now()) / 1000;
    assert!(
        now.abs_diff(sent_at) < 60,
        "timestamp {sent_at} vs now {now}"
    );
    assert_eq!(
        post.header(SIGNATURE_HEADER),
        expected_signature(timestamp, &post.body)
    );
    // A signature over another body or time does not match.
    assert_ne!(
        post.header(SIGNATURE_HEADER),
        expected_signature(&(sent_at + 1).to_string(), &post.body)
    );

    let health = fixture.health_until(&webhook, |h| h.delivered == 1).await;
    assert_eq!(
        (health.failed, health.dropped, health.last_status),
        (0, 0, Some(200))
    );
    assert_eq!(health.last_error, None);
    assert!(health.last_attempt.is_some());
    assert!(receiver.nothing_within(Duration::from_millis(200)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kinds_the_webhook_did_not_ask_for_are_not_sent() {
    let fixture = Fixture::start(fast_config()).await;
    let mut receiver = Receiver::start(&[]).await;
    let webhook = fixture
        .webhook(&receiver.url("/ends"), &["call_ended"])
        .await;
    let mut everything = Receiver::start(&[]).await;
    fixture.webhook(&everything.url("/all"), &[]).await;

    fixture.bus.publish("acme", ringing("c1"));
    fixture.bus.publish("acme", answered("c1"));
    fixture.bus.publish("acme", ended("c1"));
    // One webhook's events go out in order, so had the first two been sent to the
    // filtered webhook, they would arrive before `call_ended`.
    let first = receiver.next().await;
    assert_eq!(first.header(EVENT_HEADER), "call_ended");
    assert_eq!(first.json()["call_id"], "c1");
    let kinds: Vec<String> = [
        everything.next().await,
        everything.next().await,
        everything.next().await,
    ]
    .iter()
    .map(|post| post.header(EVENT_HEADER).to_owned())
    .collect();
    assert_eq!(kinds, ["call_ringing", "call_answered", "call_ended"]);
    fixture.health_until(&webhook, |h| h.delivered == 1).await;
    assert!(receiver.nothing_within(Duration::from_millis(200)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_failing_twice_gets_the_event_on_the_third_attempt() {
    let fixture = Fixture::start(fast_config()).await;
    let mut receiver = Receiver::start(&[500, 500, 200]).await;
    let webhook = fixture.webhook(&receiver.url("/flaky"), &[]).await;

    fixture.bus.publish("acme", answered("c1"));
    let attempts = [
        receiver.next().await,
        receiver.next().await,
        receiver.next().await,
    ];
    // The same event and delivery id each time, each attempt signed anew.
    for attempt in &attempts {
        assert_eq!(attempt.body, attempts[0].body);
        assert_eq!(
            attempt.header(DELIVERY_HEADER),
            attempts[0].header(DELIVERY_HEADER)
        );
        assert_eq!(
            attempt.header(SIGNATURE_HEADER),
            expected_signature(attempt.header(TIMESTAMP_HEADER), &attempt.body)
        );
    }
    let health = fixture.health_until(&webhook, |h| h.delivered == 1).await;
    assert_eq!((health.failed, health.last_status), (0, Some(200)));
    assert_eq!(health.last_error, None);
    assert!(receiver.nothing_within(Duration::from_millis(200)).await);

    // A later event gets a new delivery id.
    fixture.bus.publish("acme", answered("c2"));
    let next = receiver.next().await;
    assert_ne!(
        next.header(DELIVERY_HEADER),
        attempts[0].header(DELIVERY_HEADER)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_drops_the_oldest_events_and_counts_them() {
    let config = wasmphony_webhooks::WebhookConfig {
        queue_capacity: 2,
        ..fast_config()
    };
    let fixture = Fixture::start(config).await;
    let mut receiver = Receiver::start(&[]).await;
    let webhook = fixture.webhook(&receiver.url("/slow"), &[]).await;

    let release = receiver.hold_next();
    fixture.bus.publish("acme", answered("c1"));
    assert_eq!(receiver.next().await.json()["call_id"], "c1");
    // c1 is in flight; the queue holds 2: c2 and c3 are dropped for c4 and c5.
    for n in 2..=5 {
        fixture.bus.publish("acme", answered(&format!("c{n}")));
    }
    // A reload answers after the events published before it are queued.
    fixture.webhooks.reload().await;
    release.send(()).unwrap();
    assert_eq!(receiver.next().await.json()["call_id"], "c4");
    assert_eq!(receiver.next().await.json()["call_id"], "c5");
    let health = fixture
        .health_until(&webhook, |h| h.delivered == 3 && h.dropped == 2)
        .await;
    assert_eq!(health.failed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_changes_apply_without_a_restart() {
    let fixture = Fixture::start(fast_config()).await;
    let mut receiver = Receiver::start(&[]).await;
    assert_eq!(fixture.bus.subscribers("acme"), 0);

    // Stored and signalled (as the API does): picked up without calling reload.
    let spec = WebhookSpec {
        url: receiver.url("/one"),
        secret: SECRET.into(),
        events: vec![],
        enabled: true,
    };
    let webhook = fixture
        .store
        .create_webhook(fixture.tenant, &spec, UnixMs::now())
        .await
        .unwrap();
    fixture.changes.notify_one();
    let deadline = tokio::time::Instant::now() + common::WAIT;
    while fixture.bus.subscribers("acme") == 0 {
        assert!(tokio::time::Instant::now() < deadline, "never subscribed");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    fixture.bus.publish("acme", answered("c1"));
    assert_eq!(receiver.next().await.path, "/one");

    // A new URL applies to the next event.
    let moved = WebhookSpec {
        url: receiver.url("/two"),
        ..spec.clone()
    };
    fixture
        .store
        .update_webhook(fixture.tenant, webhook.id, &moved)
        .await
        .unwrap();
    fixture.webhooks.reload().await;
    fixture.bus.publish("acme", answered("c2"));
    assert_eq!(receiver.next().await.path, "/two");

    // Disabled: the tenant's events are no longer even subscribed to.
    let disabled = WebhookSpec {
        enabled: false,
        ..moved
    };
    fixture
        .store
        .update_webhook(fixture.tenant, webhook.id, &disabled)
        .await
        .unwrap();
    fixture.webhooks.reload().await;
    assert_eq!(fixture.bus.subscribers("acme"), 0);
    fixture.bus.publish("acme", answered("c3"));
    assert!(receiver.nothing_within(Duration::from_millis(300)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_operators_consent_nothing_is_posted_to_private_addresses() {
    let fixture = Fixture::start(wasmphony_webhooks::WebhookConfig {
        allow_private_targets: false,
        ..fast_config()
    })
    .await;
    let mut receiver = Receiver::start(&[]).await;
    // By IP literal and by a name that resolves to loopback.
    let literal = fixture.webhook(&receiver.url("/literal"), &[]).await;
    let port = receiver
        .url("/")
        .rsplit(':')
        .next()
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_owned();
    let named = fixture
        .webhook(&format!("http://localhost:{port}/named"), &[])
        .await;
    fixture.bus.publish("acme", ringing("c1"));
    for webhook in [&literal, &named] {
        let health = fixture.health_until(webhook, |h| h.failed == 1).await;
        assert_eq!(health.delivered, 0);
        let error = health.last_error.unwrap_or_default();
        assert!(error.contains("private"), "{error}");
    }
    assert!(receiver.nothing_within(Duration::from_millis(200)).await);
}
