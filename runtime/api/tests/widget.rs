//! The website callback widget through real HTTP on both backends: widget keys are made,
//! listed, rotated and revoked by the tenant's admin only (another tenant's key sees and
//! revokes nothing); the public route files a callback task due now or at the chosen time,
//! deduplicates a repeat for an open number, refuses bad numbers and times with 422 and
//! changes nothing then, and answers 429 with Retry-After once a source's burst is spent.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::TestApp;
use hyper::StatusCode;
use serde_json::{Value, json};
use wasmphony_api::{ApiLimits, BucketSpec};
use wasmphony_store::{CallbackState, Page, TenantId, UnixMs};

/// Bursts no test here reaches, except the rate-limit test's own.
fn roomy() -> ApiLimits {
    let wide = BucketSpec {
        burst: 1_000,
        refill: Duration::from_millis(1),
    };
    ApiLimits {
        widget_per_key: wide,
        widget_per_source: wide,
        ..ApiLimits::default()
    }
}

/// A tenant with its office number and an admin key; (tenant id, admin key).
async fn tenant_with_office(app: &TestApp, slug: &str) -> (i64, String) {
    let (tenant, key) = app.tenant_with_key(slug, "admin").await;
    let added = app
        .json(
            "POST",
            "/api/v1/numbers",
            &key,
            json!({"number": office(slug)}),
        )
        .await;
    assert!(added.status.is_success(), "{}", added.text());
    (tenant, key)
}

/// The number widget callbacks of the tenant `slug` are placed from.
fn office(slug: &str) -> String {
    let line = slug
        .bytes()
        .map(|b| (b % 10).to_string())
        .collect::<String>();
    format!("+4930{line}")
}

/// A new widget key of the tenant: (its id, its secret).
async fn widget_key(app: &TestApp, key: &str, number: &str) -> (i64, String) {
    let created = app
        .json(
            "POST",
            "/api/v1/widget-keys",
            key,
            json!({"name": "www", "number": number}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let body = created.json();
    let secret = body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with(wasmphony_api::WIDGET_KEY_PREFIX));
    (body["key"]["id"].as_i64().unwrap(), secret)
}

/// The public request, without a bearer key.
async fn ask(app: &TestApp, secret: &str, body: Value) -> common::Reply {
    let bytes = serde_json::to_vec(&body).unwrap();
    app.send(
        "POST",
        &format!("/api/v1/widget/{secret}/callback"),
        None,
        Some("application/json"),
        bytes,
    )
    .await
}

async fn tasks(app: &TestApp, tenant: i64) -> Vec<wasmphony_store::CallbackTask> {
    app.store
        .list_callbacks(TenantId(tenant), None, Page::first(100))
        .await
        .unwrap()
}

api_test!(
    widget_keys_belong_to_their_tenants_admin,
    roomy(),
    |app: TestApp| async move {
        let (a, a_admin) = tenant_with_office(&app, "alpha").await;
        let (_, b_admin) = tenant_with_office(&app, "bravo").await;
        let a_agent = app.key_for(a, "agent").await;
        // Only a number of the tenant's own.
        let foreign = app
            .json(
                "POST",
                "/api/v1/widget-keys",
                &a_admin,
                json!({"name": "x", "number": office("bravo")}),
            )
            .await;
        assert_eq!(
            foreign.status,
            StatusCode::BAD_REQUEST,
            "{}",
            foreign.text()
        );
        let (id, secret) = widget_key(&app, &a_admin, &office("alpha")).await;
        let listed = app.get("/api/v1/widget-keys", &a_admin).await.json();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert!(
            !listed.to_string().contains(&secret),
            "the secret is shown once"
        );
        assert!(
            !listed
                .to_string()
                .contains(&wasmphony_api::hash_key(&secret))
        );

        // An agent key and another tenant's admin see and change nothing.
        let agent_list = app.get("/api/v1/widget-keys", &a_agent).await;
        assert_eq!(agent_list.status, StatusCode::FORBIDDEN);
        let b_list = app.get("/api/v1/widget-keys", &b_admin).await.json();
        assert_eq!(b_list, json!([]));
        let b_revoke = app
            .delete(&format!("/api/v1/widget-keys/{id}"), &b_admin)
            .await;
        assert_eq!(b_revoke.status, StatusCode::NOT_FOUND);
        let b_rotate = app
            .send(
                "POST",
                &format!("/api/v1/widget-keys/{id}/rotate"),
                Some(&b_admin),
                None,
                vec![],
            )
            .await;
        assert_eq!(b_rotate.status, StatusCode::NOT_FOUND);
        assert_eq!(
            ask(&app, &secret, json!({"number": "+4917000001"}))
                .await
                .status,
            StatusCode::CREATED
        );

        // A widget key is no bearer key.
        let as_bearer = app.get("/api/v1/callbacks", &secret).await;
        assert_eq!(as_bearer.status, StatusCode::UNAUTHORIZED);

        // Rotation: the old secret stops working, the new one works.
        let rotated = app
            .send(
                "POST",
                &format!("/api/v1/widget-keys/{id}/rotate"),
                Some(&a_admin),
                None,
                vec![],
            )
            .await;
        assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text());
        let new_secret = rotated.json()["secret"].as_str().unwrap().to_owned();
        assert_ne!(new_secret, secret);
        assert_eq!(
            ask(&app, &secret, json!({"number": "+4917000002"}))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            ask(&app, &new_secret, json!({"number": "+4917000002"}))
                .await
                .status,
            StatusCode::CREATED
        );

        // Revocation.
        let revoked = app
            .delete(&format!("/api/v1/widget-keys/{id}"), &a_admin)
            .await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT);
        assert_eq!(
            ask(&app, &new_secret, json!({"number": "+4917000003"}))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let listed = app.get("/api/v1/widget-keys", &a_admin).await.json();
        assert!(listed[0]["revoked"].is_i64(), "{listed}");
    }
);

api_test!(
    a_request_files_a_task_on_its_tenants_list_once,
    roomy(),
    |app: TestApp| async move {
        let (a, a_admin) = tenant_with_office(&app, "alpha").await;
        let (b, _) = tenant_with_office(&app, "bravo").await;
        let (_, secret) = widget_key(&app, &a_admin, &office("alpha")).await;

        let before = UnixMs::now();
        let filed = ask(
            &app,
            &secret,
            json!({"number": "030 1234567", "name": "Ada"}),
        )
        .await;
        assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text());
        let body = filed.json();
        assert_eq!(
            body["number"], "+49301234567",
            "normalised with the tenant's country"
        );
        assert_eq!(body["filed"], true);
        assert_eq!(
            filed.headers["access-control-allow-origin"], "*",
            "any page reads it"
        );
        let listed = tasks(&app, a).await;
        assert_eq!(listed.len(), 1);
        let task = &listed[0];
        assert_eq!(task.reason, "widget");
        assert_eq!(task.dialed, office("alpha"));
        assert_eq!(task.state, CallbackState::New);
        assert!(
            task.due >= before && task.due <= UnixMs::now(),
            "due now: {task:?}"
        );
        assert!(
            tasks(&app, b).await.is_empty(),
            "nothing on another tenant's list"
        );
        // The body shows nothing of the tenant's but the request itself.
        assert!(!filed.text().contains("alpha"));

        // The same number again while the task is open: the open task, nothing new.
        let again = ask(&app, &secret, json!({"number": "+49 30 1234567"})).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text());
        assert_eq!(again.json()["id"], body["id"]);
        assert_eq!(again.json()["filed"], false);
        assert_eq!(tasks(&app, a).await, listed, "the repeat changed nothing");

        // At a chosen time.
        let tomorrow = std::time::SystemTime::now() + Duration::from_secs(86_400);
        let at_ms = tomorrow
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
            * 1_000;
        let at = rfc3339(at_ms);
        let later = ask(&app, &secret, json!({"number": "+4917000009", "at": at})).await;
        assert_eq!(later.status, StatusCode::CREATED, "{}", later.text());
        assert_eq!(later.json()["due_ms"].as_i64(), Some(at_ms));

        // The widget report counts the two filed requests, not the repeat.
        let supervisor = app.key_for(a, "supervisor").await;
        let report = app
            .get(
                "/api/v1/reports/widget?since=0&until=9999999999999",
                &supervisor,
            )
            .await;
        assert_eq!(report.status, StatusCode::OK, "{}", report.text());
        assert_eq!(
            report.json(),
            json!({"requests": 2, "reached": 0, "failed": 0, "pending": 2})
        );
        // Reached once the dialer reports it so.
        let claimed = app
            .store
            .claim_next_callback(TenantId(a), "dialer@test", UnixMs::now())
            .await
            .unwrap()
            .unwrap();
        app.store
            .finish_callback(
                TenantId(a),
                claimed.id,
                wasmphony_store::CallbackOutcome::Done,
                None,
                UnixMs::now(),
            )
            .await
            .unwrap();
        let report = app
            .get(
                "/api/v1/reports/widget?since=0&until=9999999999999",
                &supervisor,
            )
            .await
            .json();
        assert_eq!(
            report,
            json!({"requests": 2, "reached": 1, "failed": 0, "pending": 1})
        );
    }
);

api_test!(
    bad_numbers_and_times_are_refused_and_change_nothing,
    roomy(),
    |app: TestApp| async move {
        let (a, a_admin) = tenant_with_office(&app, "alpha").await;
        let (_, secret) = widget_key(&app, &a_admin, &office("alpha")).await;
        let in_days = |days: i64| rfc3339(UnixMs::now().0 + days * 86_400_000);
        let refused = [
            (
                json!({"number": "call me maybe"}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (json!({"number": "101"}), StatusCode::UNPROCESSABLE_ENTITY),
            (
                json!({"number": "+4930123456789012345"}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                json!({"number": "0900 1234567"}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                json!({"number": "+49 900 1234567"}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                json!({"number": "+4917000001", "at": in_days(-1)}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                json!({"number": "+4917000001", "at": in_days(31)}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                json!({"number": "+4917000001", "at": "tomorrow"}),
                StatusCode::BAD_REQUEST,
            ),
            (
                json!({"number": "+4917000001", "name": "x".repeat(101)}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                json!({"number": "+4917000001", "queue": "vip"}),
                StatusCode::BAD_REQUEST,
            ),
            (json!({"phone": "+4917000001"}), StatusCode::BAD_REQUEST),
        ];
        for (body, status) in refused {
            let reply = ask(&app, &secret, body.clone()).await;
            assert_eq!(reply.status, status, "{body}: {}", reply.text());
            assert!(!reply.error_code().is_empty(), "{body}: JSON error");
        }
        let malformed = app
            .send(
                "POST",
                &format!("/api/v1/widget/{secret}/callback"),
                None,
                Some("application/json"),
                b"{\"number\": ".to_vec(),
            )
            .await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
        assert!(tasks(&app, a).await.is_empty(), "nothing was filed");
        // A 30-day-ahead time is still fine.
        let ok = ask(
            &app,
            &secret,
            json!({"number": "+4917000001", "at": in_days(29)}),
        )
        .await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text());
    }
);

/// One request per source address at once, one more per minute.
fn tight() -> ApiLimits {
    ApiLimits {
        widget_per_source: BucketSpec {
            burst: 3,
            refill: Duration::from_secs(60),
        },
        ..ApiLimits::default()
    }
}

api_test!(
    a_source_beyond_its_burst_gets_429,
    tight(),
    |app: TestApp| async move {
        let (a, a_admin) = tenant_with_office(&app, "alpha").await;
        let (_, secret) = widget_key(&app, &a_admin, &office("alpha")).await;
        // Unknown keys and bad numbers spend the source's tokens too.
        assert_eq!(
            ask(&app, "wpw_guess", json!({"number": "+4917000001"}))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            ask(&app, &secret, json!({"number": "12"})).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            ask(&app, &secret, json!({"number": "+4917000001"}))
                .await
                .status,
            StatusCode::CREATED
        );
        let limited = ask(&app, &secret, json!({"number": "+4917000002"})).await;
        assert_eq!(
            limited.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            limited.text()
        );
        assert_eq!(limited.error_code(), "too_many_requests");
        let retry: u64 = limited.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        assert_eq!(
            tasks(&app, a).await.len(),
            1,
            "the limited request filed nothing"
        );
    }
);

/// `ms` since the epoch as RFC 3339 UTC (whole seconds).
fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1_000);
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    // Civil from days (H. Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}
