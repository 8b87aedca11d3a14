//! Components through the API: upload (stored and registered, content hash shown), the
//! same bytes again, a second version, activate, canary, roll back; the registry new calls
//! read follows every step, and a fresh registry restored from the store agrees.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::TestApp;
use hyper::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};
use wasmphony_engine::{HostConfig, ScenarioHost, ScenarioRegistry};

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The hash of the version the registry gives a new call that is not in a canary.
fn active_hash(registry: &ScenarioRegistry, tenant: &str) -> String {
    let versions = registry.versions(tenant, "main").unwrap();
    versions.iter().find(|v| v.active).unwrap().hash.to_hex()
}

api_test!(upload_activate_canary_rollback, |app: TestApp| async move {
    let (_, key) = app.tenant_with_key("acme", "admin").await;
    let one = wasmphony_scenarios::by_name("ivr-menu").unwrap().bytes;
    let two = wasmphony_scenarios::by_name("branch-router").unwrap().bytes;
    let upload = |bytes: &'static [u8]| {
        let app = app.clone();
        let key = key.clone();
        async move {
            app.send(
                "POST",
                "/api/v1/components/main",
                Some(&key),
                Some("application/wasm"),
                bytes.to_vec(),
            )
            .await
        }
    };

    let first = upload(one).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let body = first.json();
    assert_eq!(body["component"]["active_version"], json!(1));
    assert_eq!(body["versions"][0]["hash"], json!(sha256_hex(one)));
    assert_eq!(body["versions"][0]["world"], json!("call"));
    assert_eq!(body["versions"][0]["size_bytes"], json!(one.len()));
    assert_eq!(active_hash(&app.registry, "acme"), sha256_hex(one));

    let again = upload(one).await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "same bytes again: {}",
        again.text()
    );
    assert_eq!(again.json()["versions"].as_array().unwrap().len(), 1);

    let second = upload(two).await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.text());
    let body = second.json();
    assert_eq!(body["component"]["latest_version"], json!(2));
    assert_eq!(
        body["component"]["active_version"],
        json!(1),
        "a new version waits for activation"
    );
    assert_eq!(body["versions"][1]["hash"], json!(sha256_hex(two)));
    assert_eq!(active_hash(&app.registry, "acme"), sha256_hex(one));

    let canary = app
        .json(
            "PUT",
            "/api/v1/components/main/canary",
            &key,
            json!({"version": 2, "percent": 30}),
        )
        .await;
    assert_eq!(canary.status, StatusCode::OK, "{}", canary.text());
    assert_eq!(canary.json()["canary_percent"], json!(30));
    let registry_canary = app.registry.versions("acme", "main").unwrap();
    assert_eq!(registry_canary[1].canary_percent, 30);
    let picked_two = (0..1000)
        .filter(|i| {
            app.registry
                .pick("acme", "main", &format!("call-{i}"))
                .unwrap()
                .hash()
                .to_hex()
                == sha256_hex(two)
        })
        .count();
    assert!(
        (200..400).contains(&picked_two),
        "{picked_two} of 1000 calls went to a 30% canary"
    );
    let bad = app
        .json(
            "PUT",
            "/api/v1/components/main/canary",
            &key,
            json!({"version": 2, "percent": 130}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text());
    let bad = app
        .json(
            "PUT",
            "/api/v1/components/main/canary",
            &key,
            json!({"version": 9, "percent": 10}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND, "{}", bad.text());

    let activated = app
        .json(
            "POST",
            "/api/v1/components/main/activate",
            &key,
            json!({"version": 2}),
        )
        .await;
    assert_eq!(activated.status, StatusCode::OK, "{}", activated.text());
    let body = activated.json();
    assert_eq!(
        (
            body["active_version"].clone(),
            body["canary_percent"].clone()
        ),
        (json!(2), json!(0))
    );
    assert_eq!(active_hash(&app.registry, "acme"), sha256_hex(two));
    assert_eq!(
        app.registry
            .pick("acme", "main", "any")
            .unwrap()
            .hash()
            .to_hex(),
        sha256_hex(two)
    );

    // A fresh registry (a restarted server) restored from the store agrees.
    let host = ScenarioHost::new(HostConfig {
        pool_slots: 2,
        ..HostConfig::default()
    })
    .unwrap();
    let restored = Arc::new(ScenarioRegistry::new(host));
    assert_eq!(
        wasmphony_api::restore_registry(&app.store, &restored)
            .await
            .unwrap(),
        wasmphony_api::RestoreReport {
            registered: 2,
            refused: Vec::new()
        }
    );
    assert_eq!(active_hash(&restored, "acme"), sha256_hex(two));

    let rolled = app
        .send(
            "POST",
            "/api/v1/components/main/rollback",
            Some(&key),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(rolled.status, StatusCode::OK, "{}", rolled.text());
    assert_eq!(rolled.json()["active_version"], json!(1));
    assert_eq!(active_hash(&app.registry, "acme"), sha256_hex(one));

    let listed = app.get("/api/v1/components", &key).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["name"], json!("main"));
    let unknown = app
        .json(
            "POST",
            "/api/v1/components/nothing/activate",
            &key,
            json!({"version": 1}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let metrics = app.get("/metrics", common::ADMIN_KEY).await.text();
    assert!(
        metrics.contains("wasmphony_component_versions 2"),
        "{metrics}"
    );
});
