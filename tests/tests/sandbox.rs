//! The sandbox holds: guests that spin, grow memory, recurse, trap, flood the log or fail are
//! stopped within their budget, the route's fallback takes each caller, and well-behaved calls
//! running beside them finish exactly as they do alone.

use std::time::{Duration, Instant};

use wasmphony_engine::{FallbackOutcome, SandboxLimits};
use wasmphony_sim::{Disposition, Happening, Pace, SimReport};
use wasmphony_tests::{compile_test_guest, host_with, run_test_guest};

/// Tight limits so each bound is reached quickly.
const LIMITS: SandboxLimits = SandboxLimits {
    max_memory_bytes: 8 * 1024 * 1024,
    cpu_budget: Duration::from_millis(100),
    epoch_tick: Duration::from_millis(5),
    max_log_lines: 200,
    ..SandboxLimits::DEFAULT
};

/// Each misbehaviour and the failure kind the host must report for it.
const MISBEHAVIOURS: [(&str, &str); 6] = [
    ("loop", "cpu"),
    ("memory", "memory"),
    ("recurse", "stack"),
    ("trap", "trap"),
    ("log-flood", "log-flood"),
    ("error", "error"),
];

/// Real time within which a stopped guest must have been handed to the fallback: the CPU
/// budget plus generous scheduling slack on a loaded 2-core machine. Not a speed target:
/// a guest that is never stopped would hit the simulator's two-minute limit instead.
const STOPPED_WITHIN: Duration = Duration::from_secs(10);

fn assert_fallback_took_the_caller(report: &SimReport, want_kind: &str) {
    let failure = report.failure.as_ref().unwrap_or_else(|| {
        panic!(
            "{}: the guest must fail, timeline: {:#?}",
            report.name, report.timeline
        )
    });
    assert_eq!(
        failure.kind(),
        want_kind,
        "{}: failure {failure}",
        report.name
    );
    assert_eq!(
        report.fallback,
        Some(FallbackOutcome::Served),
        "{}",
        report.name
    );
    let announced = report.timeline.iter().any(
        |event| matches!(&event.what, Happening::Plays { what, .. } if what.contains("sorry")),
    );
    assert!(
        announced,
        "{}: the fallback announcement must play: {:#?}",
        report.name, report.timeline
    );
    assert_eq!(report.disposition, Disposition::Failed, "{}", report.name);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_misbehaviour_is_stopped_and_the_fallback_takes_the_caller() {
    let host = host_with(LIMITS, 64);
    let guest = compile_test_guest(&host);
    for (behave, kind) in MISBEHAVIOURS {
        let started = Instant::now();
        let report = run_test_guest(&host, &guest, behave, Pace::Virtual).await;
        assert!(
            started.elapsed() < STOPPED_WITHIN,
            "{behave} took {:?}",
            started.elapsed()
        );
        assert_fallback_took_the_caller(&report, kind);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cpu_failure_names_the_configured_budget() {
    let host = host_with(LIMITS, 8);
    let guest = compile_test_guest(&host);
    let report = run_test_guest(&host, &guest, "loop", Pace::Virtual).await;
    let failure = report.failure.expect("the spinning guest must be stopped");
    assert!(failure.to_string().contains("100ms"), "{failure}");
}

/// What a call reports that must not depend on its neighbours.
fn summary(report: &SimReport) -> (Disposition, Vec<String>, bool) {
    let events = report
        .timeline
        .iter()
        .map(|e| format!("{:?} {}", e.at, e.what))
        .collect();
    (report.disposition, events, report.failure.is_none())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_well_behaved_calls_beside_misbehaving_guests_finish_unaffected() {
    let host = host_with(LIMITS, 256);
    let guest = compile_test_guest(&host);
    // Every virtual second is 2 ms of real time, so the good calls stay parked while the
    // bad guests spin, grow and trap on the same two worker threads.
    let pace = Pace::Sleep {
        real_per_virtual_second: Duration::from_millis(2),
    };
    let alone = summary(&run_test_guest(&host, &guest, "slow-ok", pace).await);
    assert!(alone.2, "slow-ok must pass alone");
    assert_eq!(alone.0, Disposition::Completed);

    let mut bad = Vec::new();
    for round in 0..3 {
        for (behave, kind) in MISBEHAVIOURS {
            let (host, guest) = (host.clone(), guest.clone());
            bad.push(tokio::spawn(async move {
                (
                    kind,
                    round,
                    run_test_guest(&host, &guest, behave, Pace::Virtual).await,
                )
            }));
        }
    }
    let mut good = Vec::new();
    for _ in 0..100 {
        let (host, guest) = (host.clone(), guest.clone());
        good.push(tokio::spawn(async move {
            run_test_guest(&host, &guest, "slow-ok", pace).await
        }));
    }
    for task in bad {
        let (kind, _round, report) = task.await.expect("a bad call's task must not panic");
        assert_fallback_took_the_caller(&report, kind);
    }
    for task in good {
        let report = task.await.expect("a good call's task must not panic");
        assert_eq!(
            summary(&report),
            alone,
            "a well-behaved call changed beside bad guests"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_tenant_instance_cap_hands_extra_calls_to_the_fallback() {
    let limits = SandboxLimits {
        max_instances_per_tenant: 4,
        ..LIMITS
    };
    let host = host_with(limits, 16);
    let guest = compile_test_guest(&host);
    let pace = Pace::Sleep {
        real_per_virtual_second: Duration::from_millis(20),
    };
    let mut calls = Vec::new();
    for _ in 0..6 {
        let (host, guest) = (host.clone(), guest.clone());
        calls.push(tokio::spawn(async move {
            run_test_guest(&host, &guest, "slow-ok", pace).await
        }));
    }
    let mut served = 0;
    let mut capped = 0;
    for call in calls {
        let report = call.await.expect("task");
        match &report.failure {
            None => served += 1,
            Some(failure) => {
                assert_eq!(failure.kind(), "instance-limit", "{failure}");
                assert_eq!(report.fallback, Some(FallbackOutcome::Served));
                capped += 1;
            }
        }
    }
    assert_eq!(
        (served, capped),
        (4, 2),
        "four slots for six concurrent calls"
    );
}

/// Counts what the host reports, as the server's metrics do.
#[derive(Default)]
struct Recorded {
    instantiated: std::sync::atomic::AtomicU64,
    failures: std::sync::Mutex<Vec<&'static str>>,
}

impl wasmphony_engine::HostObserver for Recorded {
    fn instantiated(&self, elapsed: Duration) {
        assert!(elapsed < STOPPED_WITHIN, "instantiation took {elapsed:?}");
        self.instantiated
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn guest_failed(&self, failure: &wasmphony_engine::ScenarioFailure) {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(failure.kind());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_observer_hears_every_instantiation_and_each_failure_by_its_reason() {
    let recorded = std::sync::Arc::new(Recorded::default());
    let host = wasmphony_engine::ScenarioHost::observed(
        wasmphony_engine::HostConfig {
            limits: LIMITS,
            cache_dir: None,
            pool_slots: 16,
        },
        recorded.clone(),
    )
    .unwrap_or_else(|e| panic!("the scenario host must start: {e}"));
    let guest = compile_test_guest(&host);
    for (behave, _) in MISBEHAVIOURS {
        run_test_guest(&host, &guest, behave, Pace::Virtual).await;
    }
    let failures = recorded
        .failures
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let kinds: Vec<&str> = MISBEHAVIOURS.iter().map(|(_, kind)| *kind).collect();
    assert_eq!(failures, kinds);
    let instantiated = recorded
        .instantiated
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(instantiated, MISBEHAVIOURS.len() as u64);
}
