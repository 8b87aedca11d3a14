//! CDR search with filters and paging, the streamed CSV export (across export batches),
//! the event timeline, live calls; customer cards, notes, history, CSV import, audited
//! deletion; records; callback tasks claimed and closed; reports; metrics from the store.
#![allow(clippy::unwrap_used)]

mod common;

use common::{ADMIN_KEY, TestApp};
use hyper::StatusCode;
use serde_json::json;
use wasmphony_store::*;

/// More than one export batch (500 rows), so the stream is really built batch by batch.
const CALLS: i64 = 520;

/// A fixed start of time (2026-11-23 00:00 UTC).
const T0: UnixMs = UnixMs(1_795_392_000_000);

async fn place_calls(store: &Store, tenant: TenantId) {
    for i in 0..CALLS {
        let start = T0.plus_ms(i * 60_000);
        let call = NewCall {
            id: CallId(format!("c{i:04}")),
            direction: Direction::Inbound,
            from: format!("+491700000{:02}", i % 7),
            to: "+4930111222".into(),
            dialed: "+4930111222".into(),
            source: Some(if i % 2 == 0 { "google" } else { "radio" }.into()),
            start,
            scenario: Some("ivr".into()),
            component_hash: Some("abc".into()),
        };
        store.open_call(tenant, &call).await.unwrap();
        let answered = i % 3 == 0;
        let end = CallEnd {
            answer: answered.then(|| start.plus_ms(2_000)),
            connected: None,
            end: start.plus_ms(40_000),
            disposition: if answered {
                Disposition::Answered
            } else {
                Disposition::NoAnswer
            },
            hangup_cause: None,
            hangup_side: Some(HangupSide::Caller),
            queue: None,
            agent: None,
            recording: None,
            tags: if i % 10 == 0 {
                vec!["vip".into()]
            } else {
                vec![]
            },
        };
        let events = [
            CallEvent {
                seq: 0,
                at: start,
                kind: "ringing".into(),
                detail: json!({}),
            },
            CallEvent {
                seq: 1,
                at: start.plus_ms(40_000),
                kind: "ended".into(),
                detail: json!({"i": i}),
            },
        ];
        store
            .finish_call(tenant, &call.id, &end, &events)
            .await
            .unwrap();
    }
    // And one call still in progress.
    let live = NewCall {
        id: CallId::from("live-1"),
        direction: Direction::Inbound,
        from: "+4917099999".into(),
        to: "+4930111222".into(),
        dialed: "+4930111222".into(),
        source: None,
        start: T0.plus_ms(CALLS * 60_000),
        scenario: None,
        component_hash: None,
    };
    store.open_call(tenant, &live).await.unwrap();
}

api_test!(
    calls_search_export_and_timeline,
    |app: TestApp| async move {
        let (tenant, key) = app.tenant_with_key("acme", "supervisor").await;
        place_calls(&app.store, TenantId(tenant)).await;

        let page = app
            .get("/api/v1/calls?disposition=answered&limit=10&offset=5", &key)
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let body = page.json();
        assert_eq!(body["total"], json!((CALLS + 2) / 3));
        let calls = body["calls"].as_array().unwrap();
        assert_eq!(calls.len(), 10);
        assert!(
            calls
                .iter()
                .all(|call| call["disposition"] == json!("answered"))
        );
        // Newest first: the answered calls are every third one from the last.
        let newest_answered = (CALLS - 1) / 3 * 3;
        assert_eq!(
            calls[0]["id"],
            json!(format!("c{:04}", newest_answered - 15))
        );

        let since = T0.plus_ms(100 * 60_000).0;
        let until = T0.plus_ms(200 * 60_000).0;
        let window = app
            .get(
                &format!("/api/v1/calls?since={since}&until={until}&tag=vip&source=google"),
                &key,
            )
            .await
            .json();
        assert_eq!(window["total"], json!(10), "{window}");
        let by_number = app
            .get("/api/v1/calls?number=0170%20000%20003&limit=1000", &key)
            .await
            .json();
        assert_eq!(
            by_number["total"],
            json!((0..CALLS).filter(|i| i % 7 == 3).count()),
            "{by_number}"
        );

        let csv = app.get("/api/v1/calls/export.csv?source=radio", &key).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(
            csv.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        // Streamed: no length known up front.
        assert!(
            csv.headers.get("content-length").is_none(),
            "{:?}",
            csv.headers
        );
        assert_eq!(csv.headers["transfer-encoding"], "chunked");
        let text = csv.text();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("id,status,direction"), "{}", lines[0]);
        assert_eq!(lines.len() as i64, 1 + CALLS / 2);
        assert!(lines[1].starts_with(&format!("c{:04},", CALLS - 1)));
        let mut ids: Vec<&str> = lines[1..]
            .iter()
            .map(|line| line.split(',').next().unwrap())
            .collect();
        ids.dedup();
        assert_eq!(ids.len() as i64, CALLS / 2, "a row repeated across batches");
        let everything = app.get("/api/v1/calls/export.csv", &key).await.text();
        assert_eq!(
            everything.lines().count() as i64,
            1 + CALLS + 1,
            "header, finished calls, the live one"
        );

        let events = app.get("/api/v1/calls/c0007/events", &key).await.json();
        assert_eq!(events.as_array().unwrap().len(), 2);
        assert_eq!(events[1]["kind"], json!("ended"));
        assert_eq!(events[1]["detail"]["i"], json!(7));
        let one = app.get("/api/v1/calls/c0007", &key).await.json();
        assert_eq!(one["source"], json!("radio"));
        assert_eq!(
            app.get("/api/v1/calls/nope/events", &key).await.status,
            StatusCode::NOT_FOUND
        );
        let live = app.get("/api/v1/calls/live", &key).await.json();
        assert_eq!(live.as_array().unwrap().len(), 1);
        assert_eq!(live[0]["id"], json!("live-1"));

        let summary = app
            .get(
                &format!(
                    "/api/v1/reports/summary?since={}&until={}",
                    T0.0,
                    T0.plus_ms(CALLS * 60_000).0
                ),
                &key,
            )
            .await;
        assert_eq!(summary.status, StatusCode::OK, "{}", summary.text());
        assert_eq!(
            summary.json()["answered"],
            json!((CALLS + 2) / 3),
            "{}",
            summary.text()
        );
        let by_source = app
            .get(
                &format!(
                    "/api/v1/reports/by-source?since={}&until={}",
                    T0.0,
                    T0.plus_ms(CALLS * 60_000).0
                ),
                &key,
            )
            .await
            .json();
        assert_eq!(by_source.as_array().unwrap().len(), 2, "{by_source}");
        let bad_period = app
            .get("/api/v1/reports/by-tag?since=10&until=5", &key)
            .await;
        assert_eq!(bad_period.status, StatusCode::BAD_REQUEST);

        let metrics = app.get("/metrics", ADMIN_KEY).await.text();
        assert!(
            metrics.contains(&format!(
                "wasmphony_calls_finished{{disposition=\"answered\"}} {}",
                (CALLS + 2) / 3
            )),
            "{metrics}"
        );
        assert!(
            metrics.contains(&format!(
                "wasmphony_calls_finished{{disposition=\"no_answer\"}} {}",
                CALLS - (CALLS + 2) / 3
            )),
            "{metrics}"
        );
        assert!(
            metrics.contains("wasmphony_calls_live_on_record 1"),
            "{metrics}"
        );
    }
);

api_test!(contacts_records_and_callbacks, |app: TestApp| async move {
    let (tenant, key) = app.tenant_with_key("acme", "admin").await;
    let tenant = TenantId(tenant);
    // A missed call makes a card and a callback task.
    let start = T0;
    let call = NewCall {
        id: CallId::from("m1"),
        direction: Direction::Inbound,
        from: "030 1234567".into(),
        to: "+4930111222".into(),
        dialed: "+4930111222".into(),
        source: None,
        start,
        scenario: None,
        component_hash: None,
    };
    app.store.open_call(tenant, &call).await.unwrap();
    let end = CallEnd {
        answer: None,
        connected: None,
        end: start.plus_ms(9_000),
        disposition: Disposition::NoAnswer,
        hangup_cause: None,
        hangup_side: Some(HangupSide::Caller),
        queue: None,
        agent: None,
        recording: None,
        tags: vec![],
    };
    app.store
        .finish_call(tenant, &call.id, &end, &[])
        .await
        .unwrap();

    let card = app
        .get("/api/v1/contacts/by-number/%2B49%2030%201234567", &key)
        .await;
    assert_eq!(card.status, StatusCode::OK, "{}", card.text());
    let id = card.json()["id"].as_i64().unwrap();
    let updated = app.json("PATCH", &format!("/api/v1/contacts/{id}"), &key, json!({
        "name": "Erika", "company": "ACME", "assigned_manager": null, "fields": {"tier": "gold"}
    })).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text());
    assert_eq!(updated.json()["fields"]["tier"], json!("gold"));
    let note = app
        .json(
            "POST",
            &format!("/api/v1/contacts/{id}/notes"),
            &key,
            json!({"text": "call back after 5"}),
        )
        .await;
    assert_eq!(note.status, StatusCode::CREATED, "{}", note.text());
    let notes = app
        .get(&format!("/api/v1/contacts/{id}/notes"), &key)
        .await
        .json();
    assert_eq!(notes[0]["text"], json!("call back after 5"));
    let history = app
        .get(&format!("/api/v1/contacts/{id}/history"), &key)
        .await
        .json();
    assert_eq!(history[0]["id"], json!("m1"));

    let import = app
        .send(
            "POST",
            "/api/v1/contacts/import",
            Some(&key),
            Some("text/csv"),
            b"number,name,company\n+4930555001,Max,Mustermann GmbH\nnot a number,Bad,\n".to_vec(),
        )
        .await;
    assert_eq!(import.status, StatusCode::OK, "{}", import.text());
    let report = import.json();
    assert_eq!(
        (report["rows"].clone(), report["created"].clone()),
        (json!(2), json!(1)),
        "{report}"
    );
    assert_eq!(report["errors"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/api/v1/contacts", &key)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let deleted = app
        .delete(
            &format!("/api/v1/contacts/{id}?reason=customer%20asked"),
            &key,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text());
    assert_eq!(
        app.get(&format!("/api/v1/contacts/{id}"), &key)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let audit = app.get("/api/v1/audit", &key).await.json();
    assert_eq!(
        audit.as_array().unwrap().len(),
        1,
        "deletion was not audited: {audit}"
    );
    assert!(
        audit.to_string().contains("Erika"),
        "the audit entry keeps the card: {audit}"
    );

    let record = app.json("POST", "/api/v1/records", &key, json!({
        "kind": "order", "status": "new", "due": null, "contact_number": "+4930555001", "fields": {"pizza": "margherita"}
    })).await;
    assert_eq!(record.status, StatusCode::CREATED, "{}", record.text());
    let record_id = record.json()["id"].as_i64().unwrap();
    let max = app
        .get("/api/v1/contacts/by-number/%2B4930555001", &key)
        .await
        .json();
    let max = max["id"].as_i64().unwrap();
    let on_card = app
        .get(&format!("/api/v1/contacts/{max}/records"), &key)
        .await
        .json();
    assert_eq!(on_card[0]["id"], json!(record_id), "{on_card}");
    let recordings = app
        .get(&format!("/api/v1/contacts/{max}/recordings"), &key)
        .await;
    assert_eq!(recordings.status, StatusCode::OK, "{}", recordings.text());
    assert!(recordings.json().as_array().unwrap().is_empty());
    let listed = app
        .get("/api/v1/records?kind=order&status=new", &key)
        .await
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let moved = app
        .json(
            "PUT",
            &format!("/api/v1/records/{record_id}/status"),
            &key,
            json!({"status": "delivered"}),
        )
        .await;
    assert_eq!(moved.json()["status"], json!("delivered"));
    let fields = app
        .json(
            "PUT",
            &format!("/api/v1/records/{record_id}/fields"),
            &key,
            json!({"pizza": "diavola"}),
        )
        .await;
    assert_eq!(
        fields.json()["fields"]["pizza"],
        json!("diavola"),
        "{}",
        fields.text()
    );
    assert!(
        app.get("/api/v1/records?kind=order&status=new", &key)
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );

    let tasks = app.get("/api/v1/callbacks?state=new", &key).await.json();
    assert_eq!(tasks.as_array().unwrap().len(), 1, "{tasks}");
    let task = tasks[0]["id"].as_i64().unwrap();
    let claimed = app
        .send(
            "POST",
            &format!("/api/v1/callbacks/{task}/claim"),
            Some(&key),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(claimed.status, StatusCode::OK, "{}", claimed.text());
    assert_eq!(claimed.json()["state"], json!("in_progress"));
    let twice = app
        .send(
            "POST",
            &format!("/api/v1/callbacks/{task}/claim"),
            Some(&key),
            None,
            Vec::new(),
        )
        .await;
    assert!(
        twice.status.is_client_error(),
        "claimed twice: {}",
        twice.text()
    );
    let retry = app
        .json(
            "POST",
            &format!("/api/v1/callbacks/{task}/done"),
            &key,
            json!({"outcome": "retry"}),
        )
        .await;
    assert_eq!(
        retry.status,
        StatusCode::BAD_REQUEST,
        "a retry without a time"
    );
    let done = app
        .json(
            "POST",
            &format!("/api/v1/callbacks/{task}/done"),
            &key,
            json!({"outcome": "done"}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    assert_eq!(done.json()["state"], json!("done"));
    assert!(
        app.get("/api/v1/callbacks?state=new", &key)
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
});
