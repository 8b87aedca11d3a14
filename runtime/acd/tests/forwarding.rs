//! Forwarding plans through one `check` helper: a plan, a timed script of leg
//! events, and the exact log of actions expected.

use std::time::Duration;
use wasmphony_acd::{
    ForwardAction, ForwardError, Forwarding, Instant, LegFailure, LegId, Plan, Step, Target,
};

#[derive(Debug, Clone, Copy)]
enum Ev {
    Answer(u32),
    Busy(u32),
    NoAnswer(u32),
    Unreachable(u32),
    CallerHungUp,
    Wait,
}

fn targets(names: &[&str]) -> Vec<Target> {
    names.iter().map(|name| Target::new(*name)).collect()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Starts `plan` at 0 s, feeds events at their times (firing step timeouts in
/// between, as the server's timer would), and compares the action log.
#[track_caller]
fn check(plan: Plan, script: &[(u64, Ev)], expected: &str) {
    let mut log = Vec::new();
    let mut forwarding = Forwarding::start(plan, Instant::ORIGIN).expect("valid plan");
    fn record(forwarding: &mut Forwarding, at: Instant, log: &mut Vec<String>) {
        for action in forwarding.poll(at) {
            log.push(format!("{at} {action}"));
        }
    }
    record(&mut forwarding, Instant::ORIGIN, &mut log);
    for (secs, event) in script {
        let at = Instant::from_secs(*secs);
        while let Some(deadline) = forwarding
            .next_deadline()
            .filter(|deadline| *deadline <= at)
        {
            record(&mut forwarding, deadline, &mut log);
        }
        let result = match *event {
            Ev::Answer(leg) => forwarding.on_answered(LegId(leg), at),
            Ev::Busy(leg) => forwarding.on_failed(LegId(leg), LegFailure::Busy, at),
            Ev::NoAnswer(leg) => forwarding.on_failed(LegId(leg), LegFailure::NoAnswer, at),
            Ev::Unreachable(leg) => forwarding.on_failed(LegId(leg), LegFailure::Unreachable, at),
            Ev::CallerHungUp => {
                forwarding.cancel(at);
                Ok(())
            }
            Ev::Wait => Ok(()),
        };
        if let Err(error) = result {
            log.push(format!("{at} refused: {error}"));
        }
        record(&mut forwarding, at, &mut log);
    }
    let expected: Vec<&str> = expected
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let log = log.join("\n");
    assert_eq!(log, expected.join("\n"), "\n--- actual log ---\n{log}\n");
}

#[test]
fn parallel_first_answer_wins_and_the_others_are_cancelled() {
    check(
        Plan::parallel(targets(&["hall", "bar", "office"]), secs(20)),
        &[(4, Ev::Answer(1)), (5, Ev::Answer(0))],
        "
        0s ring 0 hall
        0s ring 1 bar
        0s ring 2 office
        4s cancel 0
        4s cancel 2
        4s bridge 1 bar
        5s refused: forwarding already finished
        ",
    );
}

#[test]
fn parallel_nobody_answers_is_exhausted_at_the_timeout() {
    check(
        Plan::parallel(targets(&["hall", "bar"]), secs(20)),
        &[(3, Ev::Busy(0)), (30, Ev::Wait)],
        "
        0s ring 0 hall
        0s ring 1 bar
        20s cancel 1
        20s exhausted
        ",
    );
}

#[test]
fn sequential_rings_one_after_another_with_per_step_timeouts() {
    check(
        Plan::sequential(targets(&["anna", "boris", "chen"]), secs(15)),
        &[(20, Ev::Busy(1)), (27, Ev::Answer(2))],
        "
        0s ring 0 anna
        15s cancel 0
        15s ring 1 boris
        20s ring 2 chen
        27s bridge 2 chen
        ",
    );
}

#[test]
fn a_step_whose_legs_all_fail_moves_on_at_once() {
    check(
        Plan::sequential(targets(&["anna", "boris"]), secs(15)),
        &[(1, Ev::Unreachable(0)), (2, Ev::NoAnswer(1))],
        "
        0s ring 0 anna
        1s ring 1 boris
        2s exhausted
        ",
    );
}

#[test]
fn combined_steps_ring_groups_in_order() {
    // Agents together, then the backup phone and the director's mobile together.
    let plan = Plan {
        steps: vec![
            Step {
                targets: targets(&["agent1", "agent2"]),
                timeout: secs(20),
            },
            Step {
                targets: targets(&["backup", "director"]),
                timeout: secs(25),
            },
        ],
    };
    check(
        plan,
        &[(10, Ev::Busy(0)), (30, Ev::Answer(3)), (31, Ev::Answer(1))],
        "
        0s ring 0 agent1
        0s ring 1 agent2
        20s cancel 1
        20s ring 2 backup
        20s ring 3 director
        30s cancel 2
        30s bridge 3 director
        31s refused: forwarding already finished
        ",
    );
}

#[test]
fn the_assigned_manager_rings_first_and_not_again() {
    let plan = Plan::parallel(targets(&["olga", "ivan", "maria"]), secs(20))
        .manager_first(Some(Target::new("ivan")), secs(10));
    check(
        plan,
        &[(12, Ev::Answer(0))],
        "
        0s ring 0 ivan
        10s cancel 0
        10s ring 1 olga
        10s ring 2 maria
        12s refused: leg 0 is not ringing
        ",
    );
}

#[test]
fn without_a_manager_the_plan_is_unchanged() {
    let plan = Plan::sequential(targets(&["olga"]), secs(10));
    assert_eq!(plan.clone().manager_first(None, secs(10)), plan);
}

#[test]
fn the_caller_hanging_up_cancels_every_ringing_leg() {
    check(
        Plan::parallel(targets(&["hall", "bar"]), secs(20)),
        &[(2, Ev::CallerHungUp), (30, Ev::Wait)],
        "
        0s ring 0 hall
        0s ring 1 bar
        2s cancel 0
        2s cancel 1
        ",
    );
}

#[test]
fn empty_and_oversized_plans_are_refused() {
    let empty = Plan {
        steps: vec![Step {
            targets: vec![],
            timeout: secs(5),
        }],
    };
    assert_eq!(
        Forwarding::start(empty, Instant::ORIGIN).err(),
        Some(ForwardError::EmptyPlan)
    );
    let huge = Plan::sequential(
        (0..=wasmphony_acd::limits::MAX_FORWARD_STEPS)
            .map(|n| Target::new(format!("t{n}")))
            .collect(),
        secs(5),
    );
    assert_eq!(
        Forwarding::start(huge, Instant::ORIGIN).err(),
        Some(ForwardError::PlanTooLarge)
    );
}

#[test]
fn forwarding_finishes_exactly_once() {
    let mut forwarding =
        Forwarding::start(Plan::parallel(targets(&["a"]), secs(5)), Instant::ORIGIN).expect("plan");
    let first = forwarding.poll(Instant::from_secs(5));
    assert_eq!(first.last(), Some(&ForwardAction::Exhausted));
    assert!(forwarding.is_finished());
    assert_eq!(forwarding.next_deadline(), None);
    assert!(forwarding.poll(Instant::from_secs(100)).is_empty());
}
