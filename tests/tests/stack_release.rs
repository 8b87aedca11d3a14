//! Pooled fiber stacks go back to the system when their calls end: after a burst of
//! concurrent calls the process holds no resident page in any fiber-stack slot. Before
//! `async_stack_zeroing`, every slot a burst used kept its touched pages (and the last
//! guest's stack data) for the life of the process, so memory never returned to idle.

use std::time::Duration;

use wasmphony_engine::SandboxLimits;
use wasmphony_sim::Pace;
use wasmphony_tests::{Mapping, compile_test_guest, host_with, mappings, run_test_guest};

/// Resident bytes in this process's fiber-stack slots, and how many slots: the read-write
/// mappings exactly one stack long (each slot is its own mapping between guard pages).
fn resident_in_fiber_stacks(stack_bytes: u64) -> (u64, usize) {
    let stacks: Vec<Mapping> = mappings()
        .into_iter()
        .filter(|map| map.size == stack_bytes && map.permissions == "rw-p")
        .collect();
    (stacks.iter().map(|map| map.resident).sum(), stacks.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fiber_stacks_are_given_back_when_their_calls_end() {
    let limits = SandboxLimits::DEFAULT;
    let stack_bytes = limits.fiber_stack_bytes() as u64;
    let host = host_with(limits, 64);
    let guest = compile_test_guest(&host);
    // Each virtual second is 5 ms of real time: the 32 calls overlap, so each runs on
    // its own stack slot.
    let pace = Pace::Sleep {
        real_per_virtual_second: Duration::from_millis(5),
    };
    let (before, slots) = resident_in_fiber_stacks(stack_bytes);
    assert!(
        slots >= 32,
        "the pool's stack slots must be found ({slots} found)"
    );
    assert_eq!(
        before, 0,
        "no stack is touched before the first call ({slots} slots)"
    );

    let calls: Vec<_> = (0..32)
        .map(|_| {
            let (host, guest) = (host.clone(), guest.clone());
            tokio::spawn(async move { run_test_guest(&host, &guest, "slow-ok", pace).await })
        })
        .collect();
    // While they run, their stacks are resident: the measurement sees real stacks.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (during, _) = resident_in_fiber_stacks(stack_bytes);
    assert!(during > 0, "running calls must have resident stacks");
    for call in calls {
        let report = call.await.expect("a call's task must not panic");
        assert!(report.failure.is_none(), "slow-ok must finish cleanly");
    }

    let (after, _) = resident_in_fiber_stacks(stack_bytes);
    assert_eq!(
        after, 0,
        "fiber stacks still resident after every call ended ({during} bytes while they ran)"
    );
}
