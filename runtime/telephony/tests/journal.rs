//! The store journal's group commit: calls written in batches are all on record, each
//! announced only after its commit, and one bad write does not take its batch with it.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

#[macro_use]
mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use wasmphony_controller::{
    CallDirection, CallJournal, CallRecord, CallStart, Disposition, HangupSide,
};
use wasmphony_events::{EventBus, LiveEvent};
use wasmphony_store::{CallId, CallStatus, NewTenant, Store, StoreError, TenantId};
use wasmphony_telephony::StoreJournal;

/// More calls than one batch holds, so the writer commits several.
const CALLS: usize = 600;

async fn tenant(store: &Store, slug: &str) -> TenantId {
    store
        .create_tenant(&NewTenant {
            slug: slug.into(),
            name: slug.into(),
            country_code: "359".into(),
        })
        .await
        .unwrap()
        .id
}

fn start(tenant: &str, n: usize) -> CallStart {
    CallStart {
        call_id: format!("call-{n}"),
        tenant: tenant.into(),
        scenario: "ivr-menu".into(),
        component_hash: "hash".into(),
        from: format!("+3592{n:07}"),
        to: "+35924001000".into(),
        dialed: "+35924001000".into(),
        direction: CallDirection::Inbound,
        source: None,
        started_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
    }
}

fn record(call: &CallStart) -> CallRecord {
    CallRecord {
        call_id: call.call_id.clone(),
        tenant: call.tenant.clone(),
        scenario: call.scenario.clone(),
        component_hash: call.component_hash.clone(),
        from: call.from.clone(),
        to: call.to.clone(),
        dialed: call.dialed.clone(),
        direction: CallDirection::Inbound,
        source: None,
        started_at: call.started_at,
        answered_at: Some(call.started_at + Duration::from_secs(1)),
        ended_at: call.started_at + Duration::from_secs(20),
        disposition: Disposition::Answered,
        hangup_side: HangupSide::Caller,
        tags: vec!["menu:1".into()],
        vars: Vec::new(),
        log: Vec::new(),
        recordings: Vec::new(),
        failure: None,
        fallback: None,
        queue: None,
        agent: None,
    }
}

/// Starts and finishes `calls` concurrently, each from its own task, as the controller does.
async fn run_calls(journal: &Arc<StoreJournal>, calls: Vec<CallStart>) {
    let mut tasks = Vec::new();
    for call in calls {
        let journal = journal.clone();
        tasks.push(tokio::spawn(async move {
            let record = record(&call);
            journal.started(call).await;
            journal.finished(record).await;
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

backend_test!(
    every_call_is_on_record_and_announced_after_its_commit,
    |store: Store| async move {
        let t = tenant(&store, "acme").await;
        let events = EventBus::with_capacity(4 * CALLS);
        let mut screen = events.subscribe("acme");
        let journal = StoreJournal::start(store.clone(), events);
        run_calls(&journal, (0..CALLS).map(|n| start("acme", n)).collect()).await;

        // `finished` returned for every call: each CDR is committed, completed, with its tag.
        for n in [0, CALLS / 2, CALLS - 1] {
            let call = store.call(t, &CallId(format!("call-{n}"))).await.unwrap();
            assert_eq!(call.status, CallStatus::Completed, "call-{n}");
            assert_eq!(call.tags, vec!["menu:1".to_owned()]);
        }
        assert!(store.live_calls(t).await.unwrap().is_empty());
        let stats = journal.stats();
        assert_eq!(stats.opened.load(Ordering::Relaxed), CALLS as u64);
        assert_eq!(stats.finished.load(Ordering::Relaxed), CALLS as u64);
        assert_eq!(stats.failed.load(Ordering::Relaxed), 0);

        // Ringing (with the caller's new card) before ended, once per call.
        let mut seen: HashMap<String, (bool, bool)> = HashMap::new();
        while let Some(event) = screen.try_recv() {
            match &*event {
                LiveEvent::CallRinging {
                    call_id, contact, ..
                } => {
                    assert!(contact.is_some(), "{call_id}: no card on the ringing event");
                    let entry = seen.entry(call_id.clone()).or_default();
                    assert!(
                        !entry.0 && !entry.1,
                        "{call_id}: ringing twice or after its end"
                    );
                    entry.0 = true;
                }
                LiveEvent::CallEnded { call_id, .. } => {
                    let entry = seen.entry(call_id.clone()).or_default();
                    assert!(
                        entry.0 && !entry.1,
                        "{call_id}: ended before ringing, or twice"
                    );
                    entry.1 = true;
                }
                other => panic!("unexpected event {other:?}"),
            }
        }
        assert_eq!(seen.len(), CALLS);
        assert!(seen.values().all(|&(ringing, ended)| ringing && ended));
    }
);

backend_test!(
    a_bad_write_fails_alone_and_its_batch_is_kept,
    |store: Store| async move {
        let t = tenant(&store, "acme").await;
        let journal = StoreJournal::start(store.clone(), EventBus::new());
        // One call of a tenant the store does not know, amid the others: it lands in a
        // batch with them, which then cannot commit as one.
        let mut calls: Vec<CallStart> = (0..200).map(|n| start("acme", n)).collect();
        calls.insert(100, start("ghost", 1_000));
        run_calls(&journal, calls).await;

        for n in 0..200 {
            let call = store.call(t, &CallId(format!("call-{n}"))).await.unwrap();
            assert_eq!(call.status, CallStatus::Completed, "call-{n}");
        }
        let ghost = store.call(t, &CallId("call-1000".into())).await;
        assert!(matches!(ghost, Err(StoreError::NotFound(_))), "{ghost:?}");
        let stats = journal.stats();
        assert_eq!(stats.finished.load(Ordering::Relaxed), 200);
        // Its opening and its finish both failed, and nothing else did.
        assert_eq!(stats.failed.load(Ordering::Relaxed), 2);
    }
);

backend_test!(
    queue_calls_carry_their_queue_and_agent_and_abandonment_is_reported,
    |store: Store| async move {
        let t = tenant(&store, "acme").await;
        let agent = store
            .create_user(
                t,
                &wasmphony_store::UserSpec {
                    extension: "101".into(),
                    name: "Agent 101".into(),
                    department: Some("bookings".into()),
                    role: wasmphony_store::Role::Agent,
                    skills: vec![],
                    password_hash: None,
                    devices: vec![],
                },
            )
            .await
            .unwrap()
            .id;
        let journal = StoreJournal::start(store.clone(), EventBus::with_capacity(16));
        // The host answered all three (the IVR); one caller gave up in the queue, one was
        // bridged to 101, one never reached a queue.
        let gone = start("acme", 1);
        let mut gone_record = record(&gone);
        gone_record.disposition = Disposition::QueueAbandoned;
        gone_record.queue = Some("bookings".into());
        let served = start("acme", 2);
        let mut served_record = record(&served);
        served_record.queue = Some("bookings".into());
        served_record.agent = Some("101".into());
        let ivr = start("acme", 3);
        let ivr_record = record(&ivr);
        for (call, record) in [
            (gone, gone_record),
            (served, served_record),
            (ivr, ivr_record),
        ] {
            journal.started(call).await;
            journal.finished(record).await;
        }

        let call = |n: usize| {
            let store = store.clone();
            async move { store.call(t, &CallId(format!("call-{n}"))).await.unwrap() }
        };
        let gone = call(1).await;
        assert_eq!(
            gone.disposition,
            Some(wasmphony_store::Disposition::Abandoned)
        );
        assert_eq!(gone.queue.as_deref(), Some("bookings"));
        assert_eq!(gone.agent, None);
        let served = call(2).await;
        assert_eq!(
            served.disposition,
            Some(wasmphony_store::Disposition::Answered)
        );
        assert_eq!(served.queue.as_deref(), Some("bookings"));
        assert_eq!(served.agent, Some(agent));
        let ivr = call(3).await;
        assert_eq!(
            ivr.disposition,
            Some(wasmphony_store::Disposition::Answered)
        );
        assert_eq!((ivr.queue, ivr.agent), (None, None));

        let period = wasmphony_store::Period {
            since: wasmphony_store::UnixMs(0),
            until: wasmphony_store::UnixMs(i64::MAX),
        };
        let summary = store
            .service_summary(t, period, wasmphony_store::DEFAULT_SERVICE_LEVEL_MS)
            .await
            .unwrap();
        assert_eq!(
            (summary.offered, summary.answered, summary.abandoned),
            (3, 2, 1),
            "{summary:?}"
        );
        assert_eq!(summary.missed, 1);
        // The abandoned caller is on the missed-call list, under the number they dialled.
        let tasks = store
            .list_callbacks(t, None, wasmphony_store::Page::first(10))
            .await
            .unwrap();
        assert_eq!(tasks.len(), 1, "{tasks:?}");
        assert_eq!(tasks[0].number, "+35920000001");
        assert_eq!(tasks[0].dialed, "+35924001000");
        assert_eq!(tasks[0].reason, "abandoned");
    }
);
