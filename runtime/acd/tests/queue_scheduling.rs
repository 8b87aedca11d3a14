//! Queue scheduling through one `check` helper: a configuration, a timed
//! script of inputs, and the exact log of actions expected.

mod support;

use std::time::Duration;
use support::{Ev, quiet_config, run};
use wasmphony_acd::{OverflowAction, Queue, QueueConfig, Strategy};

#[track_caller]
fn check(config: QueueConfig, script: &[(u64, Ev)], expected: &str) {
    let mut queue = Queue::new(config);
    let log = run(&mut queue, script);
    let expected: Vec<&str> = expected
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    assert_eq!(log, expected.join("\n"), "\n--- actual log ---\n{log}\n");
}

fn with_strategy(strategy: Strategy) -> QueueConfig {
    QueueConfig {
        strategy,
        ..quiet_config()
    }
}

#[test]
fn longest_waiting_caller_is_served_first_within_a_priority() {
    check(
        quiet_config(),
        &[
            (0, Ev::Join(1)),
            (1, Ev::Join(2)),
            (2, Ev::Join(3)),
            (5, Ev::Login(1)),
            (6, Ev::Answer(1, 1)),
            (20, Ev::Hangup(1)),
            (21, Ev::Answer(1, 2)),
            (30, Ev::Hangup(1)),
        ],
        "
        5s offer c1 -> a1
        6s bridge c1 <-> a1
        20s offer c2 -> a1
        21s bridge c2 <-> a1
        30s offer c3 -> a1
        ",
    );
}

#[test]
fn higher_priority_is_served_before_longer_waiting_callers() {
    check(
        quiet_config(),
        &[
            (0, Ev::Join(1)),
            (1, Ev::JoinPriority(2, 5)),
            (2, Ev::JoinPriority(3, 5)),
            (3, Ev::Join(4)),
            (4, Ev::Login(1)),
            (5, Ev::Answer(1, 2)),
            (6, Ev::Hangup(1)),
            (7, Ev::Answer(1, 3)),
            (8, Ev::Hangup(1)),
        ],
        "
        4s offer c2 -> a1
        5s bridge c2 <-> a1
        6s offer c3 -> a1
        7s bridge c3 <-> a1
        8s offer c1 -> a1
        ",
    );
}

#[test]
fn ring_all_rings_every_free_agent_and_cancels_the_others_on_answer() {
    check(
        with_strategy(Strategy::RingAll),
        &[
            (0, Ev::Login(1)),
            (0, Ev::Login(2)),
            (0, Ev::Login(3)),
            (1, Ev::Join(1)),
            (3, Ev::Answer(2, 1)),
            (4, Ev::Join(2)),
        ],
        "
        1s offer c1 -> a1,a2,a3
        3s cancel c1 -> a1
        3s cancel c1 -> a3
        3s bridge c1 <-> a2
        4s offer c2 -> a1,a3
        ",
    );
}

#[test]
fn longest_idle_picks_the_agent_free_the_longest() {
    check(
        with_strategy(Strategy::LongestIdle),
        &[
            (0, Ev::Login(1)),
            (1, Ev::Login(2)),
            (2, Ev::Login(3)),
            (3, Ev::Join(1)),
            (4, Ev::Answer(1, 1)),
            (5, Ev::Join(2)),
            (6, Ev::Answer(2, 2)),
            (7, Ev::Hangup(1)),
            (8, Ev::Join(3)),
        ],
        "
        3s offer c1 -> a1
        4s bridge c1 <-> a1
        5s offer c2 -> a2
        6s bridge c2 <-> a2
        8s offer c3 -> a3
        ",
    );
}

#[test]
fn round_robin_rotates_past_the_last_agent_rung() {
    check(
        with_strategy(Strategy::RoundRobin),
        &[
            (0, Ev::Login(3)),
            (0, Ev::Login(1)),
            (0, Ev::Login(2)),
            (1, Ev::Join(1)),
            (2, Ev::Answer(1, 1)),
            (3, Ev::Hangup(1)),
            (4, Ev::Join(2)),
            (5, Ev::Answer(2, 2)),
            (6, Ev::Hangup(2)),
            (7, Ev::Join(3)),
            (8, Ev::Answer(3, 3)),
            (9, Ev::Hangup(3)),
            (10, Ev::Join(4)),
        ],
        "
        1s offer c1 -> a1
        2s bridge c1 <-> a1
        4s offer c2 -> a2
        5s bridge c2 <-> a2
        7s offer c3 -> a3
        8s bridge c3 <-> a3
        10s offer c4 -> a1
        ",
    );
}

#[test]
fn skills_strategy_prefers_the_best_level_then_longest_idle() {
    check(
        with_strategy(Strategy::Skills),
        &[
            (0, Ev::LoginSkilled(1, "banquets", 2)),
            (1, Ev::LoginSkilled(2, "banquets", 9)),
            (2, Ev::LoginSkilled(3, "delivery", 9)),
            (3, Ev::LoginSkilled(4, "banquets", 9)),
            (5, Ev::JoinSkill(1, "banquets")),
            (6, Ev::JoinSkill(2, "banquets")),
            (7, Ev::JoinSkill(3, "banquets")),
            (8, Ev::JoinSkill(4, "rooms")),
            (9, Ev::Join(5)),
        ],
        "
        5s offer c1 -> a2
        6s offer c2 -> a4
        7s offer c3 -> a1
        9s offer c5 -> a3
        ",
    );
}

#[test]
fn a_caller_nobody_can_serve_does_not_block_the_callers_behind() {
    check(
        with_strategy(Strategy::LongestIdle),
        &[
            (0, Ev::JoinSkill(1, "rooms")),
            (1, Ev::Join(2)),
            (2, Ev::Login(1)),
            (3, Ev::LoginSkilled(2, "rooms", 1)),
        ],
        "
        2s offer c2 -> a1
        3s offer c1 -> a2
        ",
    );
}

#[test]
fn ring_timeout_reoffers_the_caller_to_another_agent() {
    check(
        quiet_config(),
        &[
            (0, Ev::Login(1)),
            (1, Ev::Login(2)),
            (2, Ev::Join(1)),
            (20, Ev::Answer(2, 1)),
        ],
        "
        2s offer c1 -> a1
        17s cancel c1 -> a1
        17s offer c1 -> a2
        20s bridge c1 <-> a2
        ",
    );
}

#[test]
fn an_agent_who_does_not_answer_can_be_paused() {
    let config = QueueConfig {
        pause_on_no_answer: true,
        ..quiet_config()
    };
    check(
        config,
        &[
            (0, Ev::Login(1)),
            (1, Ev::Join(1)),
            (30, Ev::Wait),
            (40, Ev::Back(1)),
        ],
        "
        1s offer c1 -> a1
        16s cancel c1 -> a1
        40s offer c1 -> a1
        ",
    );
}

#[test]
fn a_declined_offer_moves_on_at_once() {
    check(
        quiet_config(),
        &[
            (0, Ev::Login(1)),
            (0, Ev::Login(2)),
            (1, Ev::Join(1)),
            (3, Ev::Decline(1, 1)),
        ],
        "
        1s offer c1 -> a1
        3s cancel c1 -> a1
        3s offer c1 -> a2
        ",
    );
}

#[test]
fn wrap_up_delays_the_next_offer() {
    let config = QueueConfig {
        wrap_up: Duration::from_secs(30),
        ..quiet_config()
    };
    check(
        config,
        &[
            (0, Ev::Login(1)),
            (0, Ev::Join(1)),
            (1, Ev::Answer(1, 1)),
            (2, Ev::Join(2)),
            (60, Ev::Hangup(1)),
            (100, Ev::Wait),
        ],
        "
        0s offer c1 -> a1
        1s bridge c1 <-> a1
        90s offer c2 -> a1
        ",
    );
}

#[test]
fn wrap_up_can_be_ended_early_by_the_agent() {
    let config = QueueConfig {
        wrap_up: Duration::from_secs(30),
        ..quiet_config()
    };
    check(
        config,
        &[
            (0, Ev::Login(1)),
            (0, Ev::Join(1)),
            (1, Ev::Answer(1, 1)),
            (2, Ev::Join(2)),
            (10, Ev::Hangup(1)),
            (15, Ev::Back(1)),
        ],
        "
        0s offer c1 -> a1
        1s bridge c1 <-> a1
        15s offer c2 -> a1
        ",
    );
}

#[test]
fn announcements_tell_position_and_default_estimate_on_schedule() {
    // Default handle time 180 s + no data yet; one agent staffed (busy).
    let config = QueueConfig {
        announce_every: Some(Duration::from_secs(30)),
        ..quiet_config()
    };
    check(
        config,
        &[
            (0, Ev::Login(1)),
            (0, Ev::Join(1)),
            (1, Ev::Answer(1, 1)),
            (10, Ev::Join(2)),
            (20, Ev::Join(3)),
            (75, Ev::Wait),
        ],
        "
        0s offer c1 -> a1
        1s bridge c1 <-> a1
        40s announce c2 #1 ~180s
        50s announce c3 #2 ~360s
        70s announce c2 #1 ~180s
        ",
    );
}

#[test]
fn the_estimate_follows_recent_handle_times_and_staffing() {
    let config = QueueConfig {
        announce_every: Some(Duration::from_secs(60)),
        wrap_up: Duration::from_secs(10),
        ..quiet_config()
    };
    // Two calls of 50 s talk + 10 s wrap-up: average handle time 60 s. Agent 1
    // then goes away, so one agent is staffed: position n waits n x 60 s.
    check(
        config,
        &[
            (0, Ev::Login(1)),
            (0, Ev::Login(2)),
            (0, Ev::Join(1)),
            (0, Ev::Join(2)),
            (1, Ev::Answer(1, 1)),
            (1, Ev::Answer(2, 2)),
            (51, Ev::Hangup(1)),
            (51, Ev::Hangup(2)),
            (52, Ev::Away(1)),
            (52, Ev::Join(3)),
            (52, Ev::Join(4)),
            (52, Ev::Join(5)),
            (62, Ev::Answer(2, 3)),
            (113, Ev::Wait),
        ],
        "
        0s offer c1 -> a1
        0s offer c2 -> a2
        1s bridge c1 <-> a1
        1s bridge c2 <-> a2
        61s offer c3 -> a2
        62s bridge c3 <-> a2
        112s announce c4 #1 ~60s
        112s announce c5 #2 ~120s
        ",
    );
}

#[test]
fn overflow_when_the_queue_is_full() {
    let config = QueueConfig {
        max_length: Some(2),
        overflow: OverflowAction::Number("+359888000111".into()),
        ..quiet_config()
    };
    check(
        config,
        &[
            (0, Ev::Join(1)),
            (1, Ev::Join(2)),
            (2, Ev::Join(3)),
            (3, Ev::Leave(1)),
            (4, Ev::Join(4)),
        ],
        r#"
        2s overflow c3 Number("+359888000111")
        "#,
    );
}

#[test]
fn overflow_after_the_maximum_wait_withdraws_a_ringing_offer() {
    let config = QueueConfig {
        max_wait: Some(Duration::from_secs(60)),
        ring_timeout: Duration::from_secs(20),
        overflow: OverflowAction::VoiceSelfOrder,
        ..quiet_config()
    };
    check(
        config,
        &[
            (0, Ev::Join(1)),
            (10, Ev::Join(2)),
            (50, Ev::Login(1)),
            (100, Ev::Wait),
        ],
        "
        50s offer c1 -> a1
        60s cancel c1 -> a1
        60s overflow c1 VoiceSelfOrder
        60s offer c2 -> a1
        70s cancel c2 -> a1
        70s overflow c2 VoiceSelfOrder
        ",
    );
}

#[test]
fn a_callback_task_keeps_its_place_in_order() {
    check(
        quiet_config(),
        &[
            (0, Ev::Join(1)),
            (1, Ev::Join(2)),
            (2, Ev::Callback(1)),
            (3, Ev::Join(3)),
            (10, Ev::Login(1)),
            (11, Ev::Answer(1, 1)),
            (50, Ev::Hangup(1)),
            (51, Ev::Answer(1, 2)),
        ],
        "
        10s offer-callback c1 -> a1
        11s call-back c1 <- a1
        50s offer c2 -> a1
        51s bridge c2 <-> a1
        ",
    );
}

#[test]
fn a_callback_request_withdraws_a_ringing_offer_and_stops_announcements() {
    let config = QueueConfig {
        announce_every: Some(Duration::from_secs(30)),
        max_wait: Some(Duration::from_secs(60)),
        ..quiet_config()
    };
    check(
        config,
        &[
            (0, Ev::Login(1)),
            (0, Ev::Join(1)),
            (1, Ev::Answer(1, 1)),
            (2, Ev::Join(2)),
            (10, Ev::Callback(2)),
            (100, Ev::Hangup(1)),
        ],
        "
        0s offer c1 -> a1
        1s bridge c1 <-> a1
        100s offer-callback c2 -> a1
        ",
    );
}

#[test]
fn a_caller_who_hangs_up_while_offered_frees_the_agent() {
    check(
        quiet_config(),
        &[
            (0, Ev::Login(1)),
            (0, Ev::Join(1)),
            (1, Ev::Join(2)),
            (3, Ev::Leave(1)),
        ],
        "
        0s offer c1 -> a1
        3s cancel c1 -> a1
        3s offer c2 -> a1
        ",
    );
}

#[test]
fn logging_out_while_ringing_moves_the_caller_on() {
    check(
        quiet_config(),
        &[
            (0, Ev::Login(1)),
            (0, Ev::Login(2)),
            (1, Ev::Join(1)),
            (2, Ev::Logout(1)),
        ],
        "
        1s offer c1 -> a1
        2s cancel c1 -> a1
        2s offer c1 -> a2
        ",
    );
}

#[test]
fn a_zero_ring_timeout_is_raised_to_the_floor() {
    let config = QueueConfig {
        ring_timeout: Duration::ZERO,
        ..quiet_config()
    };
    check(
        config,
        &[
            (0, Ev::Login(1)),
            (0, Ev::Login(2)),
            (0, Ev::Join(1)),
            (1, Ev::Wait),
        ],
        "
        0s offer c1 -> a1
        1s cancel c1 -> a1
        1s offer c1 -> a2
        ",
    );
}

#[test]
fn logging_in_again_during_a_call_cancels_the_pending_logout() {
    check(
        quiet_config(),
        &[
            (0, Ev::Login(1)),
            (0, Ev::Join(1)),
            (1, Ev::Answer(1, 1)),
            (2, Ev::Logout(1)),
            (3, Ev::Login(1)),
            (4, Ev::Join(2)),
            (10, Ev::Hangup(1)),
        ],
        "
        0s offer c1 -> a1
        1s bridge c1 <-> a1
        10s offer c2 -> a1
        ",
    );
}

#[test]
fn a_website_or_reloaded_callback_task_is_served_by_its_original_time() {
    // c9 asked for a callback at 5 s (before c2 joined at 10 s) but reached
    // this queue only at 20 s, e.g. reloaded after a restart.
    check(
        quiet_config(),
        &[
            (0, Ev::Join(1)),
            (10, Ev::Join(2)),
            (20, Ev::CallbackTask(9, 5)),
            (30, Ev::Login(1)),
            (31, Ev::Answer(1, 1)),
            (40, Ev::Hangup(1)),
            (41, Ev::Answer(1, 9)),
            (50, Ev::Hangup(1)),
        ],
        "
        30s offer c1 -> a1
        31s bridge c1 <-> a1
        40s offer-callback c9 -> a1
        41s call-back c9 <- a1
        50s offer c2 -> a1
        ",
    );
}
