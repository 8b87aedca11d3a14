//! The auto-callback dialer over a real store (SQLite file and PostgreSQL), with a
//! stand-in for the controller's queues that has a set number of free agents. Time is a
//! virtual clock: every round is given its `now`.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

#[macro_use]
mod common;

use std::sync::Arc;

use async_trait::async_trait;
use parking_lot::Mutex;
use wasmphony_controller::{CallbackJob, CallbackOfferError};
use wasmphony_engine::api::CallbackRequest;
use wasmphony_engine::{CallbackAttempt, CallbackFiling, TenantServices};
use wasmphony_store::{
    CallbackState, CallbackTask, CallbackTaskId, MissedCall, NewTenant, OpenWindow, Page,
    QueueSettings, QueueSpec, QueueStrategy, RouteSpec, Store, TenantId, UnixMs, WorkingHours,
};
use wasmphony_telephony::StoreServices;
use wasmphony_telephony::dialer::{
    CallbackQueues, Dialer, MAX_ATTEMPTS, RETRY_PAUSE, TickReport, queue_claimer,
};

/// Monday 2024-01-01 00:00 UTC.
const MONDAY: i64 = 1_704_067_200_000;
const HOUR: i64 = 3_600_000;
const OFFICE: &str = "+4930555000";

fn at(ms: i64) -> UnixMs {
    UnixMs(MONDAY + ms)
}

/// The controller's queues as the dialer sees them: `free` agents take one task each.
#[derive(Default)]
struct FakeQueues {
    free: Mutex<usize>,
    taken: Mutex<Vec<(String, String, CallbackJob)>>,
}

impl FakeQueues {
    fn with_free(free: usize) -> Arc<Self> {
        let queues = FakeQueues::default();
        *queues.free.lock() = free;
        Arc::new(queues)
    }

    fn taken_ids(&self) -> Vec<String> {
        self.taken
            .lock()
            .iter()
            .map(|(_, _, job)| job.task_id.clone())
            .collect()
    }
}

#[async_trait]
impl CallbackQueues for FakeQueues {
    async fn offer_callback(
        &self,
        tenant: &str,
        queue: &str,
        job: CallbackJob,
    ) -> Result<(), CallbackOfferError> {
        let mut free = self.free.lock();
        if *free == 0 {
            return Err(CallbackOfferError::NoFreeAgent);
        }
        *free -= 1;
        self.taken.lock().push((tenant.into(), queue.into(), job));
        Ok(())
    }
}

async fn tenant_with_queues(store: &Store, slug: &str, queues: &[&str]) -> TenantId {
    let new = NewTenant {
        slug: slug.into(),
        name: slug.into(),
        country_code: "49".into(),
    };
    let tenant = store.create_tenant(&new).await.unwrap().id;
    for name in queues {
        let spec = QueueSpec {
            name: (*name).into(),
            strategy: QueueStrategy::RingAll,
            max_wait_ms: 60_000,
            max_length: 10,
            overflow: None,
            settings: QueueSettings::default(),
        };
        store.create_queue(tenant, &spec).await.unwrap();
    }
    tenant
}

async fn missed(store: &Store, tenant: TenantId, number: &str, due: UnixMs) -> CallbackTask {
    let missed = MissedCall {
        number: number.into(),
        dialed: OFFICE.into(),
        reason: "no_answer".into(),
        call: None,
        due,
        queue: None,
    };
    store.add_missed_call(tenant, &missed, due).await.unwrap()
}

async fn task(store: &Store, tenant: TenantId, id: CallbackTaskId) -> CallbackTask {
    store.callback_task(tenant, id).await.unwrap()
}

backend_test!(
    due_tasks_go_to_a_queue_only_while_agents_are_free,
    |store: Store| async move {
        let t = tenant_with_queues(&store, "acme", &["support", "billing"]).await;
        let first = missed(&store, t, "+49301111111", at(10)).await;
        let second = missed(&store, t, "+49302222222", at(20)).await;
        let later = missed(&store, t, "+49303333333", at(HOUR)).await;
        let queues = FakeQueues::with_free(1);
        let dialer = Dialer::new(store.clone(), queues.clone());

        // One free agent: the soonest due task goes to "billing" (first by name).
        let report = dialer.tick(at(30)).await.unwrap();
        assert_eq!(
            report,
            TickReport {
                handed: 1,
                released: 1
            }
        );
        {
            let taken = queues.taken.lock();
            assert_eq!(taken.len(), 1);
            let (tenant, queue, job) = &taken[0];
            assert_eq!((tenant.as_str(), queue.as_str()), ("acme", "billing"));
            assert_eq!(job.task_id, first.id.to_string());
            assert_eq!(
                (job.number.as_str(), job.dialed.as_str()),
                ("+49301111111", OFFICE)
            );
        }
        let handed = task(&store, t, first.id).await;
        assert_eq!(
            (handed.state, handed.attempts),
            (CallbackState::InProgress, 1)
        );
        // The second was claimed, refused (no agent left) and given back unchanged.
        let waiting = task(&store, t, second.id).await;
        assert_eq!((waiting.state, waiting.attempts), (CallbackState::New, 0));

        // No agent free: nothing changes, however often the dialer looks.
        for round in 0..3 {
            let report = dialer.tick(at(40 + round)).await.unwrap();
            assert_eq!(report.handed, 0);
        }
        assert_eq!(task(&store, t, second.id).await.attempts, 0);

        // Two agents free: the second goes; the third is not due yet.
        *queues.free.lock() = 2;
        let report = dialer.tick(at(50)).await.unwrap();
        assert_eq!(
            report,
            TickReport {
                handed: 1,
                released: 0
            }
        );
        assert_eq!(task(&store, t, later.id).await.state, CallbackState::New);
        dialer.tick(at(HOUR)).await.unwrap();
        assert_eq!(
            queues.taken_ids(),
            vec![
                first.id.to_string(),
                second.id.to_string(),
                later.id.to_string()
            ]
        );
        // Handed tasks are never handed again.
        *queues.free.lock() = 10;
        assert_eq!(dialer.tick(at(2 * HOUR)).await.unwrap().handed, 0);
    }
);

backend_test!(
    a_task_naming_a_queue_goes_only_there,
    |store: Store| async move {
        let t = tenant_with_queues(&store, "acme", &["support", "billing"]).await;
        let named = MissedCall {
            number: "+49301111111".into(),
            dialed: OFFICE.into(),
            reason: "requested".into(),
            call: None,
            due: at(0),
            queue: Some("support".into()),
        };
        let own = store.add_missed_call(t, &named, at(0)).await.unwrap();
        let queues = FakeQueues::with_free(1);
        let dialer = Dialer::new(store.clone(), queues.clone());
        assert_eq!(dialer.tick(at(10)).await.unwrap().handed, 1);
        let taken = queues.taken.lock().clone();
        assert_eq!(taken.len(), 1);
        assert_eq!(
            (taken[0].1.as_str(), taken[0].2.task_id.clone()),
            ("support", own.id.to_string())
        );
    }
);

backend_test!(
    a_tenant_without_queues_keeps_its_tasks,
    |store: Store| async move {
        let t = tenant_with_queues(&store, "acme", &[]).await;
        let waiting = missed(&store, t, "+49301111111", at(0)).await;
        let queues = FakeQueues::with_free(5);
        let dialer = Dialer::new(store.clone(), queues.clone());
        assert_eq!(dialer.tick(at(10)).await.unwrap().handed, 0);
        assert_eq!(task(&store, t, waiting.id).await.state, CallbackState::New);
    }
);

backend_test!(
    tasks_due_outside_working_hours_wait_until_open,
    |store: Store| async move {
        let t = tenant_with_queues(&store, "acme", &["support"]).await;
        let route = RouteSpec {
            number: OFFICE.into(),
            scenario: "ivr".into(),
            config: serde_json::json!({}),
            fallback: None,
            working_hours: Some(WorkingHours {
                utc_offset_minutes: 0,
                windows: vec![OpenWindow {
                    days: vec![1, 2, 3, 4, 5],
                    open_minute: 9 * 60,
                    close_minute: 17 * 60,
                }],
                after_hours: None,
            }),
        };
        store.create_route(t, &route, at(0)).await.unwrap();
        let night = missed(&store, t, "+49301111111", at(2 * HOUR)).await;
        let queues = FakeQueues::with_free(5);
        let dialer = Dialer::new(store.clone(), queues.clone());

        // 03:00 and 08:59: closed.
        assert_eq!(dialer.tick(at(3 * HOUR)).await.unwrap().handed, 0);
        assert_eq!(dialer.tick(at(9 * HOUR - 60_000)).await.unwrap().handed, 0);
        assert_eq!(task(&store, t, night.id).await.attempts, 0);
        // 09:00: open.
        assert_eq!(dialer.tick(at(9 * HOUR)).await.unwrap().handed, 1);
        assert_eq!(queues.taken_ids(), vec![night.id.to_string()]);
    }
);

backend_test!(
    not_reached_attempts_pause_then_fail_at_the_limit,
    |store: Store| async move {
        let t = tenant_with_queues(&store, "acme", &["support"]).await;
        let services = StoreServices::new(store.clone(), t);
        let id = missed(&store, t, "+49301111111", at(0)).await.id;
        let queues = FakeQueues::with_free(100);
        let dialer = Dialer::new(store.clone(), queues.clone());
        let pause = i64::try_from(RETRY_PAUSE.as_millis()).unwrap();

        // The queue's attempts are recorded at wall-clock time (StoreServices), so the
        // virtual clock of the rounds runs far ahead of it: every retry is due.
        let mut now = at(0);
        for attempt in 1..=MAX_ATTEMPTS {
            assert_eq!(
                dialer.tick(now).await.unwrap().handed,
                1,
                "attempt {attempt}"
            );
            services
                .finish_callback(&id.to_string(), CallbackAttempt::NotReached)
                .await
                .unwrap();
            let after = task(&store, t, id).await;
            assert_eq!(after.attempts, attempt);
            if attempt < MAX_ATTEMPTS {
                assert_eq!(after.state, CallbackState::New);
                // Due again one pause after the attempt, not at once.
                assert!(after.due.0 >= after.updated.0 + pause, "{after:?}");
                assert_eq!(
                    dialer
                        .tick(UnixMs(after.updated.0 + 1))
                        .await
                        .unwrap()
                        .handed,
                    0
                );
                now = after.due;
            } else {
                assert_eq!(after.state, CallbackState::Failed);
            }
        }
        assert_eq!(dialer.tick(UnixMs(i64::MAX / 2)).await.unwrap().handed, 0);
        assert_eq!(
            queues.taken_ids().len(),
            usize::try_from(MAX_ATTEMPTS).unwrap()
        );
    }
);

backend_test!(
    press_one_tasks_are_the_queues_until_a_restart,
    |store: Store| async move {
        let t = tenant_with_queues(&store, "acme", &["support"]).await;
        let services = StoreServices::new(store.clone(), t);
        let request = CallbackRequest {
            number: "+49301111111".into(),
            at_unix: None,
            queue: Some("support".into()),
            reason: wasmphony_controller::QUEUE_CALLBACK_REASON.into(),
        };
        let id: i64 = services
            .schedule_callback(CallbackFiling::on_call(request, OFFICE))
            .await
            .unwrap()
            .parse()
            .unwrap();
        let held = task(&store, t, CallbackTaskId(id)).await;
        assert_eq!(held.state, CallbackState::InProgress);
        assert_eq!(held.claimed_by, Some(queue_claimer(&store)));

        let queues = FakeQueues::with_free(5);
        let dialer = Dialer::new(store.clone(), queues.clone());
        let far = UnixMs(held.updated.0 + 24 * HOUR);
        assert_eq!(
            dialer.tick(far).await.unwrap().handed,
            0,
            "the queue holds it"
        );

        // The queue's agent takes it: one attempt, done.
        services
            .finish_callback(&id.to_string(), CallbackAttempt::Reached)
            .await
            .unwrap();
        let done = task(&store, t, CallbackTaskId(id)).await;
        assert_eq!((done.state, done.attempts), (CallbackState::Done, 1));

        // Another press-1 task, then the process restarts: the held claim is given back
        // (without counting an attempt) and the dialer calls it back.
        let request = CallbackRequest {
            number: "+49302222222".into(),
            at_unix: None,
            queue: Some("support".into()),
            reason: wasmphony_controller::QUEUE_CALLBACK_REASON.into(),
        };
        let lost: i64 = services
            .schedule_callback(CallbackFiling::on_call(request, OFFICE))
            .await
            .unwrap()
            .parse()
            .unwrap();
        let restarted = UnixMs(task(&store, t, CallbackTaskId(lost)).await.updated.0 + 1);
        assert_eq!(
            dialer
                .release_stale_claims(restarted, restarted)
                .await
                .unwrap(),
            1
        );
        let released = task(&store, t, CallbackTaskId(lost)).await;
        assert_eq!((released.state, released.attempts), (CallbackState::New, 0));
        assert_eq!(dialer.tick(far).await.unwrap().handed, 1);
        assert_eq!(queues.taken_ids(), vec![lost.to_string()]);
        let list = store
            .list_callbacks(t, Some(CallbackState::InProgress), Page::default())
            .await
            .unwrap();
        assert_eq!(list.len(), 1);
    }
);

backend_test!(
    a_customer_already_being_called_back_cannot_press_one,
    |store: Store| async move {
        let t = tenant_with_queues(&store, "acme", &["support"]).await;
        let services = StoreServices::new(store.clone(), t);
        let open = missed(&store, t, "+49301111111", UnixMs::now()).await;
        let dialer = Dialer::new(store.clone(), FakeQueues::with_free(1));
        assert_eq!(dialer.tick(UnixMs::now()).await.unwrap().handed, 1);
        // The same customer calls in meanwhile and presses 1: the task is the dialer's,
        // so the queue must not hold it too (the caller waits on instead).
        let request = CallbackRequest {
            number: "+49301111111".into(),
            at_unix: None,
            queue: Some("support".into()),
            reason: wasmphony_controller::QUEUE_CALLBACK_REASON.into(),
        };
        assert!(
            services
                .schedule_callback(CallbackFiling::on_call(request, OFFICE))
                .await
                .is_err()
        );
        let still = task(&store, t, open.id).await;
        assert_eq!(
            (still.state, still.attempts),
            (CallbackState::InProgress, 1)
        );
    }
);
