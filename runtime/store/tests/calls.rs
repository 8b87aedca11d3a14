//! The CDR life cycle: open, finish with events in one transaction, recovery after a
//! crash, search, CSV export.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{at, tenant};
use serde_json::json;
use wasmphony_store::*;

fn inbound(id: &str, from: &str, start: UnixMs) -> NewCall {
    NewCall {
        id: CallId::from(id),
        direction: Direction::Inbound,
        from: from.into(),
        to: "+4930555000".into(),
        dialed: "+4930555000".into(),
        source: Some("google-ads".into()),
        start,
        scenario: Some("ivr-menu".into()),
        component_hash: Some("abc123".into()),
    }
}

fn answered(start: UnixMs, answer_after_s: i64, end_after_s: i64) -> CallEnd {
    CallEnd {
        answer: Some(start.plus_ms(answer_after_s * 1000)),
        connected: None,
        end: start.plus_ms(end_after_s * 1000),
        disposition: Disposition::Answered,
        hangup_cause: Some("BYE".into()),
        hangup_side: Some(HangupSide::Caller),
        queue: Some("sales".into()),
        agent: None,
        recording: None,
        tags: vec!["vip".into(), "order".into()],
    }
}

fn event(seq: u32, at: UnixMs, kind: &str) -> CallEvent {
    CallEvent {
        seq,
        at,
        kind: kind.into(),
        detail: json!({ "seq": seq }),
    }
}

backend_test!(
    finish_call_writes_cdr_tags_and_events,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        let id = CallId::from("call-1");
        let live = store
            .open_call(t, &inbound("call-1", "030 1234567", at(0)))
            .await
            .unwrap();
        assert_eq!(live.status, CallStatus::Live);
        assert_eq!(live.customer_number, "+49301234567");
        assert_eq!(store.live_calls(t).await.unwrap().len(), 1);
        // Every caller gets a card, keyed by the normalised number.
        assert!(
            store
                .find_contact(t, "+49 30 1234567")
                .await
                .unwrap()
                .is_some()
        );

        let events = [
            event(0, at(0), "ringing"),
            event(1, at(5), "answered"),
            event(2, at(65), "hangup"),
        ];
        let done = store
            .finish_call(t, &id, &answered(at(0), 5, 65), &events)
            .await
            .unwrap();
        assert_eq!(done.status, CallStatus::Completed);
        assert_eq!(done.duration_ms, 65_000);
        assert_eq!(done.talk_ms, 60_000);
        assert_eq!(done.tags, vec!["order".to_owned(), "vip".to_owned()]);

        let read = store.call(t, &id).await.unwrap();
        assert_eq!(read, done);
        assert_eq!(store.call_events(t, &id).await.unwrap(), events.to_vec());
        assert!(store.live_calls(t).await.unwrap().is_empty());

        // A second finish is refused and changes nothing.
        let again = store.finish_call(t, &id, &answered(at(0), 1, 2), &[]).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        assert_eq!(store.call(t, &id).await.unwrap(), done);
    }
);

backend_test!(
    failing_event_insert_rolls_back_the_cdr,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        let id = CallId::from("call-1");
        store
            .open_call(t, &inbound("call-1", "+49301234567", at(0)))
            .await
            .unwrap();
        // Two events with one seq: the second insert violates the unique key mid-transaction.
        let events = [
            event(0, at(0), "ringing"),
            event(1, at(1), "answered"),
            event(1, at(2), "dtmf"),
        ];
        let result = store
            .finish_call(t, &id, &answered(at(0), 1, 10), &events)
            .await;
        assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");

        let call = store.call(t, &id).await.unwrap();
        assert_eq!(
            call.status,
            CallStatus::Live,
            "the CDR update was rolled back"
        );
        assert_eq!(call.end, None);
        assert!(call.tags.is_empty(), "tags rolled back");
        assert!(
            store.call_events(t, &id).await.unwrap().is_empty(),
            "events rolled back"
        );

        // The call can still be finished properly afterwards.
        let events = [event(0, at(0), "ringing"), event(1, at(1), "answered")];
        let done = store
            .finish_call(t, &id, &answered(at(0), 1, 10), &events)
            .await
            .unwrap();
        assert_eq!(done.status, CallStatus::Completed);
        assert_eq!(store.call_events(t, &id).await.unwrap().len(), 2);
    }
);

fn recording_of(t: TenantId, call: &str, id: &str, path: &str) -> Recording {
    Recording {
        id: RecordingId(id.into()),
        tenant_id: t,
        call_id: CallId::from(call),
        path: path.into(),
        content_type: "audio/wav".into(),
        duration_ms: 4_000,
        created: at(9),
    }
}

backend_test!(
    recordings_are_registered_with_the_finished_call,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        let id = CallId::from("call-1");
        store
            .open_call(t, &inbound("call-1", "030 1234567", at(0)))
            .await
            .unwrap();
        let mut end = answered(at(0), 1, 10);
        end.recording = Some(RecordingId("call-1-2".into()));
        let first = recording_of(t, "call-1", "call-1-1", "acme/call-1-1.wav");
        let second = recording_of(t, "call-1", "call-1-2", "acme/call-1-2.wav");

        // A recording of another call, or one whose path leaves the recordings
        // directory, is refused and nothing of the finish is written.
        for bad in [
            recording_of(t, "call-2", "call-2-1", "acme/call-2-1.wav"),
            recording_of(t, "call-1", "call-1-3", "../etc/passwd"),
            recording_of(t, "call-1", "call-1-3", "/tmp/x.wav"),
        ] {
            let result = store
                .finish_call_with_recordings(t, &id, &end, &[], &[first.clone(), bad])
                .await;
            assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
            assert_eq!(store.call(t, &id).await.unwrap().status, CallStatus::Live);
            let read = store.recording(t, &first.id).await;
            assert!(matches!(read, Err(StoreError::NotFound(_))), "{read:?}");
        }

        let done = store
            .finish_call_with_recordings(t, &id, &end, &[], &[first.clone(), second.clone()])
            .await
            .unwrap();
        assert_eq!(done.recording, Some(second.id.clone()));
        assert_eq!(store.recording(t, &first.id).await.unwrap(), first);
        assert_eq!(store.recording(t, &second.id).await.unwrap(), second);
        let on_card = store.recordings_for_number(t, "+49301234567", 10).await;
        assert_eq!(on_card.unwrap().len(), 2);
    }
);

backend_test!(
    close_interrupted_closes_only_live_calls,
    |store: Store| async move {
        let a = tenant(&store, "acme", "49").await;
        let b = tenant(&store, "beta", "49").await;
        store
            .open_call(a, &inbound("done", "+49301111111", at(0)))
            .await
            .unwrap();
        store
            .finish_call(a, &CallId::from("done"), &answered(at(0), 1, 30), &[])
            .await
            .unwrap();
        store
            .open_call(a, &inbound("cut-a", "+49302222222", at(10)))
            .await
            .unwrap();
        store
            .open_call(b, &inbound("cut-b", "+49303333333", at(20)))
            .await
            .unwrap();

        let closed = store.close_interrupted(at(100)).await.unwrap();
        assert_eq!(closed, 2);
        for (tenant, id) in [(a, "cut-a"), (b, "cut-b")] {
            let call = store.call(tenant, &CallId::from(id)).await.unwrap();
            assert_eq!(call.status, CallStatus::Interrupted);
            assert_eq!(call.disposition, Some(Disposition::Interrupted));
            let events = store.call_events(tenant, &CallId::from(id)).await.unwrap();
            assert_eq!(events.len(), 1);
            assert_eq!(events[0].kind, "interrupted");
            assert_eq!(events[0].at, at(100));
            // The unanswered caller is on the missed-call list.
            let tasks = store
                .list_callbacks(tenant, Some(CallbackState::New), Page::default())
                .await
                .unwrap();
            assert_eq!(tasks.len(), 1);
            assert_eq!(tasks[0].reason, "interrupted");
        }
        let done = store.call(a, &CallId::from("done")).await.unwrap();
        assert_eq!(
            done.status,
            CallStatus::Completed,
            "finished calls are untouched"
        );
        assert_eq!(
            store.close_interrupted(at(200)).await.unwrap(),
            0,
            "idempotent"
        );
        let late = store
            .finish_call(a, &CallId::from("cut-a"), &answered(at(10), 1, 2), &[])
            .await;
        assert!(
            matches!(late, Err(StoreError::Conflict(_))),
            "an interrupted call stays closed"
        );
    }
);

backend_test!(
    a_restarting_node_closes_only_its_own_calls,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        let (node_a, node_b) = (store.for_node("node-a"), store.for_node("node-b"));
        node_a
            .open_call(t, &inbound("on-a", "+49301111111", at(0)))
            .await
            .unwrap();
        node_b
            .open_call(t, &inbound("on-b", "+49302222222", at(0)))
            .await
            .unwrap();
        assert_eq!(node_a.close_interrupted(at(60)).await.unwrap(), 1);
        let on_a = store.call(t, &CallId::from("on-a")).await.unwrap();
        assert_eq!(
            (on_a.status, on_a.node.as_str()),
            (CallStatus::Interrupted, "node-a")
        );
        let on_b = store.call(t, &CallId::from("on-b")).await.unwrap();
        assert_eq!(
            (on_b.status, on_b.node.as_str()),
            (CallStatus::Live, "node-b"),
            "node B's call goes on"
        );
        assert_eq!(
            store.close_interrupted(at(60)).await.unwrap(),
            0,
            "the default node had no calls"
        );
        node_b
            .finish_call(t, &on_b.id, &answered(at(0), 1, 30), &[])
            .await
            .unwrap();
    }
);

backend_test!(
    bad_call_input_is_refused_without_change,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        let mut bad = inbound("", "+49301234567", at(0));
        assert!(matches!(
            store.open_call(t, &bad).await,
            Err(StoreError::Invalid(_))
        ));
        bad.id = CallId::from("x".repeat(MAX_CALL_ID_LEN + 1).as_str());
        assert!(matches!(
            store.open_call(t, &bad).await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            store
                .open_call(TenantId(9_999), &inbound("c", "+49301234567", at(0)))
                .await,
            Err(StoreError::NotFound(_))
        ));

        store
            .open_call(t, &inbound("c", "+49301234567", at(100)))
            .await
            .unwrap();
        let dup = store
            .open_call(t, &inbound("c", "+49301234567", at(100)))
            .await;
        assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");

        let id = CallId::from("c");
        // Too many tags, an empty tag, an empty event kind, a forged "interrupted".
        let mut end = answered(at(100), 1, 10);
        end.tags = (0..=MAX_TAGS_PER_CALL).map(|i| format!("t{i}")).collect();
        assert!(matches!(
            store.finish_call(t, &id, &end, &[]).await,
            Err(StoreError::Invalid(_))
        ));
        end.tags = vec![" ".into()];
        assert!(matches!(
            store.finish_call(t, &id, &end, &[]).await,
            Err(StoreError::Invalid(_))
        ));
        let end = answered(at(100), 1, 10);
        assert!(matches!(
            store
                .finish_call(t, &id, &end, &[event(0, at(100), "")])
                .await,
            Err(StoreError::Invalid(_))
        ));
        let forged = CallEnd {
            disposition: Disposition::Interrupted,
            ..answered(at(100), 1, 10)
        };
        assert!(matches!(
            store.finish_call(t, &id, &forged, &[]).await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            store.finish_call(t, &CallId::from("nope"), &end, &[]).await,
            Err(StoreError::NotFound(_))
        ));

        let call = store.call(t, &id).await.unwrap();
        assert_eq!(call.status, CallStatus::Live);
        assert!(call.tags.is_empty());
    }
);

backend_test!(
    clock_steps_back_clamp_durations_instead_of_losing_the_cdr,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        // Ends before it starts (the wall clock stepped back during the call).
        store
            .open_call(t, &inbound("early-end", "+49301234567", at(100)))
            .await
            .unwrap();
        let end = CallEnd {
            answer: None,
            connected: None,
            end: at(50),
            ..answered(at(100), 0, 0)
        };
        let call = store
            .finish_call(t, &CallId::from("early-end"), &end, &[])
            .await
            .unwrap();
        assert_eq!(
            (call.status, call.end, call.duration_ms, call.talk_ms),
            (CallStatus::Completed, Some(at(50)), 0, 0)
        );
        // Answered after it ended.
        store
            .open_call(t, &inbound("late-answer", "+49301234567", at(100)))
            .await
            .unwrap();
        let end = CallEnd {
            answer: Some(at(130)),
            connected: None,
            end: at(120),
            ..answered(at(100), 0, 0)
        };
        let call = store
            .finish_call(t, &CallId::from("late-answer"), &end, &[])
            .await
            .unwrap();
        assert_eq!(
            (call.answer, call.duration_ms, call.talk_ms),
            (Some(at(130)), 20_000, 0)
        );
    }
);

/// Ten finished calls with known attributes for the search tests.
async fn ten_calls(store: &Store, t: TenantId, agent: UserId) {
    for i in 0..10_i64 {
        let from = if i % 2 == 0 {
            "030 1111111"
        } else {
            "030 2222222"
        };
        let mut call = inbound(&format!("c{i:02}"), from, at(i * 60));
        call.source = Some(if i < 5 {
            "google".into()
        } else {
            "radio".into()
        });
        store.open_call(t, &call).await.unwrap();
        let mut end = answered(at(i * 60), 2, 30);
        if i % 3 == 0 {
            end = CallEnd {
                answer: None,
                connected: None,
                disposition: Disposition::NoAnswer,
                ..end
            };
        }
        end.agent = (i % 3 != 0).then_some(agent);
        end.tags = if i == 7 {
            vec!["complaint".into()]
        } else {
            vec![]
        };
        store.finish_call(t, &call.id, &end, &[]).await.unwrap();
    }
}

backend_test!(search_filters_and_pages, |store: Store| async move {
    let t = tenant(&store, "acme", "49").await;
    let agent = store
        .create_user(
            t,
            &UserSpec {
                extension: "101".into(),
                name: "Ann".into(),
                department: None,
                role: Role::Agent,
                skills: vec![],
                password_hash: None,
                devices: vec![],
            },
        )
        .await
        .unwrap()
        .id;
    ten_calls(&store, t, agent).await;
    let ids = |calls: Vec<Call>| calls.into_iter().map(|call| call.id.0).collect::<Vec<_>>();
    let all = CallFilter::default();

    let first = store.search_calls(t, &all, Page::first(4)).await.unwrap();
    assert_eq!(ids(first), ["c09", "c08", "c07", "c06"], "newest first");
    let second = store
        .search_calls(t, &all, Page::first(4).next())
        .await
        .unwrap();
    assert_eq!(ids(second), ["c05", "c04", "c03", "c02"]);
    assert_eq!(store.count_calls(t, &all).await.unwrap(), 10);

    let range = CallFilter {
        since: Some(at(120)),
        until: Some(at(300)),
        ..all.clone()
    };
    assert_eq!(
        ids(store
            .search_calls(t, &range, Page::default())
            .await
            .unwrap()),
        ["c04", "c03", "c02"]
    );
    // Numbers match however they are written.
    let by_number = CallFilter {
        number: Some("+49 30 2222222".into()),
        ..all.clone()
    };
    assert_eq!(store.count_calls(t, &by_number).await.unwrap(), 5);
    let missed = CallFilter {
        disposition: Some(Disposition::NoAnswer),
        ..all.clone()
    };
    assert_eq!(
        ids(store
            .search_calls(t, &missed, Page::default())
            .await
            .unwrap()),
        ["c09", "c06", "c03", "c00"]
    );
    let by_agent = CallFilter {
        agent: Some(agent),
        ..all.clone()
    };
    assert_eq!(store.count_calls(t, &by_agent).await.unwrap(), 6);
    let tagged = CallFilter {
        tag: Some("complaint".into()),
        ..all.clone()
    };
    let found = store
        .search_calls(t, &tagged, Page::default())
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].tags, ["complaint"]);
    let radio = CallFilter {
        source: Some("radio".into()),
        number: Some("0301111111".into()),
        ..all.clone()
    };
    assert_eq!(
        ids(store
            .search_calls(t, &radio, Page::default())
            .await
            .unwrap()),
        ["c08", "c06"]
    );
});

backend_test!(
    csv_export_writes_every_matching_call,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        // More than one export batch (500) so the keyset paging is exercised.
        for i in 0..1_010_i64 {
            let call = inbound(&format!("c{i:05}"), "+49301234567", at(i / 3));
            store.open_call(t, &call).await.unwrap();
            let mut end = answered(call.start, 1, 5);
            if i == 42 {
                end.tags = vec!["a,b \"quoted\"".into()];
                end.connected = Some(call.start.plus_ms(3_000));
            }
            store.finish_call(t, &call.id, &end, &[]).await.unwrap();
        }
        let mut out = Vec::new();
        let written = store
            .export_calls_csv(t, &CallFilter::default(), &mut out)
            .await
            .unwrap();
        assert_eq!(written, 1_010);
        let mut reader = csv::Reader::from_reader(out.as_slice());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            CSV_COLUMNS
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 1_010);
        let mut seen: Vec<&str> = rows.iter().map(|row| row.get(0).unwrap()).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 1_010, "no call twice, none missing");
        let tagged = rows
            .iter()
            .find(|row| row.get(0) == Some("c00042"))
            .unwrap();
        let column = |name: &str| CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
        assert_eq!(tagged.get(column("tags")), Some("a,b \"quoted\""));
        assert_eq!(tagged.get(column("duration_ms")), Some("5000"));
        // When a person took the call, beside when the host answered it.
        let start: i64 = tagged.get(column("start_ms")).unwrap().parse().unwrap();
        let connected: i64 = tagged.get(column("connected_ms")).unwrap().parse().unwrap();
        let answer: i64 = tagged.get(column("answer_ms")).unwrap().parse().unwrap();
        assert_eq!((answer - start, connected - start), (1_000, 3_000));
        let untouched = rows
            .iter()
            .find(|row| row.get(0) == Some("c00043"))
            .unwrap();
        assert_eq!(untouched.get(column("connected_ms")), Some(""));

        let filtered = CallFilter {
            since: Some(at(100)),
            ..CallFilter::default()
        };
        let mut out = Vec::new();
        let expected = store.count_calls(t, &filtered).await.unwrap();
        assert_eq!(
            store
                .export_calls_csv(t, &filtered, &mut out)
                .await
                .unwrap(),
            expected
        );
    }
);
