//! `/api/v1/webhooks`: create, list, read, replace, delete; the secret is never returned;
//! bad input (bad URL, non-http scheme, oversize, unknown kind, no secret) is a clear 4xx
//! and stores nothing; only admin keys reach webhooks; delivery health shows in reads.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use hyper::StatusCode;
use serde_json::json;
use wasmphony_store::{
    AttemptOutcome, MAX_WEBHOOK_URL_LEN, TenantId, UnixMs, WebhookAttempt, WebhookId,
};

const SECRET: &str = "s3cr3t-never-shown-0123";

api_test!(
    webhooks_are_managed_without_ever_showing_the_secret,
    |app: TestApp| async move {
        let (tenant, key) = app.tenant_with_key("acme", "admin").await;
        let created = app
            .json(
                "POST",
                "/api/v1/webhooks",
                &key,
                json!({"url": "https://crm.example/hook", "secret": SECRET, "events": ["call_ringing"]}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        assert!(!created.text().contains(SECRET));
        let hook = created.json();
        assert_eq!(hook["url"], "https://crm.example/hook");
        assert_eq!(hook["events"], json!(["call_ringing"]));
        assert_eq!(hook["enabled"], true);
        assert_eq!(hook["has_secret"], true);
        assert_eq!(hook["health"]["delivered"], 0);
        assert!(hook.get("secret").is_none());
        let id = hook["id"].as_i64().unwrap();
        let path = format!("/api/v1/webhooks/{id}");

        let listed = app.get("/api/v1/webhooks", &key).await;
        assert_eq!(listed.status, StatusCode::OK);
        assert!(!listed.text().contains(SECRET));
        assert_eq!(listed.json().as_array().unwrap().len(), 1);
        let read = app.get(&path, &key).await;
        assert_eq!(read.status, StatusCode::OK);
        assert!(!read.text().contains(SECRET));
        assert_eq!(read.json(), hook);

        // Replace without a secret: the stored one stays.
        let replaced = app
            .json(
                "PUT",
                &path,
                &key,
                json!({"url": "http://127.0.0.1:9/x", "events": [], "enabled": false}),
            )
            .await;
        assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text());
        assert_eq!(replaced.json()["enabled"], false);
        assert_eq!(replaced.json()["events"], json!([]));
        let stored = app
            .store
            .webhook(TenantId(tenant), WebhookId(id))
            .await
            .unwrap();
        assert_eq!(stored.spec.secret, SECRET);
        assert_eq!(stored.spec.url, "http://127.0.0.1:9/x");
        // With a secret: replaced.
        let rotated = app
            .json(
                "PUT",
                &path,
                &key,
                json!({"url": "https://crm.example/hook", "secret": "another-secret-0123456"}),
            )
            .await;
        assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text());
        assert_eq!(rotated.json()["enabled"], true);
        let stored = app
            .store
            .webhook(TenantId(tenant), WebhookId(id))
            .await
            .unwrap();
        assert_eq!(stored.spec.secret, "another-secret-0123456");

        assert_eq!(app.delete(&path, &key).await.status, StatusCode::NO_CONTENT);
        assert_eq!(app.get(&path, &key).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.delete(&path, &key).await.status, StatusCode::NOT_FOUND);
    }
);

api_test!(
    delivery_failures_show_in_the_webhook,
    |app: TestApp| async move {
        let (tenant, key) = app.tenant_with_key("acme", "admin").await;
        let created = app
            .json(
                "POST",
                "/api/v1/webhooks",
                &key,
                json!({"url": "https://crm.example/hook", "secret": SECRET}),
            )
            .await;
        let id = created.json()["id"].as_i64().unwrap();
        // What the delivery task records after a receiver answered 503 for the last time.
        app.store
            .record_webhook_attempt(
                TenantId(tenant),
                WebhookId(id),
                &WebhookAttempt {
                    at: UnixMs(1_000),
                    status: Some(503),
                    error: Some("HTTP 503".into()),
                    outcome: AttemptOutcome::GaveUp,
                },
            )
            .await
            .unwrap();
        let health = app
            .get(&format!("/api/v1/webhooks/{id}"), &key)
            .await
            .json()["health"]
            .clone();
        assert_eq!(
            health,
            json!({"delivered": 0, "failed": 1, "dropped": 0, "last_status": 503,
                   "last_error": "HTTP 503", "last_attempt_ms": 1000})
        );
    }
);

api_test!(
    bad_webhooks_get_a_clear_4xx_and_nothing_is_stored,
    |app: TestApp| async move {
        let (_, key) = app.tenant_with_key("acme", "admin").await;
        let good = app
            .json(
                "POST",
                "/api/v1/webhooks",
                &key,
                json!({"url": "https://crm.example/hook", "secret": SECRET}),
            )
            .await;
        assert_eq!(good.status, StatusCode::CREATED);
        let path = format!("/api/v1/webhooks/{}", good.json()["id"]);
        let before = app.get("/api/v1/webhooks", &key).await.text();

        let long_url = format!("https://crm.example/{}", "x".repeat(MAX_WEBHOOK_URL_LEN));
        let cases = [
            (
                json!({"url": "ftp://crm.example/hook", "secret": SECRET}),
                "http",
            ),
            (
                json!({"url": "file:///etc/passwd", "secret": SECRET}),
                "http",
            ),
            (json!({"url": "not a url", "secret": SECRET}), "webhook URL"),
            (
                json!({"url": "https://u:p@crm.example/", "secret": SECRET}),
                "credentials",
            ),
            (json!({"url": long_url, "secret": SECRET}), "longer than"),
            (
                json!({"url": "https://crm.example/", "secret": "short"}),
                "secret",
            ),
            (
                json!({"url": "https://crm.example/", "secret": SECRET, "events": ["nope"]}),
                "unknown event kind",
            ),
            (
                json!({"url": "https://crm.example/", "secret": SECRET, "colour": "red"}),
                "unknown field",
            ),
            (json!({"secret": SECRET}), "url"),
        ];
        for (body, says) in &cases {
            for (method, target) in [("POST", "/api/v1/webhooks"), ("PUT", path.as_str())] {
                let reply = app.json(method, target, &key, body.clone()).await;
                assert_eq!(
                    reply.status,
                    StatusCode::BAD_REQUEST,
                    "{method} {body}: {}",
                    reply.text()
                );
                assert_eq!(reply.error_code(), "bad_request");
                let message = reply.json()["error"]["message"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                assert!(message.contains(says), "{method} {body}: {message}");
            }
        }
        // Creating needs a secret (replacing keeps the stored one).
        let no_secret = app
            .json(
                "POST",
                "/api/v1/webhooks",
                &key,
                json!({"url": "https://crm.example/"}),
            )
            .await;
        assert_eq!(
            no_secret.status,
            StatusCode::BAD_REQUEST,
            "{}",
            no_secret.text()
        );
        assert!(no_secret.text().contains("secret"));
        // Not JSON, and an oversize body.
        let not_json = app
            .send(
                "POST",
                "/api/v1/webhooks",
                Some(&key),
                Some("text/plain"),
                b"url=x".to_vec(),
            )
            .await;
        assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let huge = json!({"url": format!("https://crm.example/{}", "x".repeat(512 * 1024)), "secret": SECRET});
        let too_big = app.json("POST", "/api/v1/webhooks", &key, huge).await;
        assert_eq!(
            too_big.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{}",
            too_big.text()
        );

        assert_eq!(app.get("/api/v1/webhooks", &key).await.text(), before);
    }
);

api_test!(only_admin_keys_reach_webhooks, |app: TestApp| async move {
    let (tenant, admin) = app.tenant_with_key("acme", "admin").await;
    let created = app
        .json(
            "POST",
            "/api/v1/webhooks",
            &admin,
            json!({"url": "https://crm.example/hook", "secret": SECRET}),
        )
        .await;
    let path = format!("/api/v1/webhooks/{}", created.json()["id"]);
    for role in ["supervisor", "agent"] {
        let key = app.key_for(tenant, role).await;
        let body = json!({"url": "https://evil.example/", "secret": SECRET});
        for (method, target) in [
            ("GET", "/api/v1/webhooks"),
            ("POST", "/api/v1/webhooks"),
            ("GET", path.as_str()),
            ("PUT", path.as_str()),
            ("DELETE", path.as_str()),
        ] {
            let reply = app.json(method, target, &key, body.clone()).await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{role} {method} {target}"
            );
        }
    }
    let list = app.get("/api/v1/webhooks", &admin).await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["url"], "https://crm.example/hook");
});
