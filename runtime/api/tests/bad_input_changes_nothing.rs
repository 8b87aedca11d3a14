//! Bad input gets a clear 4xx JSON error and leaves the store as it was: malformed JSON, a
//! `.wasm` that is not a component, an oversize upload, a component for an unknown world,
//! a prompt that is not WAV, missing or wrong keys, too weak a role.
#![allow(clippy::unwrap_used)]

mod common;

use common::{ADMIN_KEY, TestApp, wav};
use hyper::StatusCode;
use serde_json::json;
use wasmphony_api::ApiLimits;

/// Small enough that an oversize upload is cheap to send.
const TEST_COMPONENT_LIMIT: usize = 64 * 1024;

fn limits() -> ApiLimits {
    ApiLimits {
        component_body: TEST_COMPONENT_LIMIT,
        prompt_body: 4096,
        ..ApiLimits::default()
    }
}

/// Everything a bad request could have touched, read through the API.
async fn snapshot(app: &TestApp, key: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for path in [
        "/api/v1/users",
        "/api/v1/routes",
        "/api/v1/components",
        "/api/v1/prompts",
        "/api/v1/contacts",
        "/api/v1/numbers",
    ] {
        let reply = app.get(path, key).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
        seen.push(reply.text());
    }
    seen
}

api_test!(
    bad_input_is_refused_with_json_errors_and_no_change,
    limits(),
    |app: TestApp| async move {
        let (tenant, key) = app.tenant_with_key("acme", "admin").await;
        let before = snapshot(&app, &key).await;

        // Malformed JSON, wrong types, and JSON without its content type.
        let bad = app
            .send(
                "POST",
                "/api/v1/users",
                Some(&key),
                Some("application/json"),
                b"{\"extension\": \"100\",".to_vec(),
            )
            .await;
        assert_eq!(
            (bad.status, bad.error_code().as_str()),
            (StatusCode::BAD_REQUEST, "bad_request"),
            "{}",
            bad.text()
        );
        let bad = app
            .json(
                "POST",
                "/api/v1/users",
                &key,
                json!({"extension": 100, "name": "x", "role": "admin"}),
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text());
        let bad = app
            .json(
                "POST",
                "/api/v1/users",
                &key,
                json!({"extension": "100", "name": "x", "role": "emperor"}),
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text());
        let bad = app
            .send(
                "POST",
                "/api/v1/routes",
                Some(&key),
                Some("text/plain"),
                b"{}".to_vec(),
            )
            .await;
        assert_eq!(
            (bad.status, bad.error_code().as_str()),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
        );

        // A core module is not a component.
        let module = wat::parse_str("(module)").unwrap();
        let bad = app
            .send(
                "POST",
                "/api/v1/components/ivr",
                Some(&key),
                Some("application/wasm"),
                module,
            )
            .await;
        assert_eq!(
            (bad.status, bad.error_code().as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_component"),
            "{}",
            bad.text()
        );
        assert!(
            bad.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("core module"),
            "{}",
            bad.text()
        );
        // Junk bytes are not a component either.
        let bad = app
            .send(
                "POST",
                "/api/v1/components/ivr",
                Some(&key),
                Some("application/wasm"),
                b"MZ\x90\0junk".to_vec(),
            )
            .await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            bad.text()
        );
        // A valid component that implements no world we host.
        let unknown_world = wat::parse_str("(component)").unwrap();
        let bad = app
            .send(
                "POST",
                "/api/v1/components/ivr",
                Some(&key),
                Some("application/wasm"),
                unknown_world,
            )
            .await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            bad.text()
        );
        assert!(
            bad.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("world"),
            "{}",
            bad.text()
        );
        // Oversize: refused by the route's limit before anything is compiled.
        let mut huge = b"\0asm\x0d\0\x01\0".to_vec();
        huge.resize(TEST_COMPONENT_LIMIT + 1, 0);
        let bad = app
            .send(
                "POST",
                "/api/v1/components/ivr",
                Some(&key),
                Some("application/wasm"),
                huge,
            )
            .await;
        assert_eq!(
            (bad.status, bad.error_code().as_str()),
            (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            "{}",
            bad.text()
        );

        // Prompts: not WAV, wrong content type, too large.
        let bad = app
            .send(
                "PUT",
                "/api/v1/prompts/hello",
                Some(&key),
                Some("audio/wav"),
                b"not a wav file at all".to_vec(),
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text());
        let bad = app
            .send(
                "PUT",
                "/api/v1/prompts/hello",
                Some(&key),
                Some("text/plain"),
                wav("x"),
            )
            .await;
        assert_eq!(
            bad.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{}",
            bad.text()
        );
        let bad = app
            .send(
                "PUT",
                "/api/v1/prompts/hello",
                Some(&key),
                Some("audio/wav"),
                wav(&"x".repeat(5000)),
            )
            .await;
        assert_eq!(bad.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", bad.text());

        // Bad path and query parameters.
        let bad = app.get("/api/v1/users/not-a-number", &key).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text());
        let bad = app.get("/api/v1/calls?disposition=exploded", &key).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text());
        let bad = app.get("/api/v1/calls?since=yesterday", &key).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text());

        // Unknown routes and methods answer in the same JSON shape.
        let bad = app.get("/api/v1/nothing-here", &key).await;
        assert_eq!(
            (bad.status, bad.error_code().as_str()),
            (StatusCode::NOT_FOUND, "not_found")
        );
        let bad = app
            .send("PATCH", "/api/v1/users", Some(&key), None, Vec::new())
            .await;
        assert_eq!(
            (bad.status, bad.error_code().as_str()),
            (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
        );

        // Authentication and roles.
        let bad = app
            .send("GET", "/api/v1/users", None, None, Vec::new())
            .await;
        assert_eq!(
            (bad.status, bad.error_code().as_str()),
            (StatusCode::UNAUTHORIZED, "unauthenticated")
        );
        let bad = app.get("/api/v1/users", "wpk_0000").await;
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
        let bad = app.get("/api/v1/tenants", &key).await;
        assert_eq!(
            (bad.status, bad.error_code().as_str()),
            (StatusCode::FORBIDDEN, "forbidden")
        );
        let agent = app.key_for(tenant, "agent").await;
        let bad = app
            .json(
                "POST",
                "/api/v1/users",
                &agent,
                json!({"extension": "100", "name": "x", "role": "agent"}),
            )
            .await;
        assert_eq!(
            (bad.status, bad.error_code().as_str()),
            (StatusCode::FORBIDDEN, "forbidden")
        );
        let bad = app
            .send(
                "POST",
                "/api/v1/components/ivr",
                Some(&agent),
                Some("application/wasm"),
                Vec::new(),
            )
            .await;
        assert_eq!(bad.status, StatusCode::FORBIDDEN);

        assert_eq!(
            snapshot(&app, &key).await,
            before,
            "a refused request changed stored data"
        );
        let tenant_id = wasmphony_store::TenantId(tenant);
        assert!(
            app.store
                .list_components(tenant_id)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(app.store.list_prompts(tenant_id).await.unwrap().is_empty());
        assert!(
            app.registry.names("acme").is_empty(),
            "the registry kept a refused upload"
        );

        // Every refusal was counted for the metrics.
        let metrics = app.get("/metrics", ADMIN_KEY).await;
        assert_eq!(metrics.status, StatusCode::OK);
        let text = metrics.text();
        assert!(
            text.contains("wasmphony_api_errors_total{status=\"422\"} 3"),
            "{text}"
        );
        assert!(
            text.contains("wasmphony_api_errors_total{status=\"413\"} 2"),
            "{text}"
        );
    }
);
