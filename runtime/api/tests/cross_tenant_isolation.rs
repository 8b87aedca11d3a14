//! A tenant's key can never read or change another tenant's objects: every route of the
//! API's table is called with tenant B's admin key, then with a B admin's login session,
//! aimed at tenant A's objects, and (1) no answer carries anything of A's, (2) addressed
//! objects of A are "not found", (3) A's data reads the same afterwards, (4) platform
//! routes refuse tenant keys and sessions.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;

use common::{TestApp, wav};
use hyper::StatusCode;
use serde_json::{Value, json};
use wasmphony_api::{Access, BodyKind, ENDPOINTS};
use wasmphony_store::*;

/// Appears in every piece of A's data; must never appear in an answer to B.
const MARKER: &str = "alpha-secret-7f3c";

/// B's administrator who logs in (extension and password).
const B_ADMIN: &str = "900";
const B_PASSWORD: &str = "bravo-password-1";

/// A's objects, by path parameter.
struct Fixture {
    params: HashMap<&'static str, String>,
}

async fn seed_tenant_a(app: &TestApp, key: &str, tenant: TenantId) -> Fixture {
    let created = |reply: common::Reply| {
        assert!(reply.status.is_success(), "{}", reply.text());
        reply.json()
    };
    let user = created(
        app.json(
            "POST",
            "/api/v1/users",
            key,
            json!({
                "extension": "101", "name": format!("Agent {MARKER}"), "role": "agent",
                "devices": [{"kind": "sip", "username": format!("u-{MARKER}")}]
            }),
        )
        .await,
    );
    created(
        app.json(
            "POST",
            "/api/v1/numbers",
            key,
            json!({"number": "+4930111222", "label": MARKER}),
        )
        .await,
    );
    let route = created(
        app.json(
            "POST",
            "/api/v1/routes",
            key,
            json!({
                "number": "+4930111222", "scenario": "ivr", "config": {"greeting": MARKER},
                "fallback": null, "working_hours": null
            }),
        )
        .await,
    );
    let queue = created(app.json("POST", "/api/v1/queues", key, json!({
        "name": format!("q-{MARKER}"), "strategy": "ring_all", "max_wait_ms": 60000, "max_length": 10, "overflow": null
    })).await);
    let trunk = created(
        app.json(
            "POST",
            "/api/v1/trunks",
            key,
            json!({
                "name": format!("t-{MARKER}"), "uri": "sip:carrier.example", "username": MARKER,
                "password": MARKER, "caller_id": null, "priority": 1
            }),
        )
        .await,
    );
    created(
        app.send(
            "PUT",
            "/api/v1/prompts/greeting",
            Some(key),
            Some("audio/wav"),
            wav(MARKER),
        )
        .await,
    );
    let ivr = wasmphony_scenarios::by_name("ivr-menu").unwrap();
    created(
        app.send(
            "POST",
            "/api/v1/components/ivr",
            Some(key),
            Some("application/wasm"),
            ivr.bytes.to_vec(),
        )
        .await,
    );
    let record = created(
        app.json(
            "POST",
            "/api/v1/records",
            key,
            json!({
                "kind": "order", "status": "new", "due": null, "contact_number": "+4917000001",
                "fields": {"note": MARKER}
            }),
        )
        .await,
    );

    // A missed call: a CDR with events, a customer card, a callback task.
    let start = UnixMs::now();
    let call = NewCall {
        id: CallId::from("call-a-1"),
        direction: Direction::Inbound,
        from: "+4917000001".into(),
        to: "+4930111222".into(),
        dialed: "+4930111222".into(),
        source: Some(MARKER.into()),
        start,
        scenario: Some("ivr".into()),
        component_hash: None,
    };
    app.store.open_call(tenant, &call).await.unwrap();
    let end = CallEnd {
        answer: None,
        connected: None,
        end: start.plus_ms(5_000),
        disposition: Disposition::NoAnswer,
        hangup_cause: Some(MARKER.into()),
        hangup_side: Some(HangupSide::Caller),
        queue: None,
        agent: None,
        recording: None,
        tags: vec![MARKER.into()],
    };
    let event = CallEvent {
        seq: 0,
        at: start,
        kind: "ringing".into(),
        detail: json!({"who": MARKER}),
    };
    app.store
        .finish_call(tenant, &call.id, &end, &[event])
        .await
        .unwrap();
    app.store
        .add_recording(&Recording {
            id: RecordingId::from("rec-a-1"),
            tenant_id: tenant,
            call_id: call.id.clone(),
            path: format!("{MARKER}.wav"),
            content_type: "audio/wav".into(),
            duration_ms: 1_000,
            created: start,
        })
        .await
        .unwrap();
    let contact = app
        .store
        .find_contact(tenant, "+4917000001")
        .await
        .unwrap()
        .unwrap();
    created(app.json("PATCH", &format!("/api/v1/contacts/{}", contact.id), key, json!({
        "name": format!("Customer {MARKER}"), "company": null, "assigned_manager": null, "fields": {}
    })).await);
    created(
        app.json(
            "POST",
            &format!("/api/v1/contacts/{}/notes", contact.id),
            key,
            json!({"text": MARKER}),
        )
        .await,
    );
    // An explicit deletion leaves an audit entry holding the deleted card.
    let doomed = app
        .store
        .contact_for_number(tenant, "+4917000099", start)
        .await
        .unwrap();
    created(
        app.json(
            "PATCH",
            &format!("/api/v1/contacts/{}", doomed.id),
            key,
            json!({"name": format!("Doomed {MARKER}"), "company": null, "assigned_manager": null, "fields": {}}),
        )
        .await,
    );
    let deleted = app
        .delete(&format!("/api/v1/contacts/{}", doomed.id), key)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text());
    let tasks = app
        .store
        .list_callbacks(tenant, None, Page::first(10))
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1);

    let webhook = created(
        app.json(
            "POST",
            "/api/v1/webhooks",
            key,
            json!({
                "url": format!("https://hooks.example/{MARKER}"),
                "secret": format!("{MARKER}-webhook-key"),
                "events": ["call_ended"]
            }),
        )
        .await,
    );

    let widget = created(
        app.json(
            "POST",
            "/api/v1/widget-keys",
            key,
            json!({"name": format!("site {MARKER}"), "number": "+4930111222"}),
        )
        .await,
    );

    let id = |value: &Value| value["id"].as_i64().unwrap().to_string();
    let params = HashMap::from([
        ("user", id(&user)),
        ("route", id(&route)),
        ("queue", id(&queue)),
        ("trunk", id(&trunk)),
        ("webhook", id(&webhook)),
        ("widget_key", id(&widget["key"])),
        ("record", id(&record)),
        ("contact", contact.id.to_string()),
        ("callback", tasks[0].id.to_string()),
        ("call", "call-a-1".to_owned()),
        ("number", "+4930111222".to_owned()),
        ("customer", "+4917000001".to_owned()),
        ("prompt", "greeting".to_owned()),
        ("component", "ivr".to_owned()),
        (
            "key",
            app.store.list_api_keys(tenant).await.unwrap()[0]
                .id
                .to_string(),
        ),
        ("tenant", tenant.to_string()),
        ("recording", "rec-a-1".to_owned()),
    ]);
    Fixture { params }
}

/// The concrete path for `template` aimed at A's objects.
fn aim(template: &str, fixture: &Fixture) -> String {
    let family = template
        .trim_start_matches("/api/v1/")
        .split('/')
        .next()
        .unwrap();
    let param = |name: &str| fixture.params[name].clone();
    let own = match family {
        "users" => param("user"),
        "routes" => param("route"),
        "queues" => param("queue"),
        "trunks" => param("trunk"),
        "webhooks" => param("webhook"),
        "widget-keys" => param("widget_key"),
        // The public widget route is reached by a widget key, not a bearer key: B's
        // bearer key with a key that is nobody's files nothing anywhere.
        "widget" => "wpw_nobodys".to_owned(),
        "records" => param("record"),
        "contacts" if template.contains("by-number") => param("customer"),
        "contacts" => param("contact"),
        "callbacks" => param("callback"),
        "calls" => param("call"),
        "numbers" => param("number").replace('+', "%2B"),
        "recordings" => param("recording"),
        "prompts" => param("prompt"),
        "components" => param("component"),
        "keys" => param("key"),
        "tenants" => param("tenant"),
        _ => String::new(),
    };
    template
        .replace("{id}", &own)
        .replace("{name}", &own)
        .replace("{number}", &own)
        .replace("{key}", &own)
}

/// A plausible body for each kind of route (valid, so refusals are about ownership).
fn body_for(method: &str, path: &str, kind: BodyKind) -> (Option<&'static str>, Vec<u8>) {
    let json = |value: Value| {
        (
            Some("application/json"),
            serde_json::to_vec(&value).unwrap(),
        )
    };
    match kind {
        BodyKind::None => (None, Vec::new()),
        BodyKind::Prompt => (Some("audio/wav"), wav("bravo")),
        BodyKind::Component => (
            Some("application/wasm"),
            wasmphony_scenarios::by_name("ivr-menu")
                .unwrap()
                .bytes
                .to_vec(),
        ),
        BodyKind::Csv => (
            Some("text/csv"),
            b"number,name\n+4930999000,Bravo\n".to_vec(),
        ),
        BodyKind::Json => match (method, path) {
            (_, "/api/v1/login") => {
                json(json!({"tenant": "bravo", "user": B_ADMIN, "password": B_PASSWORD}))
            }
            (_, p) if p.ends_with("/password") => json(json!({"password": "bravo-password-2"})),
            (_, p) if p.ends_with("/sip-secret") => {
                json(json!({"username": "201", "secret": "bravo-secret"}))
            }
            (_, p) if p.starts_with("/api/v1/users") => {
                json(json!({"extension": "201", "name": "B", "role": "agent"}))
            }
            (_, "/api/v1/numbers") => json(json!({"number": "+4930999111"})),
            (_, p) if p.starts_with("/api/v1/routes") => json(
                json!({"number": "+4930999111", "scenario": "x", "config": {}, "fallback": null, "working_hours": null}),
            ),
            (_, p) if p.starts_with("/api/v1/queues") => json(
                json!({"name": "qb", "strategy": "ring_all", "max_wait_ms": 1000, "max_length": 1, "overflow": null}),
            ),
            (_, p) if p.starts_with("/api/v1/trunks") => json(
                json!({"name": "tb", "uri": "sip:b.example", "username": null, "password": null, "caller_id": null, "priority": 1}),
            ),
            (_, "/api/v1/calls/originate") => json(json!({"from": "101", "to": "+4930111222"})),
            (_, "/api/v1/widget-keys") => json(json!({"name": "b", "number": "+4930999111"})),
            (_, p) if p.starts_with("/api/v1/widget/") => json(json!({"number": "+4917000001"})),
            (_, p) if p.starts_with("/api/v1/webhooks") => json(
                json!({"url": "https://b.example/hook", "secret": "bravo-webhook-key-0123", "events": []}),
            ),
            (_, p) if p.ends_with("/activate") => json(json!({"version": 1})),
            (_, p) if p.ends_with("/canary") => json(json!({"version": 1, "percent": 50})),
            (_, p) if p.ends_with("/notes") => json(json!({"text": "b"})),
            (_, p) if p.starts_with("/api/v1/contacts/") => {
                json(json!({"name": "B", "company": null, "assigned_manager": null, "fields": {}}))
            }
            (_, p) if p.ends_with("/status") => json(json!({"status": "done"})),
            (_, p) if p.ends_with("/fields") => json(json!({"b": 1})),
            (_, "/api/v1/records") => json(
                json!({"kind": "order", "status": "new", "due": null, "contact_number": null, "fields": {}}),
            ),
            (_, p) if p.ends_with("/done") => json(json!({"outcome": "done"})),
            (_, p) if p.ends_with("/keys") => json(json!({"name": "b", "role": "agent"})),
            (_, "/api/v1/tenants") => {
                json(json!({"slug": "bravo2", "name": "B", "country_code": "49"}))
            }
            _ => panic!("no test body for {method} {path}: add one here"),
        },
    }
}

/// Query strings some routes require.
fn query_for(path: &str) -> &'static str {
    match path {
        "/api/v1/records" => "?kind=order&status=new",
        p if p.starts_with("/api/v1/reports/") => "?since=0&until=9999999999999",
        _ => "",
    }
}

/// Everything of A's, read with A's key.
async fn a_view(app: &TestApp, key: &str, fixture: &Fixture) -> Vec<(String, String)> {
    let p = |name: &str| fixture.params[name].clone();
    let paths = [
        "/api/v1/tenant".to_owned(),
        "/api/v1/keys".to_owned(),
        "/api/v1/users".to_owned(),
        "/api/v1/numbers".to_owned(),
        "/api/v1/routes".to_owned(),
        "/api/v1/queues".to_owned(),
        "/api/v1/trunks".to_owned(),
        "/api/v1/webhooks".to_owned(),
        format!("/api/v1/webhooks/{}", p("webhook")),
        "/api/v1/prompts".to_owned(),
        "/api/v1/prompts/greeting".to_owned(),
        "/api/v1/components/ivr".to_owned(),
        "/api/v1/calls".to_owned(),
        format!("/api/v1/calls/{}/events", p("call")),
        "/api/v1/contacts".to_owned(),
        format!("/api/v1/contacts/{}/notes", p("contact")),
        format!("/api/v1/records/{}", p("record")),
        "/api/v1/callbacks".to_owned(),
        "/api/v1/widget-keys".to_owned(),
        "/api/v1/audit".to_owned(),
        format!("/api/v1/contacts/{}/recordings", p("contact")),
        format!("/api/v1/contacts/{}/records", p("contact")),
    ];
    let mut view = Vec::new();
    for path in paths {
        let reply = app.get(&path, key).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "A reading {path}: {}",
            reply.text()
        );
        view.push((path, reply.text()));
    }
    view
}

/// B logs in as its own administrator; returns the session token.
async fn b_admin_session(app: &TestApp, b_key: &str) -> String {
    let admin = app
        .json(
            "POST",
            "/api/v1/users",
            b_key,
            json!({"extension": B_ADMIN, "name": "B admin", "role": "admin"}),
        )
        .await;
    assert_eq!(admin.status, StatusCode::CREATED, "{}", admin.text());
    let id = admin.json()["id"].as_i64().unwrap();
    let set = app
        .json(
            "PUT",
            &format!("/api/v1/users/{id}/password"),
            b_key,
            json!({"password": B_PASSWORD}),
        )
        .await;
    assert_eq!(set.status, StatusCode::NO_CONTENT, "{}", set.text());
    b_login(app).await
}

async fn b_login(app: &TestApp) -> String {
    let (_, body) = body_for("POST", "/api/v1/login", BodyKind::Json);
    let reply = app
        .send(
            "POST",
            "/api/v1/login",
            None,
            Some("application/json"),
            body,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["token"].as_str().unwrap().to_owned()
}

/// Every route of the table with B's `token` aimed at A's objects.
async fn sweep(app: &TestApp, fixture: &Fixture, label: &str, mut b_token: String) {
    let mut checked = 0;
    for endpoint in ENDPOINTS {
        let path = aim(endpoint.path, fixture);
        let url = format!("{path}{}", query_for(endpoint.path));
        let (content_type, body) = body_for(endpoint.method, endpoint.path, endpoint.body);
        let reply = app
            .send(endpoint.method, &url, Some(&b_token), content_type, body)
            .await;
        let what = format!(
            "{} {url} with B's {label} -> {}: {}",
            endpoint.method,
            reply.status,
            reply.text()
        );
        assert!(!reply.text().contains(MARKER), "leak: {what}");
        assert!(!reply.status.is_server_error(), "{what}");
        match endpoint.access {
            Access::Platform => assert_eq!(reply.status, StatusCode::FORBIDDEN, "{what}"),
            Access::Public => assert_eq!(reply.status, StatusCode::OK, "{what}"),
            Access::Widget => assert_eq!(reply.status, StatusCode::NOT_FOUND, "{what}"),
            Access::Tenant => {
                // A route that names one of A's objects by id must not find it; routes
                // that name by a tenant-chosen name (a prompt, a component) act on B's own.
                let by_id = endpoint.path.contains("{id}") || endpoint.path.contains("{number}");
                if by_id {
                    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{what}");
                }
            }
        }
        if endpoint.path == "/api/v1/logout" && reply.status == StatusCode::NO_CONTENT {
            b_token = b_login(app).await; // the sweep logged itself out
        }
        checked += 1;
    }
    assert_eq!(checked, ENDPOINTS.len());
}

api_test!(
    no_route_reaches_another_tenants_objects,
    |app: TestApp| async move {
        let (a, a_key) = app.tenant_with_key("alpha", "admin").await;
        let (_, b_key) = app.tenant_with_key("bravo", "admin").await;
        let fixture = seed_tenant_a(&app, &a_key, TenantId(a)).await;
        let before = a_view(&app, &a_key, &fixture).await;
        assert!(
            before.iter().any(|(_, body)| body.contains(MARKER)),
            "the fixture is not marked"
        );

        let b_session = b_admin_session(&app, &b_key).await;
        for (label, b_token) in [("key", b_key.clone()), ("session", b_session)] {
            sweep(&app, &fixture, label, b_token).await;
        }
        // Click-to-call was asked for B's tenant, never A's.
        let originated = app.originated.lock().clone();
        assert!(!originated.is_empty());
        assert!(
            originated.iter().all(|(tenant, _, _)| tenant == "bravo"),
            "{originated:?}"
        );
        assert_eq!(
            a_view(&app, &a_key, &fixture).await,
            before,
            "B changed A's data"
        );
        // The registry keeps the two tenants' components apart too.
        let a_versions = app.registry.versions("alpha", "ivr").unwrap();
        assert_eq!(a_versions.len(), 1);
        assert!(a_versions[0].active);
    }
);
