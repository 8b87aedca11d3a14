//! A queue's settings through the API: defaults filled in when left out, kept as
//! written, a bad callback key or interval refused with a 4xx JSON error and no change.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use hyper::StatusCode;
use serde_json::json;

api_test!(queue_settings_over_the_api, |app: TestApp| async move {
    let (_, key) = app.tenant_with_key("acme", "admin").await;
    let created = app
        .json(
            "POST",
            "/api/v1/queues",
            &key,
            json!({
                "name": "bookings", "strategy": "longest_idle", "max_wait_ms": 60000,
                "max_length": 5, "overflow": {"kind": "number", "number": "+359888000999"}
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let queue = created.json();
    let id = queue["id"].as_i64().unwrap();
    assert_eq!(queue["spec"]["offer_callback"], json!(false));
    assert_eq!(queue["spec"]["callback_key"], json!("1"));
    assert_eq!(queue["spec"]["ring_timeout_ms"], json!(15000));
    assert_eq!(queue["spec"]["wrap_up_ms"], json!(10000));
    assert_eq!(queue["spec"]["announce_every_ms"], json!(30000));

    let settings = json!({
        "name": "bookings", "strategy": "longest_idle", "max_wait_ms": 60000,
        "max_length": 5, "overflow": {"kind": "queue", "name": "reception"},
        "offer_callback": true, "callback_key": "#", "ring_timeout_ms": 4000,
        "wrap_up_ms": 0, "announce_every_ms": null
    });
    let path = format!("/api/v1/queues/{id}");
    let updated = app.json("PUT", &path, &key, settings.clone()).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text());
    let stored = app.get(&path, &key).await.json();
    assert_eq!(stored["spec"]["offer_callback"], json!(true));
    assert_eq!(stored["spec"]["callback_key"], json!("#"));
    assert_eq!(stored["spec"]["ring_timeout_ms"], json!(4000));
    assert_eq!(stored["spec"]["wrap_up_ms"], json!(0));
    assert_eq!(stored["spec"]["announce_every_ms"], json!(null));

    for (field, bad) in [
        ("callback_key", json!("12")),
        ("callback_key", json!("x")),
        ("ring_timeout_ms", json!(0)),
        ("wrap_up_ms", json!(-5)),
        ("announce_every_ms", json!(0)),
    ] {
        let mut body = settings.clone();
        body[field] = bad.clone();
        body["offer_callback"] = json!(false);
        let refused = app.json("PUT", &path, &key, body).await;
        assert!(
            refused.status.is_client_error(),
            "{field} = {bad}: {} {}",
            refused.status,
            refused.text()
        );
        assert!(!refused.error_code().is_empty(), "{}", refused.text());
    }
    assert_eq!(
        app.get(&path, &key).await.json(),
        stored,
        "refused updates change nothing"
    );
});
