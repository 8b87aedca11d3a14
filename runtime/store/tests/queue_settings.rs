//! A queue's stored settings (callback offer and key, ring timeout, wrap-up,
//! announcements): the ACD core's defaults when left out, kept as written, bad values
//! refused without a change, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::tenant;
use wasmphony_store::*;

fn spec(settings: QueueSettings) -> QueueSpec {
    QueueSpec {
        name: "bookings".into(),
        strategy: QueueStrategy::LongestIdle,
        max_wait_ms: 60_000,
        max_length: 10,
        overflow: Some(Fallback::Number {
            number: "+359888000999".into(),
        }),
        settings,
    }
}

backend_test!(queue_settings_round_trip, |store: Store| async move {
    let t = tenant(&store, "acme", "49").await;
    let queue = store
        .create_queue(t, &spec(QueueSettings::default()))
        .await
        .unwrap();
    assert_eq!(
        queue.spec.settings,
        QueueSettings {
            offer_callback: false,
            callback_key: "1".into(),
            ring_timeout_ms: 15_000,
            wrap_up_ms: 10_000,
            announce_every_ms: Some(30_000),
        }
    );
    let changed = QueueSettings {
        offer_callback: true,
        callback_key: "#".into(),
        ring_timeout_ms: 4_000,
        wrap_up_ms: 0,
        announce_every_ms: None,
    };
    let updated = store
        .update_queue(t, queue.id, &spec(changed.clone()))
        .await
        .unwrap();
    assert_eq!(updated.spec.settings, changed);
    assert_eq!(
        store.queue(t, queue.id).await.unwrap().spec.settings,
        changed
    );

    let bad = [
        QueueSettings {
            callback_key: "12".into(),
            ..changed.clone()
        },
        QueueSettings {
            callback_key: "a".into(),
            ..changed.clone()
        },
        QueueSettings {
            callback_key: String::new(),
            ..changed.clone()
        },
        QueueSettings {
            ring_timeout_ms: 0,
            ..changed.clone()
        },
        QueueSettings {
            wrap_up_ms: -1,
            ..changed.clone()
        },
        QueueSettings {
            announce_every_ms: Some(0),
            ..changed.clone()
        },
        QueueSettings {
            ring_timeout_ms: MAX_QUEUE_INTERVAL_MS + 1,
            ..changed.clone()
        },
    ];
    for settings in bad {
        let refused = store
            .update_queue(t, queue.id, &spec(settings.clone()))
            .await;
        assert!(
            matches!(refused, Err(StoreError::Invalid(_))),
            "{settings:?}: {refused:?}"
        );
    }
    assert_eq!(
        store.queue(t, queue.id).await.unwrap().spec.settings,
        changed,
        "a refused update changes nothing"
    );
});

#[test]
fn settings_left_out_of_json_are_the_defaults() {
    let spec: QueueSpec = serde_json::from_value(serde_json::json!({
        "name": "bookings",
        "strategy": "ring_all",
        "max_wait_ms": 1000,
        "max_length": 3,
        "overflow": null,
        "offer_callback": true
    }))
    .unwrap();
    assert_eq!(
        spec.settings,
        QueueSettings {
            offer_callback: true,
            ..QueueSettings::default()
        }
    );
    let json = serde_json::to_value(&spec).unwrap();
    assert_eq!(json["callback_key"], "1");
    assert_eq!(json["announce_every_ms"], 30_000);
}
