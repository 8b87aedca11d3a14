//! The missed-call list: dedup while open, atomic claims, automatic closing.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{at, tenant};
use wasmphony_store::*;

fn missed(number: &str, dialed: &str, due: UnixMs) -> MissedCall {
    MissedCall {
        number: number.into(),
        dialed: dialed.into(),
        reason: "no_answer".into(),
        call: None,
        due,
        queue: None,
    }
}

fn call(id: &str, direction: Direction, customer: &str, start: UnixMs) -> NewCall {
    let (from, to) = match direction {
        Direction::Inbound => (customer.to_owned(), "+4930555000".to_owned()),
        Direction::Outbound => ("+4930555000".to_owned(), customer.to_owned()),
    };
    NewCall {
        id: CallId::from(id),
        direction,
        from,
        to,
        dialed: "+4930555000".into(),
        source: None,
        start,
        scenario: None,
        component_hash: None,
    }
}

fn ended(answer: Option<UnixMs>, end: UnixMs, disposition: Disposition) -> CallEnd {
    CallEnd {
        answer,
        connected: None,
        end,
        disposition,
        hangup_cause: None,
        hangup_side: None,
        queue: None,
        agent: None,
        recording: None,
        tags: vec![],
    }
}

backend_test!(
    missed_calls_dedup_per_caller_and_dialed_number,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        let first = store
            .add_missed_call(t, &missed("030 1234567", "+4930555000", at(10)), at(10))
            .await
            .unwrap();
        assert_eq!(first.number, "+49301234567");
        assert_eq!(
            (first.state, first.missed_count, first.attempts),
            (CallbackState::New, 1, 0)
        );
        // Same caller, same number, written differently: merged, earlier due kept.
        let merged = store
            .add_missed_call(t, &missed("+49 30 1234567", "030 555000", at(20)), at(20))
            .await
            .unwrap();
        assert_eq!(merged.id, first.id);
        assert_eq!(merged.missed_count, 2);
        assert_eq!(merged.due, at(10));
        // Another of the tenant's numbers is another task; so is another caller.
        let other_line = store
            .add_missed_call(t, &missed("+49301234567", "+4930555999", at(30)), at(30))
            .await
            .unwrap();
        assert_ne!(other_line.id, first.id);
        let other_caller = store
            .add_missed_call(t, &missed("+49307654321", "+4930555000", at(30)), at(30))
            .await
            .unwrap();
        assert_ne!(other_caller.id, first.id);
        assert_eq!(
            store
                .list_callbacks(t, None, Page::default())
                .await
                .unwrap()
                .len(),
            3
        );

        // Once done, a new miss opens a new task (the dedup only holds while open).
        store
            .claim_callback(t, first.id, "dialer-1", at(40))
            .await
            .unwrap();
        store
            .finish_callback(t, first.id, CallbackOutcome::Done, None, at(50))
            .await
            .unwrap();
        let reopened = store
            .add_missed_call(t, &missed("+49301234567", "+4930555000", at(60)), at(60))
            .await
            .unwrap();
        assert_ne!(reopened.id, first.id);
        assert_eq!(reopened.missed_count, 1);

        // Not a number to call back.
        for bad in ["anonymous", "101", ""] {
            let result = store
                .add_missed_call(t, &missed(bad, "+4930555000", at(0)), at(0))
                .await;
            assert!(
                matches!(result, Err(StoreError::Invalid(_))),
                "{bad:?}: {result:?}"
            );
        }
    }
);

backend_test!(
    concurrent_misses_from_one_caller_make_one_task,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .add_missed_call(t, &missed("+49301234567", "+4930555000", at(i)), at(i))
                        .await
                        .unwrap()
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let list = store
            .list_callbacks(t, None, Page::default())
            .await
            .unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].missed_count, 8);
        assert_eq!(list[0].due, at(0));
    }
);

backend_test!(
    two_concurrent_claimers_one_wins,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        for round in 0..20_i64 {
            let number = format!("+4930100{round:04}");
            let task = store
                .add_missed_call(t, &missed(&number, "+4930555000", at(round)), at(round))
                .await
                .unwrap();
            let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
            let claimers: Vec<_> = ["agent-a", "agent-b"]
                .into_iter()
                .map(|who| {
                    let (store, barrier) = (store.clone(), barrier.clone());
                    tokio::spawn(async move {
                        barrier.wait().await;
                        store.claim_callback(t, task.id, who, at(100)).await
                    })
                })
                .collect();
            let mut winners = Vec::new();
            for claimer in claimers {
                match claimer.await.unwrap() {
                    Ok(claimed) => winners.push(claimed),
                    Err(StoreError::Conflict(_)) => {}
                    Err(other) => panic!("unexpected {other:?}"),
                }
            }
            assert_eq!(winners.len(), 1, "round {round}: exactly one claimer wins");
            let stored = store.callback_task(t, task.id).await.unwrap();
            assert_eq!(stored.state, CallbackState::InProgress);
            assert_eq!(stored.attempts, 1, "the loser did not count an attempt");
            assert_eq!(stored.claimed_by, winners[0].claimed_by);
        }
    }
);

backend_test!(
    claim_next_takes_each_due_task_once,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        for i in 0..6_i64 {
            let number = format!("+4930200{i:04}");
            store
                .add_missed_call(t, &missed(&number, "+4930555000", at(i * 10)), at(0))
                .await
                .unwrap();
        }
        // Due by t=35: tasks due at 0, 10, 20, 30. Four concurrent dialers drain them.
        let dialers: Vec<_> = (0..4)
            .map(|d| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut got = Vec::new();
                    while let Some(task) = store
                        .claim_next_callback(t, &format!("dialer-{d}"), at(35))
                        .await
                        .unwrap()
                    {
                        got.push(task.id);
                    }
                    got
                })
            })
            .collect();
        let mut claimed = Vec::new();
        for dialer in dialers {
            claimed.extend(dialer.await.unwrap());
        }
        claimed.sort();
        let before = claimed.len();
        claimed.dedup();
        assert_eq!(before, claimed.len(), "no task claimed twice");
        assert_eq!(claimed.len(), 4, "all due tasks claimed, none early");
        let waiting = store
            .list_callbacks(t, Some(CallbackState::New), Page::default())
            .await
            .unwrap();
        assert_eq!(
            waiting.iter().map(|task| task.due).collect::<Vec<_>>(),
            [at(40), at(50)]
        );
    }
);

backend_test!(attempt_outcomes_and_retry, |store: Store| async move {
    let t = tenant(&store, "acme", "49").await;
    let task = store
        .add_missed_call(t, &missed("+49301234567", "+4930555000", at(0)), at(0))
        .await
        .unwrap();
    // Finishing an unclaimed task is refused.
    let early = store
        .finish_callback(t, task.id, CallbackOutcome::Failed, None, at(1))
        .await;
    assert!(matches!(early, Err(StoreError::Conflict(_))), "{early:?}");

    store
        .claim_callback(t, task.id, "dialer", at(10))
        .await
        .unwrap();
    let retry = store
        .finish_callback(
            t,
            task.id,
            CallbackOutcome::Retry { due: at(600) },
            None,
            at(20),
        )
        .await
        .unwrap();
    assert_eq!(
        (retry.state, retry.attempts, retry.due),
        (CallbackState::New, 1, at(600))
    );
    assert!(
        store
            .claim_next_callback(t, "dialer", at(599))
            .await
            .unwrap()
            .is_none(),
        "not due yet"
    );
    let again = store
        .claim_next_callback(t, "dialer", at(600))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.attempts, 2);
    let failed = store
        .finish_callback(t, task.id, CallbackOutcome::Failed, None, at(700))
        .await
        .unwrap();
    assert_eq!(failed.state, CallbackState::Failed);
    let claim = store.claim_callback(t, task.id, "dialer", at(800)).await;
    assert!(matches!(claim, Err(StoreError::Conflict(_))));
    let missing = store
        .claim_callback(t, CallbackTaskId(9_999), "dialer", at(800))
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))));
});

backend_test!(
    unanswered_call_lands_on_list_and_answered_callback_closes_it,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        // Caller rings, nobody answers: the finish puts them on the list.
        store
            .open_call(t, &call("miss-1", Direction::Inbound, "030 1234567", at(0)))
            .await
            .unwrap();
        store
            .finish_call(
                t,
                &CallId::from("miss-1"),
                &ended(None, at(30), Disposition::NoAnswer),
                &[],
            )
            .await
            .unwrap();
        store
            .open_call(
                t,
                &call("miss-2", Direction::Inbound, "030 1234567", at(100)),
            )
            .await
            .unwrap();
        store
            .finish_call(
                t,
                &CallId::from("miss-2"),
                &ended(None, at(130), Disposition::Abandoned),
                &[],
            )
            .await
            .unwrap();
        let open = store
            .list_callbacks(t, Some(CallbackState::New), Page::default())
            .await
            .unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].missed_count, 2);
        assert_eq!(open[0].reason, "abandoned");
        assert_eq!(open[0].last_call, Some(CallId::from("miss-2")));

        // An unanswered call from an extension does not.
        store
            .open_call(t, &call("internal", Direction::Inbound, "101", at(150)))
            .await
            .unwrap();
        store
            .finish_call(
                t,
                &CallId::from("internal"),
                &ended(None, at(160), Disposition::NoAnswer),
                &[],
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .list_callbacks(t, None, Page::default())
                .await
                .unwrap()
                .len(),
            1
        );

        // The customer calls back and is answered: the task closes by itself.
        store
            .open_call(
                t,
                &call("back", Direction::Inbound, "+49301234567", at(200)),
            )
            .await
            .unwrap();
        store
            .finish_call(
                t,
                &CallId::from("back"),
                &ended(Some(at(205)), at(260), Disposition::Answered),
                &[],
            )
            .await
            .unwrap();
        let task = store.callback_task(t, open[0].id).await.unwrap();
        assert_eq!(task.state, CallbackState::Done);
        assert_eq!(task.closed_by_call, Some(CallId::from("back")));

        // A claimed task also closes when the dialer's outbound call reaches the customer,
        // and the dialer's own "done" afterwards is accepted unchanged.
        store
            .open_call(
                t,
                &call("miss-3", Direction::Inbound, "+49301234567", at(300)),
            )
            .await
            .unwrap();
        store
            .finish_call(
                t,
                &CallId::from("miss-3"),
                &ended(None, at(330), Disposition::NoAnswer),
                &[],
            )
            .await
            .unwrap();
        let task = store
            .claim_next_callback(t, "dialer", at(400))
            .await
            .unwrap()
            .unwrap();
        store
            .open_call(
                t,
                &call("out", Direction::Outbound, "+49301234567", at(400)),
            )
            .await
            .unwrap();
        store
            .finish_call(
                t,
                &CallId::from("out"),
                &ended(Some(at(410)), at(470), Disposition::Answered),
                &[],
            )
            .await
            .unwrap();
        let closed = store.callback_task(t, task.id).await.unwrap();
        assert_eq!(
            (closed.state, closed.closed_by_call.clone()),
            (CallbackState::Done, Some(CallId::from("out")))
        );
        let dialer_done = store
            .finish_callback(t, task.id, CallbackOutcome::Done, None, at(480))
            .await
            .unwrap();
        assert_eq!(dialer_done, closed);

        // An answered call in which the customer asks to be called back (the IVR answered,
        // nobody served them) keeps that request open, and so does a call tagged so.
        store
            .open_call(
                t,
                &call("asks", Direction::Inbound, "+49301234567", at(500)),
            )
            .await
            .unwrap();
        let missed = MissedCall {
            number: "+49301234567".into(),
            dialed: "scenario".into(),
            reason: "queue_callback".into(),
            call: None,
            due: at(510),
            queue: None,
        };
        let asked = store.add_missed_call(t, &missed, at(510)).await.unwrap();
        store
            .finish_call(
                t,
                &CallId::from("asks"),
                &ended(Some(at(501)), at(520), Disposition::Answered),
                &[],
            )
            .await
            .unwrap();
        let kept = store.callback_task(t, asked.id).await.unwrap();
        assert_eq!(
            kept.state,
            CallbackState::New,
            "filed during the call: still open"
        );
        store
            .open_call(
                t,
                &call("again", Direction::Inbound, "+49301234567", at(600)),
            )
            .await
            .unwrap();
        let tagged = CallEnd {
            tags: vec!["queue-callback".into()],
            ..ended(Some(at(601)), at(620), Disposition::Answered)
        };
        store
            .finish_call(t, &CallId::from("again"), &tagged, &[])
            .await
            .unwrap();
        let kept = store.callback_task(t, asked.id).await.unwrap();
        assert_eq!(
            kept.state,
            CallbackState::New,
            "a callback request keeps it open"
        );
    }
);

backend_test!(
    released_claims_are_new_again_without_an_attempt,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        let task = store
            .add_missed_call(t, &missed("+49301234567", "+4930555000", at(10)), at(10))
            .await
            .unwrap();
        let claimed = store
            .claim_next_callback(t, "dialer", at(20))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((claimed.id, claimed.attempts), (task.id, 1));
        // Only the holder releases.
        assert!(
            !store
                .release_callback(t, task.id, "queue", at(21))
                .await
                .unwrap()
        );
        assert!(
            store
                .release_callback(t, task.id, "dialer", at(22))
                .await
                .unwrap()
        );
        let back = store.callback_task(t, task.id).await.unwrap();
        assert_eq!(
            (back.state, back.attempts, back.claimed_by),
            (CallbackState::New, 0, None)
        );

        // Stale claims of one claimer, taken before the cut, go back; newer ones stay.
        store
            .claim_callback(t, task.id, "queue", at(30))
            .await
            .unwrap();
        let other = store
            .add_missed_call(t, &missed("+49307654321", "+4930555000", at(10)), at(10))
            .await
            .unwrap();
        store
            .claim_callback(t, other.id, "queue", at(50))
            .await
            .unwrap();
        let released = store
            .release_stale_callback_claims("queue", at(40), at(60))
            .await
            .unwrap();
        assert_eq!(released, 1);
        let stale = store.callback_task(t, task.id).await.unwrap();
        assert_eq!((stale.state, stale.attempts), (CallbackState::New, 0));
        let fresh = store.callback_task(t, other.id).await.unwrap();
        assert_eq!(fresh.state, CallbackState::InProgress);
    }
);

backend_test!(
    a_task_keeps_the_queue_its_request_named,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        let plain = store
            .add_missed_call(t, &missed("+49301234567", "+4930555000", at(10)), at(10))
            .await
            .unwrap();
        assert_eq!(plain.queue, None);
        // A later request naming a queue gives the merged task that queue; one naming
        // none keeps it.
        let named = MissedCall {
            queue: Some("support".into()),
            ..missed("+49301234567", "+4930555000", at(20))
        };
        let merged = store.add_missed_call(t, &named, at(20)).await.unwrap();
        assert_eq!(
            (merged.id, merged.queue.as_deref()),
            (plain.id, Some("support"))
        );
        let again = store
            .add_missed_call(t, &missed("+49301234567", "+4930555000", at(30)), at(30))
            .await
            .unwrap();
        assert_eq!(again.queue.as_deref(), Some("support"));
        let read = store.callback_task(t, plain.id).await.unwrap();
        assert_eq!(read.queue.as_deref(), Some("support"));
    }
);

/// A queue call `id` from 030 1234567 starting at `start` s: the queue files it for a
/// callback 20 s in, then it ends at 50 s as `disposition`. Returns the open tasks.
async fn filed_then_ended(
    store: &Store,
    t: TenantId,
    id: &str,
    start: i64,
    disposition: Disposition,
) -> Vec<CallbackTask> {
    store
        .open_call(t, &call(id, Direction::Inbound, "030 1234567", at(start)))
        .await
        .unwrap();
    let filed = MissedCall {
        reason: "queue_overflow".into(),
        call: Some(CallId::from(id)),
        ..missed("030 1234567", "+4930555000", at(start + 20))
    };
    store
        .add_missed_call(t, &filed, at(start + 20))
        .await
        .unwrap();
    let end = ended(Some(at(start + 1)), at(start + 50), disposition);
    store
        .finish_call(t, &CallId::from(id), &end, &[])
        .await
        .unwrap();
    store
        .list_callbacks(t, Some(CallbackState::New), Page::default())
        .await
        .unwrap()
}

backend_test!(
    a_call_that_filed_its_own_task_is_one_miss,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        // Filed during the call (overflow), then ended unanswered: one miss, and the
        // filing's reason stays.
        let open = filed_then_ended(&store, t, "q-1", 0, Disposition::Abandoned).await;
        assert_eq!(open.len(), 1, "{open:?}");
        assert_eq!(
            (open[0].missed_count, open[0].reason.as_str()),
            (1, "queue_overflow")
        );
        // A second call that overflowed and left a message: a second miss, and the list
        // says a message is waiting.
        let open = filed_then_ended(&store, t, "q-2", 100, Disposition::Voicemail).await;
        assert_eq!(open.len(), 1, "{open:?}");
        assert_eq!(
            (open[0].missed_count, open[0].reason.as_str()),
            (2, "voicemail")
        );
        assert_eq!(open[0].last_call, Some(CallId::from("q-2")));
    }
);
