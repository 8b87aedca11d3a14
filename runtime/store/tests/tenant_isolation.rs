//! One tenant can neither read nor change another tenant's rows, in every object family.
//! Tenant A owns one object of each kind; tenant B tries every read and write on it by id
//! or key and must see NotFound (or nothing), and A's objects stay as they were.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{at, tenant};
use serde_json::json;
use wasmphony_store::*;

fn not_found<T: std::fmt::Debug>(result: Result<T>) {
    assert!(
        matches!(result, Err(StoreError::NotFound(_))),
        "expected NotFound, got {result:?}"
    );
}

backend_test!(every_family_is_tenant_scoped, |store: Store| async move {
    let a = tenant(&store, "alpha", "49").await;
    let b = tenant(&store, "bravo", "49").await;

    // Numbers: one owner platform-wide.
    let number = store
        .add_number(a, "030 555000", Some("main"))
        .await
        .unwrap();
    assert!(matches!(
        store.add_number(b, "+4930555000", None).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(store.list_numbers(b).await.unwrap().is_empty());
    not_found(store.remove_number(b, &number).await);
    assert_eq!(store.tenant_for_number(&number).await.unwrap(), Some(a));

    // Users and devices.
    let spec = UserSpec {
        extension: "101".into(),
        name: "Ann".into(),
        department: None,
        role: Role::Admin,
        skills: vec![Skill {
            name: "de".into(),
            level: 3,
        }],
        password_hash: Some("hash".into()),
        devices: vec![
            Device::Sip {
                username: "ann".into(),
            },
            Device::External {
                number: "+491701234567".into(),
            },
        ],
    };
    let user = store.create_user(a, &spec).await.unwrap();
    not_found(store.user(b, user.id).await);
    not_found(
        store
            .update_user(
                b,
                user.id,
                &UserSpec {
                    name: "Mallory".into(),
                    ..spec.clone()
                },
            )
            .await,
    );
    not_found(store.delete_user(b, user.id).await);
    assert!(store.user_by_extension(b, "101").await.unwrap().is_none());
    assert!(
        store
            .user_by_sip_username(b, "ann")
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.list_users(b).await.unwrap().is_empty());
    assert_eq!(store.user(a, user.id).await.unwrap(), user);
    assert_eq!(
        store
            .user_by_sip_username(a, "ann")
            .await
            .unwrap()
            .unwrap()
            .id,
        user.id
    );
    // B may reuse A's extension and device names: they are per tenant.
    store.create_user(b, &spec).await.unwrap();

    // Routes.
    let route_spec = RouteSpec {
        number: number.clone(),
        scenario: "ivr-menu".into(),
        config: json!({ "greeting": "hello" }),
        fallback: Some(Fallback::Queue {
            name: "sales".into(),
        }),
        working_hours: None,
    };
    let route = store.create_route(a, &route_spec, at(0)).await.unwrap();
    not_found(store.route(b, route.id).await);
    not_found(
        store
            .update_route(
                b,
                route.id,
                &RouteSpec {
                    scenario: "evil".into(),
                    ..route_spec.clone()
                },
            )
            .await,
    );
    not_found(store.delete_route(b, route.id).await);
    assert!(store.route_for_number(b, &number).await.unwrap().is_none());
    assert!(store.list_routes(b).await.unwrap().is_empty());
    assert_eq!(store.route(a, route.id).await.unwrap(), route);

    // Trunks, queues, prompts.
    let trunk_spec = TrunkSpec {
        name: "carrier".into(),
        uri: "sip:carrier.example".into(),
        username: Some("u".into()),
        password: Some("p".into()),
        caller_id: None,
        priority: 0,
        prefixes: vec![],
        register: false,
    };
    let trunk = store.create_trunk(a, &trunk_spec).await.unwrap();
    not_found(store.trunk(b, trunk.id).await);
    let hijack = TrunkSpec {
        uri: "sip:evil.example".into(),
        ..trunk_spec.clone()
    };
    not_found(store.update_trunk(b, trunk.id, &hijack).await);
    not_found(store.delete_trunk(b, trunk.id).await);
    assert!(store.list_trunks(b).await.unwrap().is_empty());
    let queue_spec = QueueSpec {
        name: "sales".into(),
        strategy: QueueStrategy::LongestIdle,
        max_wait_ms: 120_000,
        max_length: 20,
        overflow: Some(Fallback::Voicemail),
        settings: QueueSettings::default(),
    };
    let queue = store.create_queue(a, &queue_spec).await.unwrap();
    not_found(store.delete_queue(b, queue.id).await);
    not_found(store.queue(b, queue.id).await);
    let hijack = QueueSpec {
        max_length: 1,
        ..queue_spec.clone()
    };
    not_found(store.update_queue(b, queue.id, &hijack).await);
    assert!(store.queue_by_name(b, "sales").await.unwrap().is_none());
    assert!(store.list_queues(b).await.unwrap().is_empty());
    store
        .put_prompt(a, "welcome", "audio/wav", b"RIFF....", at(0))
        .await
        .unwrap();
    not_found(store.prompt_audio(b, "welcome").await);
    not_found(store.delete_prompt(b, "welcome").await);
    assert!(store.list_prompts(b).await.unwrap().is_empty());
    assert_eq!(store.trunk(a, trunk.id).await.unwrap(), trunk);
    assert_eq!(
        store.queue_by_name(a, "sales").await.unwrap().unwrap(),
        queue
    );
    assert_eq!(
        store.prompt_audio(a, "welcome").await.unwrap().1,
        b"RIFF...."
    );

    // Components.
    let version = NewComponentVersion {
        hash: "h1".into(),
        world: "wasmphony:scenario/inbound-call@0.1.0".into(),
        source: ComponentSource::Bytes(b"\0asm".to_vec()),
        size_bytes: 4,
    };
    store
        .add_component_version(a, "ivr-menu", &version, at(0))
        .await
        .unwrap();
    store
        .activate_component_version(a, "ivr-menu", 1)
        .await
        .unwrap();
    not_found(store.component(b, "ivr-menu").await);
    not_found(store.component_versions(b, "ivr-menu").await);
    not_found(store.component_source(b, "ivr-menu", 1).await);
    not_found(store.activate_component_version(b, "ivr-menu", 1).await);
    not_found(store.rollback_component(b, "ivr-menu").await);
    not_found(store.set_canary(b, "ivr-menu", Some(1), 50).await);
    assert!(
        store
            .component_version_by_hash(b, "h1")
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.list_components(b).await.unwrap().is_empty());
    // B uploading a component with the same name gets its own, separate component.
    store
        .add_component_version(b, "ivr-menu", &version, at(0))
        .await
        .unwrap();
    let a_component = store.component(a, "ivr-menu").await.unwrap();
    assert_eq!(
        (a_component.active_version, a_component.canary_version),
        (Some(1), None)
    );

    // Calls, events, recordings.
    let call = NewCall {
        id: CallId::from("a-call"),
        direction: Direction::Inbound,
        from: "+49301234567".into(),
        to: number.clone(),
        dialed: number.clone(),
        source: None,
        start: at(0),
        scenario: None,
        component_hash: None,
    };
    store.open_call(a, &call).await.unwrap();
    let end = CallEnd {
        answer: None,
        connected: None,
        end: at(10),
        disposition: Disposition::NoAnswer,
        hangup_cause: None,
        hangup_side: None,
        queue: None,
        agent: None,
        recording: None,
        tags: vec!["x".into()],
    };
    not_found(store.finish_call(b, &call.id, &end, &[]).await);
    assert_eq!(
        store.call(a, &call.id).await.unwrap().status,
        CallStatus::Live,
        "B's finish changed nothing"
    );
    not_found(store.call(b, &call.id).await);
    not_found(store.call_events(b, &call.id).await);
    assert!(store.live_calls(b).await.unwrap().is_empty());
    store.finish_call(a, &call.id, &end, &[]).await.unwrap();
    assert!(
        store
            .search_calls(b, &CallFilter::default(), Page::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .count_calls(
                b,
                &CallFilter {
                    tag: Some("x".into()),
                    ..CallFilter::default()
                }
            )
            .await
            .unwrap(),
        0
    );
    let mut csv = Vec::new();
    assert_eq!(
        store
            .export_calls_csv(b, &CallFilter::default(), &mut csv)
            .await
            .unwrap(),
        0
    );
    let recording = Recording {
        id: RecordingId::from("rec-1"),
        tenant_id: b,
        call_id: call.id.clone(),
        path: "b/rec-1.wav".into(),
        content_type: "audio/wav".into(),
        duration_ms: 1000,
        created: at(10),
    };
    not_found(store.add_recording(&recording).await);
    store
        .add_recording(&Recording {
            tenant_id: a,
            ..recording.clone()
        })
        .await
        .unwrap();
    not_found(store.recording(b, &recording.id).await);
    assert!(
        store
            .recordings_for_number(b, "+49301234567", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .recordings_for_number(a, "+49301234567", 10)
            .await
            .unwrap()
            .len(),
        1
    );

    // Contacts (the call created A's card) and notes.
    let card = store
        .find_contact(a, "+49301234567")
        .await
        .unwrap()
        .unwrap();
    assert!(
        store
            .find_contact(b, "+49301234567")
            .await
            .unwrap()
            .is_none()
    );
    not_found(store.contact(b, card.id).await);
    not_found(
        store
            .update_contact(b, card.id, &ContactUpdate::default(), at(20))
            .await,
    );
    not_found(
        store
            .change_contact_number(b, card.id, "+49309999999", at(20))
            .await,
    );
    not_found(store.add_note(b, card.id, None, "sneaky", at(20)).await);
    not_found(store.notes(b, card.id).await);
    not_found(store.contact_history(b, card.id, Page::default()).await);
    not_found(
        store
            .delete_contact(b, card.id, "mallory", None, at(20))
            .await,
    );
    assert!(
        store
            .list_contacts(b, Page::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .audit_log(b, Page::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.contact(a, card.id).await.unwrap(), card);
    assert!(store.notes(a, card.id).await.unwrap().is_empty());

    // Callbacks (the missed call put A's caller on A's list).
    let task = store
        .list_callbacks(a, None, Page::default())
        .await
        .unwrap()
        .remove(0);
    assert!(
        store
            .list_callbacks(b, None, Page::default())
            .await
            .unwrap()
            .is_empty()
    );
    not_found(store.callback_task(b, task.id).await);
    not_found(store.claim_callback(b, task.id, "mallory", at(30)).await);
    assert!(
        store
            .claim_next_callback(b, "mallory", at(30))
            .await
            .unwrap()
            .is_none()
    );
    not_found(
        store
            .finish_callback(b, task.id, CallbackOutcome::Failed, None, at(30))
            .await,
    );
    assert_eq!(store.callback_task(a, task.id).await.unwrap(), task);

    // Records.
    let record = store
        .create_record(
            a,
            &NewRecord {
                kind: "order".into(),
                status: "new".into(),
                due: Some(at(100)),
                contact_number: Some("+49301234567".into()),
                fields: json!({ "pizza": "margherita" })
                    .as_object()
                    .unwrap()
                    .clone(),
            },
            at(0),
        )
        .await
        .unwrap();
    not_found(store.record(b, record.id).await);
    not_found(
        store
            .set_record_status(b, record.id, "cancelled", None, at(1))
            .await,
    );
    not_found(
        store
            .set_record_fields(b, record.id, &serde_json::Map::new(), at(1))
            .await,
    );
    assert!(
        store
            .records_by_status(b, "order", "new", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .records_due_before(b, at(1_000), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .records_for_number(b, "+49301234567", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.record(a, record.id).await.unwrap(), record);
});
