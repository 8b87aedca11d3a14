//! User logins through real HTTP on both backends: passwords set by admins and supervisors
//! (stored as Argon2id, never shown), `POST /api/v1/login` sessions used as bearer tokens
//! with the user's role, logout, expiry on the API's clock, identical refusals for unknown
//! tenants, unknown users and wrong passwords, attempt limits, and what an agent's session
//! may and may not do.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Reply, TestApp};
use hyper::StatusCode;
use serde_json::json;
use wasmphony_api::SESSION_LIFETIME_MS;
use wasmphony_store::*;

const AGENT_PASSWORD: &str = "agent-password-1";
const SUPERVISOR_PASSWORD: &str = "supervisor-password-1";
const ADMIN_PASSWORD: &str = "admin-password-1";

/// A tenant "acme" with an admin key and three users with passwords.
struct Site {
    tenant: TenantId,
    key: String,
    agent: i64,
    supervisor: i64,
    admin: i64,
}

async fn site(app: &TestApp) -> Site {
    let (tenant, key) = app.tenant_with_key("acme", "admin").await;
    let mut ids = Vec::new();
    for (extension, name, role, password) in [
        ("201", "Ann Agent", "agent", AGENT_PASSWORD),
        ("301", "Sam Supervisor", "supervisor", SUPERVISOR_PASSWORD),
        ("401", "Ada Admin", "admin", ADMIN_PASSWORD),
    ] {
        let created = app
            .json(
                "POST",
                "/api/v1/users",
                &key,
                json!({"extension": extension, "name": name, "role": role}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let id = created.json()["id"].as_i64().unwrap();
        let set = set_password(app, &key, id, password).await;
        assert_eq!(set.status, StatusCode::NO_CONTENT, "{}", set.text());
        ids.push(id);
    }
    Site {
        tenant: TenantId(tenant),
        key,
        agent: ids[0],
        supervisor: ids[1],
        admin: ids[2],
    }
}

async fn set_password(app: &TestApp, token: &str, user: i64, password: &str) -> Reply {
    app.json(
        "PUT",
        &format!("/api/v1/users/{user}/password"),
        token,
        json!({"password": password}),
    )
    .await
}

async fn login(app: &TestApp, tenant: &str, user: &str, password: &str) -> Reply {
    let body =
        serde_json::to_vec(&json!({"tenant": tenant, "user": user, "password": password})).unwrap();
    app.send(
        "POST",
        "/api/v1/login",
        None,
        Some("application/json"),
        body,
    )
    .await
}

/// Logs in and returns the session token.
async fn session(app: &TestApp, user: &str, password: &str) -> String {
    let reply = login(app, "acme", user, password).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["token"].as_str().unwrap().to_owned()
}

api_test!(login_session_and_logout, |app: TestApp| async move {
    let site = site(&app).await;
    // The password is stored as a salted Argon2id hash and never shown.
    let stored = app
        .store
        .user(site.tenant, UserId(site.agent))
        .await
        .unwrap()
        .password_hash
        .unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(!stored.contains(AGENT_PASSWORD));
    for path in [
        "/api/v1/users".to_owned(),
        format!("/api/v1/users/{}", site.agent),
    ] {
        let read = app.get(&path, &site.key).await;
        assert_eq!(read.status, StatusCode::OK);
        assert!(!read.text().contains("argon2"), "{}", read.text());
        assert!(!read.text().contains("password"), "{}", read.text());
    }

    // By extension and by name; the answer names the user and the expiry.
    let before = app.now();
    let reply = login(&app, "acme", "201", AGENT_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json();
    let token = body["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("wps_"), "{token}");
    assert_eq!(body["user"]["id"], site.agent);
    assert_eq!(body["user"]["role"], "agent");
    assert_eq!(body["tenant"], "acme");
    let expires = body["expires"].as_i64().unwrap();
    assert!(expires >= before.0 + SESSION_LIFETIME_MS, "{body}");
    assert!(expires <= app.now().0 + SESSION_LIFETIME_MS, "{body}");
    let by_name = login(&app, "acme", "Ann Agent", AGENT_PASSWORD).await;
    assert_eq!(by_name.status, StatusCode::OK, "{}", by_name.text());
    assert_ne!(
        by_name.json()["token"],
        body["token"],
        "every login is a new session"
    );

    // The token works as a bearer token, for the user's tenant.
    let own = app.get("/api/v1/tenant", &token).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text());
    assert_eq!(own.json()["slug"], "acme");
    let events_ws = app.get("/api/v1/events", &token).await;
    assert_ne!(
        events_ws.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        events_ws.text()
    );

    // Logout ends exactly this session.
    let other = by_name.json()["token"].as_str().unwrap().to_owned();
    let out = app
        .send("POST", "/api/v1/logout", Some(&token), None, Vec::new())
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text());
    let after = app.get("/api/v1/tenant", &token).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.text());
    assert_eq!(after.error_code(), "unauthenticated");
    let again = app
        .send("POST", "/api/v1/logout", Some(&token), None, Vec::new())
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get("/api/v1/tenant", &other).await.status,
        StatusCode::OK
    );
    // An API key is not a session.
    let key_out = app
        .send("POST", "/api/v1/logout", Some(&site.key), None, Vec::new())
        .await;
    assert_eq!(
        key_out.status,
        StatusCode::BAD_REQUEST,
        "{}",
        key_out.text()
    );
    assert_eq!(
        app.get("/api/v1/tenant", &site.key).await.status,
        StatusCode::OK
    );
    // A made-up session token is refused.
    let fake = format!("wps_{}", "0".repeat(64));
    assert_eq!(
        app.get("/api/v1/tenant", &fake).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Sessions are not platform administrators.
    assert_eq!(
        app.get("/api/v1/tenants", &other).await.status,
        StatusCode::FORBIDDEN
    );
});

api_test!(
    sessions_expire_after_their_lifetime,
    |app: TestApp| async move {
        site(&app).await;
        let token = session(&app, "201", AGENT_PASSWORD).await;
        app.advance(SESSION_LIFETIME_MS - 60_000);
        assert_eq!(
            app.get("/api/v1/tenant", &token).await.status,
            StatusCode::OK
        );
        app.advance(60_000);
        let expired = app.get("/api/v1/tenant", &token).await;
        assert_eq!(
            expired.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            expired.text()
        );
        // Logging in again gives a fresh one.
        let fresh = session(&app, "201", AGENT_PASSWORD).await;
        assert_eq!(
            app.get("/api/v1/tenant", &fresh).await.status,
            StatusCode::OK
        );
    }
);

api_test!(
    failed_logins_are_answered_alike,
    |app: TestApp| async move {
        let site = site(&app).await;
        // A user without a password cannot log in at all.
        let created = app
            .json(
                "POST",
                "/api/v1/users",
                &site.key,
                json!({"extension": "501", "name": "No Password", "role": "admin"}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED);
        // Another tenant's user does not log in to acme, nor acme's to it.
        let (_, other_key) = app.tenant_with_key("other", "admin").await;
        let other_user = app
            .json(
                "POST",
                "/api/v1/users",
                &other_key,
                json!({"extension": "601", "name": "Olga", "role": "admin"}),
            )
            .await;
        let other_id = other_user.json()["id"].as_i64().unwrap();
        let set = set_password(&app, &other_key, other_id, "other-password-1").await;
        assert_eq!(set.status, StatusCode::NO_CONTENT);

        let attempts = [
            ("acme", "nobody", AGENT_PASSWORD), // unknown user (made first: warms up)
            ("acme", "201", "wrong-password"),  // wrong password
            ("no-such-tenant", "201", AGENT_PASSWORD), // unknown tenant
            ("acme", "501", ""),                // no password set
            ("acme", "601", "other-password-1"), // another tenant's user
            ("other", "201", AGENT_PASSWORD),   // acme's user at another tenant
        ];
        let mut answers = Vec::new();
        for (tenant, user, password) in attempts {
            let started = Instant::now();
            let reply = login(&app, tenant, user, password).await;
            let took = started.elapsed();
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{tenant}/{user}: {}",
                reply.text()
            );
            answers.push((reply.text(), took));
        }
        let (wrong_password_body, wrong_password_time) = answers[1].clone();
        // The median refusal: one slow attempt on a busy machine does not move it (the
        // source's rate limit allows too few attempts to repeat each one).
        let mut times: Vec<Duration> = answers.iter().map(|(_, took)| *took).collect();
        times.sort();
        let median = times[times.len() / 2];
        for (index, (body, took)) in answers.iter().enumerate() {
            assert_eq!(
                *body, wrong_password_body,
                "attempt {index} answered differently"
            );
            // Every refusal pays for one password check, so none is much faster.
            assert!(
                *took >= median.mul_f64(0.3),
                "attempt {index} took {took:?}, the median refusal {median:?}"
            );
        }
        assert!(wrong_password_time >= Duration::from_millis(1));
        eprintln!(
            "login refusal times: {:?}",
            answers.iter().map(|(_, t)| *t).collect::<Vec<_>>()
        );
        // Malformed or oversized input is a 400/415, with no session made.
        let oversized = login(&app, "acme", "201", &"x".repeat(300)).await;
        assert_eq!(
            oversized.status,
            StatusCode::BAD_REQUEST,
            "{}",
            oversized.text()
        );
        let malformed = app
            .send(
                "POST",
                "/api/v1/login",
                None,
                Some("application/json"),
                b"{\"tenant\":".to_vec(),
            )
            .await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
        let not_json = app
            .send(
                "POST",
                "/api/v1/login",
                None,
                Some("text/plain"),
                b"x".to_vec(),
            )
            .await;
        assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
);

api_test!(login_attempts_are_limited, |app: TestApp| async move {
    site(&app).await;
    // Per user: five attempts at once, then one a minute — the right password included.
    for _ in 0..5 {
        let reply = login(&app, "acme", "201", "wrong-password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let limited = login(&app, "acme", "201", AGENT_PASSWORD).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.text()
    );
    assert_eq!(limited.error_code(), "too_many_attempts");
    let retry: i64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    // The name is compared without case or spaces: no way around the limit.
    let around = login(&app, "ACME", " 201 ", AGENT_PASSWORD).await;
    assert_eq!(around.status, StatusCode::TOO_MANY_REQUESTS);
    app.advance(retry * 1000);
    let allowed = login(&app, "acme", "201", AGENT_PASSWORD).await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.text());

    // Per source: ten at once (whatever the users), then one every six seconds. The
    // minute's wait refilled this source's bucket; one login since leaves nine.
    for n in 0..9 {
        let reply = login(&app, "acme", &format!("guess-{n}"), "x").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text());
    }
    let limited = login(&app, "acme", "301", SUPERVISOR_PASSWORD).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.text()
    );
    let retry: i64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=6).contains(&retry), "Retry-After {retry}");
    app.advance(6_000);
    let allowed = login(&app, "acme", "301", SUPERVISOR_PASSWORD).await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.text());
});

/// A call of the tenant taken by `agent`.
async fn answered_call(app: &TestApp, tenant: TenantId, id: &str, agent: Option<i64>) {
    let start = UnixMs::now();
    let call = NewCall {
        id: CallId::from(id),
        direction: Direction::Inbound,
        from: "+4917000001".into(),
        to: "+4930111222".into(),
        dialed: "+4930111222".into(),
        source: None,
        start,
        scenario: None,
        component_hash: None,
    };
    app.store.open_call(tenant, &call).await.unwrap();
    let answered = agent.is_some();
    let end = CallEnd {
        answer: answered.then_some(start.plus_ms(1_000)),
        connected: None,
        end: start.plus_ms(5_000),
        disposition: if answered {
            Disposition::Answered
        } else {
            Disposition::NoAnswer
        },
        hangup_cause: None,
        hangup_side: Some(HangupSide::Caller),
        queue: None,
        agent: agent.map(UserId),
        recording: None,
        tags: Vec::new(),
    };
    app.store
        .finish_call(tenant, &call.id, &end, &[])
        .await
        .unwrap();
}

api_test!(roles_apply_to_sessions, |app: TestApp| async move {
    let site = site(&app).await;
    answered_call(&app, site.tenant, "call-own", Some(site.agent)).await;
    answered_call(&app, site.tenant, "call-colleague", Some(site.supervisor)).await;
    answered_call(&app, site.tenant, "call-missed", None).await;
    let agent = session(&app, "201", AGENT_PASSWORD).await;
    let supervisor = session(&app, "301", SUPERVISOR_PASSWORD).await;
    let admin = session(&app, "401", ADMIN_PASSWORD).await;

    // An agent reads their own calls and the callback list, and works a callback.
    let calls = app.get("/api/v1/calls", &agent).await;
    assert_eq!(calls.status, StatusCode::OK, "{}", calls.text());
    let ids: Vec<_> = calls.json()["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|call| call["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["call-own"]);
    assert_eq!(
        app.get("/api/v1/calls/call-own", &agent).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/calls/call-own/events", &agent)
            .await
            .status,
        StatusCode::OK
    );
    for hidden in [
        "/api/v1/calls/call-colleague",
        "/api/v1/calls/call-colleague/events",
    ] {
        assert_eq!(
            app.get(hidden, &agent).await.status,
            StatusCode::NOT_FOUND,
            "{hidden}"
        );
    }
    let all = app.get("/api/v1/calls", &supervisor).await;
    assert_eq!(all.json()["total"], 3, "{}", all.text());
    let callbacks = app.get("/api/v1/callbacks", &agent).await;
    assert_eq!(callbacks.status, StatusCode::OK, "{}", callbacks.text());
    let task = callbacks.json()[0]["id"].as_i64().unwrap();
    let claimed = app
        .send(
            "POST",
            &format!("/api/v1/callbacks/{task}/claim"),
            Some(&agent),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(claimed.status, StatusCode::OK, "{}", claimed.text());
    assert_eq!(
        claimed.json()["claimed_by"],
        format!("user:{}:Ann Agent", site.agent),
        "the claim names the user"
    );

    // ... but changes no configuration.
    let changes: [(&str, String, serde_json::Value); 8] = [
        (
            "POST",
            "/api/v1/users".into(),
            json!({"extension": "9", "name": "x", "role": "admin"}),
        ),
        (
            "PUT",
            format!("/api/v1/users/{}", site.agent),
            json!({"extension": "201", "name": "x", "role": "admin"}),
        ),
        (
            "PUT",
            format!("/api/v1/users/{}/password", site.agent),
            json!({"password": "new-password-1"}),
        ),
        (
            "POST",
            "/api/v1/trunks".into(),
            json!({"name": "t", "uri": "sip:t.example", "username": null, "password": null, "caller_id": null, "priority": 1}),
        ),
        (
            "POST",
            "/api/v1/keys".into(),
            json!({"name": "k", "role": "admin"}),
        ),
        (
            "POST",
            "/api/v1/components/ivr/activate".into(),
            json!({"version": 1}),
        ),
        (
            "POST",
            "/api/v1/routes".into(),
            json!({"number": "+4930999111", "scenario": "x", "config": {}, "fallback": null, "working_hours": null}),
        ),
        (
            "POST",
            "/api/v1/webhooks".into(),
            json!({"url": "https://b.example/hook", "secret": "webhook-key-0123456", "events": []}),
        ),
    ];
    for (method, path, body) in &changes {
        let reply = app.json(method, path, &agent, body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            reply.text()
        );
    }
    let upload = app
        .send(
            "POST",
            "/api/v1/components/ivr",
            Some(&agent),
            Some("application/wasm"),
            wasmphony_scenarios::by_name("ivr-menu")
                .unwrap()
                .bytes
                .to_vec(),
        )
        .await;
    assert_eq!(upload.status, StatusCode::FORBIDDEN, "{}", upload.text());
    assert_eq!(
        app.get("/api/v1/trunks", &agent).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/keys", &agent).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/reports/summary?since=0&until=1", &agent)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/reports/summary?since=0&until=1", &supervisor)
            .await
            .status,
        StatusCode::OK
    );

    // A supervisor sets an agent's password (which ends the agent's sessions), not an
    // admin's; an agent key (not a user) still may not search calls.
    let denied = set_password(&app, &supervisor, site.admin, "hijack-password").await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.text());
    let short = set_password(&app, &supervisor, site.agent, "short").await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST, "{}", short.text());
    let reset = set_password(&app, &supervisor, site.agent, "agent-password-2").await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.text());
    assert_eq!(
        app.get("/api/v1/tenant", &agent).await.status,
        StatusCode::UNAUTHORIZED
    );
    let old = login(&app, "acme", "201", AGENT_PASSWORD).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let agent = session(&app, "201", "agent-password-2").await;
    let agent_key = app.key_for(site.tenant.0, "agent").await;
    assert_eq!(
        app.get("/api/v1/calls", &agent_key).await.status,
        StatusCode::FORBIDDEN
    );

    // Roles are the user's of the moment: a demoted supervisor loses reports at once.
    let demoted = app
        .json(
            "PUT",
            &format!("/api/v1/users/{}", site.supervisor),
            &admin,
            json!({"extension": "301", "name": "Sam Supervisor", "role": "agent"}),
        )
        .await;
    assert_eq!(demoted.status, StatusCode::OK, "{}", demoted.text());
    assert_eq!(
        app.get("/api/v1/reports/summary?since=0&until=1", &supervisor)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The admin's deletion of a card is audited under the user's name.
    let card = app
        .store
        .contact_for_number(site.tenant, "+4917000055", UnixMs::now())
        .await
        .unwrap();
    let deleted = app
        .delete(&format!("/api/v1/contacts/{}?reason=test", card.id), &admin)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text());
    let audit = app.get("/api/v1/audit", &admin).await;
    assert_eq!(
        audit.json()[0]["actor"],
        format!("user:{}:Ada Admin", site.admin),
        "{}",
        audit.text()
    );
    // A deleted user's sessions go with them.
    let gone = app
        .delete(&format!("/api/v1/users/{}", site.agent), &admin)
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text());
    assert_eq!(
        app.get("/api/v1/tenant", &agent).await.status,
        StatusCode::UNAUTHORIZED
    );
});
