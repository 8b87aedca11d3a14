//! `StoreServices` against a real store: every behaviour on a fresh SQLite file and on a
//! fresh PostgreSQL database (`WASMPHONY_TEST_POSTGRES`, skipped loudly when absent).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

#[macro_use]
mod common;

use wasmphony_engine::api::{
    CallError, CallbackRequest, ContactUpdate, Direction, Field, NewRecord, OriginateRequest,
};
use wasmphony_engine::{CallbackFiling, TenantServices};
use wasmphony_store::{
    CallEnd, CallId, CallbackState, Disposition, HangupSide, NewCall, NewTenant, Page, Role, Store,
    TenantId, UnixMs, UserSpec,
};
use wasmphony_telephony::StoreServices;

async fn tenant(store: &Store, slug: &str) -> TenantId {
    let new = NewTenant {
        slug: slug.into(),
        name: slug.into(),
        country_code: "49".into(),
    };
    store.create_tenant(&new).await.unwrap().id
}

async fn user(store: &Store, tenant: TenantId, extension: &str) {
    let spec = UserSpec {
        extension: extension.into(),
        name: format!("Agent {extension}"),
        department: None,
        role: Role::Agent,
        skills: vec![],
        password_hash: None,
        devices: vec![],
    };
    store.create_user(tenant, &spec).await.unwrap();
}

fn field(name: &str, value: &str) -> Field {
    Field {
        name: name.into(),
        value: value.into(),
    }
}

fn card(number: &str) -> ContactUpdate {
    ContactUpdate {
        number: number.into(),
        name: None,
        company: None,
        assigned_manager: None,
        fields: vec![],
    }
}

fn record(kind: &str, status: &str, due: Option<i64>) -> NewRecord {
    NewRecord {
        kind: kind.into(),
        status: status.into(),
        due_unix: due,
        contact_number: None,
        fields: vec![],
    }
}

/// The tenant number the test calls dial.
const OFFICE: &str = "+4930555000";

fn request(number: &str, at: Option<i64>) -> CallbackRequest {
    CallbackRequest {
        number: number.into(),
        at_unix: at,
        queue: Some("sales".into()),
        reason: "requested".into(),
    }
}

/// A request filed on a call that dialled [`OFFICE`].
fn callback(number: &str, at: Option<i64>) -> CallbackFiling {
    CallbackFiling::on_call(request(number, at), OFFICE, "filing-call")
}

/// An inbound call from `from`, finished `talk_ms` after answer (or unanswered).
async fn past_call(
    store: &Store,
    tenant: TenantId,
    id: &str,
    from: &str,
    start_s: i64,
    talk_ms: Option<i64>,
) {
    let start = UnixMs(start_s * 1_000);
    let call = NewCall {
        id: CallId::from(id),
        direction: wasmphony_store::Direction::Inbound,
        from: from.into(),
        to: "+4930555000".into(),
        dialed: "+4930555000".into(),
        source: None,
        start,
        scenario: None,
        component_hash: None,
    };
    store.open_call(tenant, &call).await.unwrap();
    let answer = talk_ms.map(|_| start.plus_ms(1_000));
    let end = CallEnd {
        answer,
        connected: None,
        end: start.plus_ms(1_000 + talk_ms.unwrap_or(0)),
        disposition: if talk_ms.is_some() {
            Disposition::Answered
        } else {
            Disposition::NoAnswer
        },
        hangup_cause: None,
        hangup_side: Some(HangupSide::Caller),
        queue: None,
        agent: None,
        recording: None,
        tags: vec!["vip".into()],
    };
    store
        .finish_call(tenant, &call.id, &end, &[])
        .await
        .unwrap();
}

backend_test!(
    upsert_creates_a_normalised_card_and_merges_later_updates,
    |store: Store| async move {
        let t = tenant(&store, "acme").await;
        user(&store, t, "105").await;
        let services = StoreServices::new(store.clone(), t);

        assert_eq!(services.find_contact("030 1234567").await.unwrap(), None);
        let mut first = card("030 1234567");
        first.name = Some("Ivan".into());
        first.assigned_manager = Some("105".into());
        first.fields = vec![field("last-branch", "center"), field("tier", "gold")];
        let created = services.upsert_contact(first).await.unwrap();
        assert_eq!(created.number, "+49301234567");
        assert_eq!(created.name.as_deref(), Some("Ivan"));
        assert_eq!(created.assigned_manager.as_deref(), Some("105"));
        assert!(
            created.id.parse::<i64>().is_ok(),
            "ids are decimal: {}",
            created.id
        );

        // Absent values stay; fields merge by name.
        let mut second = card("+49 30 1234567");
        second.company = Some("Acme".into());
        second.fields = vec![field("last-branch", "mall")];
        let updated = services.upsert_contact(second).await.unwrap();
        assert_eq!(updated.id, created.id);
        assert_eq!(updated.name.as_deref(), Some("Ivan"));
        assert_eq!(updated.company.as_deref(), Some("Acme"));
        assert_eq!(updated.assigned_manager.as_deref(), Some("105"));
        assert_eq!(
            updated.fields,
            vec![field("last-branch", "mall"), field("tier", "gold")]
        );

        let found = services
            .find_contact("0049301234567")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found, updated);
        // The store holds the manager as the user, not as text.
        let stored = store
            .find_contact(t, "+49301234567")
            .await
            .unwrap()
            .unwrap();
        let manager = store
            .user(t, stored.assigned_manager.unwrap())
            .await
            .unwrap();
        assert_eq!(manager.extension, "105");
    }
);

backend_test!(
    bad_upserts_are_refused_and_leave_no_card,
    |store: Store| async move {
        let t = tenant(&store, "acme").await;
        let services = StoreServices::new(store.clone(), t);

        let mut unknown_manager = card("+49301111111");
        unknown_manager.assigned_manager = Some("999".into());
        assert!(matches!(
            services.upsert_contact(unknown_manager).await,
            Err(CallError::NotFound(_))
        ));
        assert_eq!(services.find_contact("+49301111111").await.unwrap(), None);

        let mut too_many = card("+49301111111");
        too_many.fields = (0..=64).map(|n| field(&format!("f{n}"), "x")).collect();
        assert!(matches!(
            services.upsert_contact(too_many).await,
            Err(CallError::Limit(_))
        ));
        let mut too_big = card("+49301111111");
        too_big.fields = vec![field("blob", &"x".repeat(70 * 1024))];
        assert!(matches!(
            services.upsert_contact(too_big).await,
            Err(CallError::Invalid(_))
        ));
        assert_eq!(services.find_contact("+49301111111").await.unwrap(), None);

        // An extension or `anonymous` is no customer.
        for number in ["105", "anonymous"] {
            assert!(matches!(
                services.upsert_contact(card(number)).await,
                Err(CallError::Invalid(_))
            ));
        }
    }
);

backend_test!(
    history_lists_the_cards_calls_newest_first,
    |store: Store| async move {
        let t = tenant(&store, "acme").await;
        let services = StoreServices::new(store.clone(), t);
        past_call(&store, t, "c-old", "030 1234567", 1_000, None).await;
        past_call(&store, t, "c-new", "+49301234567", 2_000, Some(42_500)).await;
        past_call(&store, t, "c-other", "+49309999999", 3_000, None).await;

        let id = services
            .find_contact("+49301234567")
            .await
            .unwrap()
            .unwrap()
            .id;
        let history = services.contact_history(&id, 10).await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].call_id, "c-new");
        assert_eq!(history[0].direction, Direction::Inbound);
        assert_eq!(history[0].started_unix, 2_000);
        assert_eq!(history[0].disposition, "answered");
        assert_eq!(history[0].talk_seconds, 42);
        assert_eq!(history[0].dialed, "+4930555000");
        assert_eq!(history[0].tags, vec!["vip".to_string()]);
        assert_eq!(history[1].call_id, "c-old");
        assert_eq!(history[1].disposition, "no_answer");

        assert_eq!(services.contact_history(&id, 1).await.unwrap().len(), 1);
        for unknown in ["999999", "contact-1", "", "-1"] {
            assert!(
                services
                    .contact_history(unknown, 10)
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
    }
);

backend_test!(
    notes_are_written_by_the_scenario,
    |store: Store| async move {
        let t = tenant(&store, "acme").await;
        let services = StoreServices::new(store.clone(), t);
        let id = services
            .upsert_contact(card("+49301234567"))
            .await
            .unwrap()
            .id;

        services
            .add_note(&id, "wants a call on Monday")
            .await
            .unwrap();
        let notes = store
            .notes(t, wasmphony_store::ContactId(id.parse().unwrap()))
            .await
            .unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].text, "wants a call on Monday");
        assert_eq!(notes[0].author.as_deref(), Some("scenario"));

        for unknown in ["999999", "nope", "1; DROP TABLE contacts"] {
            assert!(matches!(
                services.add_note(unknown, "x").await,
                Err(CallError::NotFound(_))
            ));
        }
        assert!(matches!(
            services.add_note(&id, "  ").await,
            Err(CallError::Invalid(_))
        ));
    }
);

backend_test!(
    records_round_trip_and_are_queried_soonest_first,
    |store: Store| async move {
        let t = tenant(&store, "acme").await;
        let services = StoreServices::new(store.clone(), t);

        let mut order = record("order", "new", Some(200));
        order.contact_number = Some("030 1234567".into());
        order.fields = vec![field("pizza", "margherita")];
        let late = services.create_record(order).await.unwrap();
        let early = services
            .create_record(record("order", "new", Some(100)))
            .await
            .unwrap();
        let undated = services
            .create_record(record("order", "new", None))
            .await
            .unwrap();
        services
            .create_record(record("order", "done", Some(50)))
            .await
            .unwrap();
        services
            .create_record(record("trip", "new", Some(10)))
            .await
            .unwrap();

        let got = services.get_record(&late).await.unwrap().unwrap();
        assert_eq!(got.id, late);
        assert_eq!(got.kind, "order");
        assert_eq!(got.due_unix, Some(200));
        assert_eq!(got.contact_number.as_deref(), Some("+49301234567"));
        assert_eq!(got.fields, vec![field("pizza", "margherita")]);

        let found = services.query_records("order", "new", 10).await.unwrap();
        let ids: Vec<_> = found.iter().map(|r| r.id.clone()).collect();
        assert_eq!(ids, vec![early.clone(), late.clone(), undated]);
        assert_eq!(
            services
                .query_records("order", "new", 1)
                .await
                .unwrap()
                .len(),
            1
        );

        // A status change keeps the due time.
        services
            .set_record_status(&late, "confirmed")
            .await
            .unwrap();
        let changed = services.get_record(&late).await.unwrap().unwrap();
        assert_eq!(changed.status, "confirmed");
        assert_eq!(changed.due_unix, Some(200));

        for unknown in ["999999", "record-1", "", "0", "+1", "99999999999999999999"] {
            assert_eq!(
                services.get_record(unknown).await.unwrap(),
                None,
                "{unknown:?}"
            );
            assert!(matches!(
                services.set_record_status(unknown, "x").await,
                Err(CallError::NotFound(_))
            ));
        }
        assert!(matches!(
            services.set_record_status(&late, "").await,
            Err(CallError::Invalid(_))
        ));
        assert!(matches!(
            services.create_record(record("", "new", None)).await,
            Err(CallError::Invalid(_))
        ));
        assert!(matches!(
            services
                .create_record(record("order", "new", Some(i64::MAX)))
                .await,
            Err(CallError::Invalid(_))
        ));
    }
);

backend_test!(
    callbacks_go_on_the_missed_call_list,
    |store: Store| async move {
        let t = tenant(&store, "acme").await;
        let services = StoreServices::new(store.clone(), t);

        let id = services
            .schedule_callback(callback("030 1234567", Some(5_000)))
            .await
            .unwrap();
        let task = store
            .callback_task(t, wasmphony_store::CallbackTaskId(id.parse().unwrap()))
            .await
            .unwrap();
        assert_eq!(task.number, "+49301234567");
        assert_eq!(task.dialed, OFFICE, "filed under the call's dialled number");
        assert_eq!(task.reason, "requested");
        assert_eq!(task.state, CallbackState::New);
        assert_eq!(task.due, UnixMs(5_000_000));

        // Asking again on another call merges into the open task: a second miss. (The
        // same call asking twice is one.)
        let ask_on_another_call = || {
            services.schedule_callback(CallbackFiling::on_call(
                request("+49301234567", Some(4_000)),
                OFFICE,
                "another-call",
            ))
        };
        let again = ask_on_another_call().await.unwrap();
        let same = ask_on_another_call().await.unwrap();
        assert_eq!(same, id);
        assert_eq!(again, id);
        let listed = store
            .list_callbacks(t, None, Page::first(10))
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].missed_count, 2);
        assert_eq!(listed[0].due, UnixMs(4_000_000));

        // Filed with no call (a timer), and as soon as possible.
        let before = UnixMs::now();
        let other = services
            .schedule_callback(CallbackFiling::without_call(request("+49302222222", None)))
            .await
            .unwrap();
        let task = store
            .callback_task(t, wasmphony_store::CallbackTaskId(other.parse().unwrap()))
            .await
            .unwrap();
        assert_eq!(task.dialed, StoreServices::DEFAULT_CALLBACK_DIALED);
        assert!(task.due >= before);

        for bad in ["105", "anonymous"] {
            assert!(matches!(
                services.schedule_callback(callback(bad, None)).await,
                Err(CallError::Invalid(_))
            ));
        }
    }
);

backend_test!(
    a_calls_callback_merges_with_the_calls_own_missed_entry,
    |store: Store| async move {
        let t = tenant(&store, "acme").await;
        let services = StoreServices::new(store.clone(), t);
        // The scenario (or the queue) of a call to OFFICE files a callback, then the
        // call ends unanswered: one task, under OFFICE, that keeps the request's queue.
        let id = services
            .schedule_callback(callback("+49301234567", None))
            .await
            .unwrap();
        past_call(&store, t, "c-missed", "+49301234567", 1_000, None).await;
        let listed = store
            .list_callbacks(t, None, Page::first(10))
            .await
            .unwrap();
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0].id.to_string(), id);
        assert_eq!(listed[0].dialed, OFFICE);
        assert_eq!(listed[0].missed_count, 2);
        assert_eq!(listed[0].queue.as_deref(), Some("sales"));
        assert_eq!(listed[0].last_call, Some(CallId::from("c-missed")));

        // A timer's request for the same customer has no call to merge with.
        services
            .schedule_callback(CallbackFiling::without_call(request("+49301234567", None)))
            .await
            .unwrap();
        let listed = store
            .list_callbacks(t, None, Page::first(10))
            .await
            .unwrap();
        let dialed: Vec<&str> = listed.iter().map(|task| task.dialed.as_str()).collect();
        assert_eq!(listed.len(), 2, "{listed:?}");
        assert!(dialed.contains(&StoreServices::DEFAULT_CALLBACK_DIALED));
    }
);

backend_test!(
    a_queue_callback_attempt_is_recorded_on_the_task,
    |store: Store| async move {
        let t = tenant(&store, "acme").await;
        let services = StoreServices::new(store.clone(), t);
        let task_of = |id: &str| wasmphony_store::CallbackTaskId(id.parse().unwrap());

        let reached = services
            .schedule_callback(callback("+49301234567", None))
            .await
            .unwrap();
        services
            .finish_callback(&reached, wasmphony_engine::CallbackAttempt::Reached)
            .await
            .unwrap();
        let task = store.callback_task(t, task_of(&reached)).await.unwrap();
        assert_eq!(task.state, CallbackState::Done);
        assert_eq!(task.attempts, 1);

        let missed = services
            .schedule_callback(callback("+49302222222", None))
            .await
            .unwrap();
        services
            .finish_callback(&missed, wasmphony_engine::CallbackAttempt::NotReached)
            .await
            .unwrap();
        let task = store.callback_task(t, task_of(&missed)).await.unwrap();
        assert_eq!(
            task.state,
            CallbackState::New,
            "due again for the next attempt"
        );
        assert_eq!(task.attempts, 1);

        for unknown in ["999999", "x", ""] {
            assert!(matches!(
                services
                    .finish_callback(unknown, wasmphony_engine::CallbackAttempt::Reached)
                    .await,
                Err(CallError::NotFound(_))
            ));
        }
    }
);

backend_test!(originate_is_refused_clearly, |store: Store| async move {
    let t = tenant(&store, "acme").await;
    let services = StoreServices::new(store, t);
    let request = OriginateRequest {
        to: "+49301234567".into(),
        caller_id: None,
        scenario: None,
        vars: vec![],
    };
    assert_eq!(
        services.originate(request).await,
        Err(CallError::Rejected(
            StoreServices::ORIGINATE_UNAVAILABLE.into()
        ))
    );
});

backend_test!(
    one_tenant_never_reaches_anothers_data,
    |store: Store| async move {
        let a = tenant(&store, "acme").await;
        let b = tenant(&store, "bravo").await;
        user(&store, a, "105").await;
        let services_a = StoreServices::new(store.clone(), a);
        let services_b = StoreServices::new(store.clone(), b);

        let mut update = card("+49301234567");
        update.name = Some("Ivan".into());
        let card_a = services_a.upsert_contact(update).await.unwrap();
        services_a.add_note(&card_a.id, "A's note").await.unwrap();
        past_call(&store, a, "a-call", "+49301234567", 1_000, Some(1_000)).await;
        let record_a = services_a
            .create_record(record("order", "new", Some(100)))
            .await
            .unwrap();

        assert_eq!(services_b.find_contact("+49301234567").await.unwrap(), None);
        assert!(
            services_b
                .contact_history(&card_a.id, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            services_b.add_note(&card_a.id, "B's note").await,
            Err(CallError::NotFound(_))
        ));
        assert_eq!(services_b.get_record(&record_a).await.unwrap(), None);
        assert!(matches!(
            services_b.set_record_status(&record_a, "stolen").await,
            Err(CallError::NotFound(_))
        ));
        assert!(
            services_b
                .query_records("order", "new", 10)
                .await
                .unwrap()
                .is_empty()
        );
        // A's extension means nothing in B.
        let mut manager = card("+49301234567");
        manager.assigned_manager = Some("105".into());
        assert!(matches!(
            services_b.upsert_contact(manager).await,
            Err(CallError::NotFound(_))
        ));

        // B's card for the same number is B's own; A's is untouched.
        let mut update = card("+49301234567");
        update.name = Some("Someone else".into());
        let card_b = services_b.upsert_contact(update).await.unwrap();
        assert_ne!(card_b.id, card_a.id);
        let card_a_now = services_a
            .find_contact("+49301234567")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(card_a_now.name.as_deref(), Some("Ivan"));
        assert_eq!(
            services_a
                .contact_history(&card_a.id, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            services_a
                .get_record(&record_a)
                .await
                .unwrap()
                .unwrap()
                .status,
            "new"
        );
        let notes = store
            .notes(a, wasmphony_store::ContactId(card_a.id.parse().unwrap()))
            .await
            .unwrap();
        assert_eq!(notes.len(), 1);
    }
);

backend_test!(for_slug_finds_the_tenant, |store: Store| async move {
    let t = tenant(&store, "acme").await;
    let services = StoreServices::for_slug(store.clone(), "acme")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(services.tenant(), t);
    assert!(
        StoreServices::for_slug(store, "nobody")
            .await
            .unwrap()
            .is_none()
    );
});

backend_test!(
    a_failing_store_is_a_short_rejection,
    |store: Store| async move {
        let t = tenant(&store, "acme").await;
        let services = StoreServices::new(store.clone(), t);
        store.close().await;
        let error = services.find_contact("+49301234567").await.unwrap_err();
        let CallError::Rejected(message) = error else {
            panic!("expected a rejection, got {error:?}");
        };
        assert_eq!(message, "tenant data is unavailable, try again later");
        assert!(matches!(
            services.create_record(record("order", "new", None)).await,
            Err(CallError::Rejected(_))
        ));
    }
);

backend_test!(a_missing_tenant_is_not_found, |store: Store| async move {
    let services = StoreServices::new(store, TenantId(987_654));
    assert!(matches!(
        services.find_contact("+49301234567").await,
        Err(CallError::NotFound(_))
    ));
    assert!(matches!(
        services.create_record(record("order", "new", None)).await,
        Err(CallError::NotFound(_))
    ));
});
