//! Configuration objects through the API: users (no password hash shown), numbers
//! (normalised), routes, queues, trunks (password write-only), prompts (WAV up and down),
//! API keys (secret shown once, revocation takes effect).
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestApp, wav};
use hyper::StatusCode;
use serde_json::json;

api_test!(
    configuration_objects_round_trip,
    |app: TestApp| async move {
        let (_, key) = app.tenant_with_key("acme", "admin").await;

        let user = app.json("POST", "/api/v1/users", &key, json!({
        "extension": "100", "name": "Anna", "department": "sales", "role": "agent",
        "skills": [{"name": "english", "level": 3}], "devices": [{"kind": "sip", "username": "anna"}]
    })).await;
        assert_eq!(user.status, StatusCode::CREATED, "{}", user.text());
        let user_id = user.json()["id"].as_i64().unwrap();
        assert!(user.json().get("password_hash").is_none());
        let renamed = app
            .json(
                "PUT",
                &format!("/api/v1/users/{user_id}"),
                &key,
                json!({
                    "extension": "100", "name": "Anna B.", "role": "supervisor"
                }),
            )
            .await;
        assert_eq!(
            renamed.json()["name"],
            json!("Anna B."),
            "{}",
            renamed.text()
        );
        let duplicate = app
            .json(
                "POST",
                "/api/v1/users",
                &key,
                json!({"extension": "100", "name": "X", "role": "agent"}),
            )
            .await;
        assert_eq!(
            (duplicate.status, duplicate.error_code().as_str()),
            (StatusCode::CONFLICT, "conflict")
        );

        let number = app
            .json(
                "POST",
                "/api/v1/numbers",
                &key,
                json!({"number": "030 111222", "label": "main"}),
            )
            .await;
        assert_eq!(
            number.json()["number"],
            json!("+4930111222"),
            "{}",
            number.text()
        );
        let route = app
            .json(
                "POST",
                "/api/v1/routes",
                &key,
                json!({
                    "number": "+4930111222", "scenario": "ivr", "config": {"menu": [1, 2]},
                    "fallback": {"kind": "number", "number": "+4917000000"}, "working_hours": null
                }),
            )
            .await;
        assert_eq!(route.status, StatusCode::CREATED, "{}", route.text());
        let route_id = route.json()["id"].as_i64().unwrap();
        assert_eq!(
            app.get(&format!("/api/v1/routes/{route_id}"), &key)
                .await
                .json()["config"]["menu"],
            json!([1, 2])
        );

        let queue = app.json("POST", "/api/v1/queues", &key, json!({
        "name": "support", "strategy": "ring_all", "max_wait_ms": 60000, "max_length": 5, "overflow": null
    })).await;
        assert_eq!(queue.status, StatusCode::CREATED, "{}", queue.text());

        let trunk = app.json("POST", "/api/v1/trunks", &key, json!({
        "name": "carrier", "uri": "sip:carrier.example", "username": "u", "password": "s3cret",
        "caller_id": null, "priority": 1
    })).await;
        assert_eq!(trunk.status, StatusCode::CREATED, "{}", trunk.text());
        assert!(!trunk.text().contains("s3cret"));
        assert_eq!(trunk.json()["has_password"], json!(true));
        let trunk_id = trunk.json()["id"].as_i64().unwrap();
        let kept = app.json("PUT", &format!("/api/v1/trunks/{trunk_id}"), &key, json!({
        "name": "carrier", "uri": "sip:other.example", "username": "u", "caller_id": null, "priority": 2
    })).await;
        assert_eq!(
            kept.json()["has_password"],
            json!(true),
            "an update without a password keeps it"
        );

        let audio = wav("hello");
        let prompt = app
            .send(
                "PUT",
                "/api/v1/prompts/hello",
                Some(&key),
                Some("audio/wav"),
                audio.clone(),
            )
            .await;
        assert_eq!(prompt.status, StatusCode::CREATED, "{}", prompt.text());
        let fetched = app.get("/api/v1/prompts/hello", &key).await;
        assert_eq!(fetched.body.as_ref(), audio.as_slice());
        assert_eq!(fetched.headers["content-type"], "audio/wav");

        for path in [
            format!("/api/v1/routes/{route_id}"),
            format!("/api/v1/users/{user_id}"),
            "/api/v1/prompts/hello".into(),
            "/api/v1/numbers/%2B4930111222".into(),
        ] {
            let gone = app.delete(&path, &key).await;
            assert_eq!(
                gone.status,
                StatusCode::NO_CONTENT,
                "{path}: {}",
                gone.text()
            );
            assert_eq!(
                app.delete(&path, &key).await.status,
                StatusCode::NOT_FOUND,
                "{path} twice"
            );
        }

        // Keys: a tenant admin makes a key; it works until revoked.
        let made = app
            .json(
                "POST",
                "/api/v1/keys",
                &key,
                json!({"name": "wallboard", "role": "supervisor"}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
        let secret = made.json()["secret"].as_str().unwrap().to_owned();
        let key_id = made.json()["key"]["id"].as_i64().unwrap();
        assert_eq!(
            app.get("/api/v1/tenant", &secret).await.json()["slug"],
            json!("acme")
        );
        let listed = app.get("/api/v1/keys", &key).await.text();
        assert!(!listed.contains(&secret), "a key list shows a secret");
        assert_eq!(
            app.delete(&format!("/api/v1/keys/{key_id}"), &key)
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            app.get("/api/v1/tenant", &secret).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
);

api_test!(
    a_phone_secret_is_set_for_the_users_own_phone_and_never_shown,
    |app: TestApp| async move {
        let (_, key) = app.tenant_with_key("acme", "admin").await;
        let user = app
            .json(
                "POST",
                "/api/v1/users",
                &key,
                json!({
                    "extension": "101", "name": "Maria", "role": "agent",
                    "devices": [{"kind": "sip", "username": "101"}]
                }),
            )
            .await;
        assert_eq!(user.status, StatusCode::CREATED, "{}", user.text());
        let path = format!(
            "/api/v1/users/{}/sip-secret",
            user.json()["id"].as_i64().unwrap()
        );

        let set = app
            .json(
                "PUT",
                &path,
                &key,
                json!({"username": "101", "secret": "correct horse"}),
            )
            .await;
        assert_eq!(set.status, StatusCode::NO_CONTENT, "{}", set.text());
        let other_phone = app
            .json(
                "PUT",
                &path,
                &key,
                json!({"username": "999", "secret": "correct horse"}),
            )
            .await;
        assert_eq!(
            other_phone.status,
            StatusCode::NOT_FOUND,
            "{}",
            other_phone.text()
        );
        let weak = app
            .json(
                "PUT",
                &path,
                &key,
                json!({"username": "101", "secret": "short"}),
            )
            .await;
        assert!(
            weak.status.is_client_error() && weak.status != StatusCode::NOT_FOUND,
            "{}",
            weak.text()
        );

        let users = app
            .send("GET", "/api/v1/users", Some(&key), None, Vec::new())
            .await;
        assert!(
            !users.text().contains("correct horse"),
            "secrets are write-only: {}",
            users.text()
        );
    }
);
