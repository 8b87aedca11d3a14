//! Group commit: many calls' CDR openings and finishes in one transaction, all or nothing.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{at, tenant};
use wasmphony_store::*;

fn inbound(id: &str, from: &str, start: UnixMs) -> NewCall {
    NewCall {
        id: CallId::from(id),
        direction: Direction::Inbound,
        from: from.into(),
        to: "+4930555000".into(),
        dialed: "030 555000".into(),
        source: None,
        start,
        scenario: Some("ivr-menu".into()),
        component_hash: None,
    }
}

fn ended(start: UnixMs, disposition: Disposition) -> CallEnd {
    CallEnd {
        answer: (disposition == Disposition::Answered).then(|| start.plus_ms(2_000)),
        connected: None,
        end: start.plus_ms(30_000),
        disposition,
        hangup_cause: Some("BYE".into()),
        hangup_side: Some(HangupSide::Caller),
        queue: None,
        agent: None,
        recording: None,
        tags: vec!["batch".into()],
    }
}

fn ringing(at: UnixMs) -> Vec<CallEvent> {
    vec![CallEvent {
        seq: 0,
        at,
        kind: "ringing".into(),
        detail: serde_json::Value::Null,
    }]
}

backend_test!(
    one_batch_opens_and_finishes_calls_of_two_tenants,
    |store: Store| async move {
        let acme = tenant(&store, "acme", "49").await;
        let other = tenant(&store, "other", "359").await;
        let (a1, a2, b1) = (
            inbound("a-1", "030 1111111", at(0)),
            inbound("a-2", "030 2222222", at(1)),
            inbound("b-1", "02 4000111", at(2)),
        );
        let (a1_id, a2_id) = (CallId::from("a-1"), CallId::from("a-2"));
        let a1_end = ended(at(0), Disposition::Answered);
        let a2_end = ended(at(1), Disposition::NoAnswer);
        let (a1_events, a2_events) = (ringing(at(0)), ringing(at(1)));
        let a1_recordings = [Recording {
            id: RecordingId("a-1-1".into()),
            tenant_id: acme,
            call_id: a1_id.clone(),
            path: "acme/a-1-1.wav".into(),
            content_type: "audio/wav".into(),
            duration_ms: 12_000,
            created: at(0).plus_ms(20_000),
        }];
        let stored = store
            .write_journal(&[
                JournalWrite::Open {
                    tenant: acme,
                    call: &a1,
                },
                JournalWrite::Open {
                    tenant: acme,
                    call: &a2,
                },
                JournalWrite::Open {
                    tenant: other,
                    call: &b1,
                },
                // A finish may follow its own call's opening in the same batch.
                JournalWrite::Finish {
                    tenant: acme,
                    id: &a1_id,
                    end: &a1_end,
                    events: &a1_events,
                    recordings: &a1_recordings,
                },
                JournalWrite::Finish {
                    tenant: acme,
                    id: &a2_id,
                    end: &a2_end,
                    events: &a2_events,
                    recordings: &[],
                },
            ])
            .await
            .unwrap();
        assert_eq!(stored.len(), 5);
        // Each tenant's numbers are normalised by its own country.
        assert_eq!(stored[0].customer_number, "+49301111111");
        assert_eq!(stored[2].customer_number, "+35924000111");
        assert_eq!(stored[3].status, CallStatus::Completed);

        let a1_read = store.call(acme, &a1_id).await.unwrap();
        assert_eq!(a1_read.disposition, Some(Disposition::Answered));
        assert_eq!(a1_read.tags, vec!["batch".to_owned()]);
        assert_eq!(store.call_events(acme, &a1_id).await.unwrap(), a1_events);
        // The call's recording is registered with it, on the caller's card.
        let recording = store.recording(acme, &RecordingId("a-1-1".into())).await;
        assert_eq!(recording.unwrap(), a1_recordings[0]);
        let on_card = store.recordings_for_number(acme, "030 1111111", 10).await;
        assert_eq!(on_card.unwrap(), a1_recordings.to_vec());
        // The missed call of the batch is on the missed-call list; b-1 is still live.
        let missed = store
            .list_callbacks(acme, None, Page::default())
            .await
            .unwrap();
        assert_eq!(missed.len(), 1, "{missed:?}");
        assert_eq!(missed[0].number, "+49302222222");
        assert_eq!(store.live_calls(other).await.unwrap().len(), 1);
        assert!(store.live_calls(acme).await.unwrap().is_empty());
    }
);

backend_test!(
    one_bad_write_leaves_the_whole_batch_unwritten,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        let good = inbound("good", "030 1111111", at(0));
        let unknown = CallId::from("never-opened");
        let end = ended(at(0), Disposition::Answered);
        let result = store
            .write_journal(&[
                JournalWrite::Open {
                    tenant: t,
                    call: &good,
                },
                JournalWrite::Finish {
                    tenant: t,
                    id: &unknown,
                    end: &end,
                    events: &[],
                    recordings: &[],
                },
            ])
            .await;
        assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
        let read = store.call(t, &CallId::from("good")).await;
        assert!(
            matches!(read, Err(StoreError::NotFound(_))),
            "rolled back: {read:?}"
        );
        assert!(
            store
                .find_contact(t, "+49301111111")
                .await
                .unwrap()
                .is_none()
        );

        // The good write alone goes through afterwards.
        store
            .write_journal(&[JournalWrite::Open {
                tenant: t,
                call: &good,
            }])
            .await
            .unwrap();
        assert_eq!(store.live_calls(t).await.unwrap().len(), 1);
    }
);

backend_test!(
    an_oversized_batch_is_refused_before_any_write,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        let calls: Vec<NewCall> = (0..=MAX_JOURNAL_BATCH)
            .map(|n| inbound(&format!("c-{n}"), "030 1111111", at(0)))
            .collect();
        let writes: Vec<JournalWrite<'_>> = calls
            .iter()
            .map(|call| JournalWrite::Open { tenant: t, call })
            .collect();
        let result = store.write_journal(&writes).await;
        assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
        assert!(store.live_calls(t).await.unwrap().is_empty());
    }
);
