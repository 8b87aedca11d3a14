//! Every virtual-time rule, driving [`SimCall`] directly.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use wasmphony_engine::CallControl;
use wasmphony_engine::api::{
    CallError, CollectOptions, DialOptions, DialStrategy, DialTarget, EnqueueOptions, Prompt,
    QueueOutcome, RecordOptions,
};

use super::SimCall;
use crate::disposition::Disposition;
use crate::pace::Pace;
use crate::script::{Script, Strategy};
use crate::services::SimServices;
use crate::time::VirtualTime;
use crate::timeline::Happening;

fn call(extra: &str) -> SimCall {
    let text = format!(
        "scenario: x.wasm\ncaller: {{ number: \"+359888123456\" }}\ndialed: \"+35924001000\"\n\
         prompts: {{ greeting: 6.5, short: 1 }}\n{extra}"
    );
    let script = Script::parse(&text, Path::new("test.yaml")).unwrap();
    SimCall::new(Arc::new(script), Pace::Virtual)
}

fn at(seconds: f64) -> VirtualTime {
    VirtualTime::from_secs_f64(seconds)
}

fn file(name: &str) -> Prompt {
    Prompt::File(name.into())
}

fn collect(min: u8, max: u8, prompt: Vec<Prompt>) -> CollectOptions {
    CollectOptions {
        min_digits: min,
        max_digits: max,
        terminators: "#".into(),
        first_digit_timeout_ms: 5_000,
        inter_digit_timeout_ms: 2_000,
        prompt,
    }
}

fn dial(targets: &[&str], strategy: DialStrategy, ring: u32) -> DialOptions {
    DialOptions {
        targets: targets
            .iter()
            .map(|t| DialTarget::Extension(t.to_string()))
            .collect(),
        strategy,
        ring_timeout_seconds: ring,
        caller_id: None,
        record: false,
    }
}

fn enqueue(queue: &str, announce: u32, max_wait: u32) -> EnqueueOptions {
    EnqueueOptions {
        queue: queue.into(),
        priority: 0,
        announce_every_seconds: announce,
        max_wait_seconds: max_wait,
        callback_key: Some("1".into()),
    }
}

fn disposition(call: &SimCall) -> Disposition {
    call.journal().facts().outcomes.disposition()
}

#[tokio::test]
async fn a_key_barges_into_an_interruptible_prompt() {
    let mut call = call("actions: [{ at: 3, press: \"2\" }]");
    let key = call.play(vec![file("greeting")], true).await.unwrap();
    assert_eq!(key.as_deref(), Some("2"));
    assert_eq!(call.journal().now(), at(3.0));
}

#[tokio::test]
async fn a_key_during_an_uninterruptible_prompt_is_dropped() {
    let mut call = call("actions: [{ at: 3, press: \"2\" }]");
    assert_eq!(
        call.play(vec![file("greeting")], false).await.unwrap(),
        None
    );
    assert_eq!(call.journal().now(), at(6.5));
    let result = call.collect(collect(1, 1, vec![])).await;
    assert_eq!(result, Err(CallError::Timeout));
    assert_eq!(call.journal().now(), at(11.5));
    let timeline = call.journal().timeline();
    assert!(timeline.iter().any(|e| e.at == at(3.0)
        && e.what
            == Happening::CallerPresses {
                key: '2',
                heard: false
            }));
}

#[tokio::test]
async fn a_key_in_the_collect_prompt_is_the_first_digit() {
    let mut call = call("actions: [{ at: 3, press: \"2\" }]");
    let digits = call
        .collect(collect(1, 1, vec![file("greeting")]))
        .await
        .unwrap();
    assert_eq!(digits, "2");
    assert_eq!(call.journal().now(), at(3.0));
    assert_eq!(call.journal().facts().collected, vec!["2".to_string()]);
}

#[tokio::test]
async fn the_first_digit_timeout_runs_from_the_end_of_the_prompt() {
    let mut call = call("actions: [{ at: 6.4, press: \"1\" }]");
    // The key at 6.4 s lands in an uninterruptible prompt ending at 6.5 s...
    assert_eq!(
        call.play(vec![file("greeting")], false).await.unwrap(),
        None
    );
    // ...and a collect without prompt then waits its full 5 s.
    assert_eq!(
        call.collect(collect(1, 1, vec![])).await,
        Err(CallError::Timeout)
    );
    assert_eq!(call.journal().now(), at(11.5));

    let mut call = super::tests::call("actions: [{ at: 11, press: \"1\" }]");
    let digits = call
        .collect(collect(1, 1, vec![file("greeting")]))
        .await
        .unwrap();
    assert_eq!((digits.as_str(), call.journal().now()), ("1", at(11.0)));
}

#[tokio::test]
async fn the_inter_digit_timeout_ends_input() {
    let mut call = call("actions: [{ at: 1, press: \"12\" }, { at: 5, press: \"3\" }]");
    let digits = call.collect(collect(1, 4, vec![])).await.unwrap();
    assert_eq!(digits, "12");
    // The second key came at 1.3 s; input ended 2 s later.
    assert_eq!(call.journal().now(), at(3.3));
    // The later key is left for the next collect.
    assert_eq!(call.collect(collect(1, 4, vec![])).await.unwrap(), "3");
}

#[tokio::test]
async fn a_terminator_ends_input_and_is_not_returned() {
    let mut call = call("actions: [{ at: 1, press: \"45#\" }]");
    assert_eq!(call.collect(collect(1, 4, vec![])).await.unwrap(), "45");
    assert_eq!(call.journal().now(), at(1.6));
}

#[tokio::test]
async fn too_few_digits_are_a_timeout() {
    let mut call = call("actions: [{ at: 1, press: \"1#\" }]");
    assert_eq!(
        call.collect(collect(2, 4, vec![])).await,
        Err(CallError::Timeout)
    );
    assert!(call.journal().facts().collected.is_empty());
    let mut call = super::tests::call("");
    assert_eq!(call.collect(collect(0, 4, vec![])).await.unwrap(), "");
}

#[tokio::test]
async fn max_digits_ends_input_at_once() {
    let mut call = call("actions: [{ at: 1, press: \"1234\" }]");
    assert_eq!(call.collect(collect(1, 3, vec![])).await.unwrap(), "123");
    assert_eq!(call.journal().now(), at(1.6));
    assert_eq!(call.collect(collect(1, 3, vec![])).await.unwrap(), "4");
}

#[tokio::test]
async fn a_hangup_mid_prompt_ends_every_later_operation() {
    let mut call = call("actions: [{ at: 1, hangup: true }]");
    assert_eq!(
        call.play(vec![file("greeting")], false).await,
        Err(CallError::Hangup)
    );
    assert_eq!(call.journal().now(), at(1.0));
    assert_eq!(
        call.collect(collect(1, 1, vec![])).await,
        Err(CallError::Hangup)
    );
    assert_eq!(
        call.dial(dial(&["201"], DialStrategy::Parallel, 20)).await,
        Err(CallError::Hangup)
    );
    // Bookkeeping after the hang-up still works.
    assert_eq!(call.tag("late".into()).await, Ok(()));
    assert_eq!(call.journal().now(), at(1.0));
    assert_eq!(disposition(&call), Disposition::Missed);
}

#[tokio::test]
async fn a_hangup_during_collect_is_reported() {
    let mut call = call("actions: [{ at: 1, press: \"1\" }, { at: 2, hangup: true }]");
    assert_eq!(
        call.collect(collect(1, 4, vec![])).await,
        Err(CallError::Hangup)
    );
    assert_eq!(call.journal().now(), at(2.0));
}

#[tokio::test]
async fn parallel_dial_takes_the_first_answer() {
    let mut call = call(
        "targets:\n  \"201\": { answer_after: 5, talk: 10 }\n  \"202\": { answer_after: 3, talk: 20 }\n",
    );
    let outcome = call
        .dial(dial(&["201", "202"], DialStrategy::Parallel, 20))
        .await
        .unwrap();
    assert_eq!(outcome.answered_by, "202");
    assert_eq!(outcome.talk_seconds, 20);
    assert!(!outcome.caller_hung_up);
    assert_eq!(call.journal().now(), at(23.0));
    let facts = call.journal().facts();
    assert_eq!(
        facts.dials[0].targets,
        vec!["201".to_string(), "202".to_string()]
    );
    assert_eq!(facts.dials[0].strategy, Strategy::Parallel);
    assert_eq!(disposition(&call), Disposition::Answered);
}

#[tokio::test]
async fn parallel_dial_gives_up_at_the_ring_timeout() {
    let mut call = call("targets:\n  \"201\": { answer_after: 40 }\n  \"202\": busy\n");
    let result = call
        .dial(dial(&["201", "202"], DialStrategy::Parallel, 20))
        .await;
    assert_eq!(result, Err(CallError::NoAnswer));
    assert_eq!(call.journal().now(), at(20.0));
}

#[tokio::test]
async fn all_busy_fails_at_once() {
    let mut call = call("targets:\n  \"*\": busy\n");
    let result = call
        .dial(dial(&["201", "202"], DialStrategy::Parallel, 20))
        .await;
    assert_eq!(result, Err(CallError::Busy));
    let result = call
        .dial(dial(&["201", "202"], DialStrategy::Sequential, 20))
        .await;
    assert_eq!(result, Err(CallError::Busy));
    assert_eq!(call.journal().now(), at(0.0));
}

#[tokio::test]
async fn sequential_dial_rings_one_target_after_another() {
    let mut call = call(
        "targets:\n  \"209\": busy\n  \"210\": no-answer\n  \"211\": { answer_after: 4, talk: 30 }\n",
    );
    let outcome = call
        .dial(dial(&["209", "210", "211"], DialStrategy::Sequential, 15))
        .await
        .unwrap();
    assert_eq!(outcome.answered_by, "211");
    // 209 busy at once, 210 rings 15 s, 211 answers 4 s later and talks 30 s.
    assert_eq!(call.journal().now(), at(49.0));
    let timeline = call.journal().timeline();
    assert!(
        timeline
            .iter()
            .any(|e| e.at == at(15.0) && e.what == Happening::TargetNoAnswer("210".into()))
    );
    assert!(
        timeline
            .iter()
            .any(|e| e.at == at(19.0) && e.what == Happening::TargetAnswers("211".into()))
    );
}

#[tokio::test]
async fn hanging_up_while_ringing_abandons_the_call() {
    let mut call =
        call("actions: [{ at: 8, hangup: true }]\ntargets:\n  \"201\": { answer_after: 10 }\n");
    let result = call.dial(dial(&["201"], DialStrategy::Parallel, 20)).await;
    assert_eq!(result, Err(CallError::Hangup));
    assert_eq!(call.journal().now(), at(8.0));
    assert_eq!(disposition(&call), Disposition::Abandoned);
}

#[tokio::test]
async fn the_caller_hanging_up_mid_conversation_is_reported_in_the_outcome() {
    let mut call = call(
        "actions: [{ at: 12, hangup: true }]\ntargets:\n  \"201\": { answer_after: 2, talk: 60 }\n",
    );
    let outcome = call
        .dial(dial(&["201"], DialStrategy::Parallel, 20))
        .await
        .unwrap();
    assert!(outcome.caller_hung_up);
    assert_eq!(outcome.talk_seconds, 10);
    assert_eq!(disposition(&call), Disposition::Answered);
}

#[tokio::test]
async fn the_assigned_manager_resolves_through_the_callers_card() {
    let text = "caller: { number: \"+359888123456\", contact: { assigned_manager: \"105\" } }\n\
                targets:\n  \"105\": { answer_after: 1, talk: 5 }\n";
    let script = Script::parse(
        &format!("scenario: x.wasm\ndialed: \"1000\"\n{text}"),
        Path::new("t.yaml"),
    )
    .unwrap();
    let services = Arc::new(SimServices::from_script(&script));
    let mut call = SimCall::new(Arc::new(script), Pace::Virtual).with_services(services);
    let mut options = dial(&[], DialStrategy::Parallel, 20);
    options.targets = vec![DialTarget::AssignedManager];
    let outcome = call.dial(options.clone()).await.unwrap();
    assert_eq!(outcome.answered_by, "105");
    assert_eq!(
        call.journal().facts().dials[0].targets,
        vec!["105".to_string()]
    );

    let mut stranger = super::tests::call("");
    assert!(matches!(
        stranger.dial(options).await,
        Err(CallError::NotFound(_))
    ));
}

#[tokio::test]
async fn a_queue_announces_positions_until_an_agent_answers() {
    let mut call =
        call("queues:\n  kitchen: { answer_after: 70, agent: \"301\", talk: 10, position: 3 }\n");
    let outcome = call.enqueue(enqueue("kitchen", 30, 120)).await.unwrap();
    let QueueOutcome::Answered(outcome) = outcome else {
        panic!("expected an answer, got {outcome:?}")
    };
    assert_eq!(outcome.answered_by, "301");
    assert_eq!(call.journal().now(), at(80.0));
    let positions: Vec<(VirtualTime, u32)> = call
        .journal()
        .timeline()
        .iter()
        .filter_map(|e| match &e.what {
            Happening::QueuePosition { position, .. } => Some((e.at, *position)),
            _ => None,
        })
        .collect();
    assert_eq!(positions, vec![(at(30.0), 3), (at(60.0), 2)]);
    assert_eq!(disposition(&call), Disposition::Answered);
}

#[tokio::test]
async fn a_queue_overflows_at_the_wait_limit() {
    let mut call = call("queues:\n  kitchen: { answer_after: 70 }\n");
    assert_eq!(
        call.enqueue(enqueue("kitchen", 0, 45)).await.unwrap(),
        QueueOutcome::Overflow
    );
    assert_eq!(call.journal().now(), at(45.0));
    // A queue the script does not describe overflows at its own limit.
    let mut call = super::tests::call("");
    assert_eq!(
        call.enqueue(enqueue("other", 0, 0)).await.unwrap(),
        QueueOutcome::Overflow
    );
    assert_eq!(
        call.journal().now(),
        at(crate::DEFAULT_QUEUE_MAX_WAIT_SECONDS as f64)
    );
    assert_eq!(disposition(&call), Disposition::Missed);
}

#[tokio::test]
async fn a_full_queue_refuses_at_once() {
    let mut call = call("queues:\n  kitchen: full\n");
    assert_eq!(
        call.enqueue(enqueue("kitchen", 30, 120)).await.unwrap(),
        QueueOutcome::Overflow
    );
    assert_eq!(call.journal().now(), at(0.0));
}

#[tokio::test]
async fn the_callback_key_leaves_the_queue() {
    let mut call = call(
        "actions: [{ at: 5, press: \"7\" }, { at: 10, press: \"1\" }]\nqueues:\n  kitchen: overflow\n",
    );
    assert_eq!(
        call.enqueue(enqueue("kitchen", 30, 120)).await.unwrap(),
        QueueOutcome::CallbackRequested
    );
    assert_eq!(call.journal().now(), at(10.0));
    assert_eq!(call.journal().facts().queue_callbacks, 1);
    assert_eq!(disposition(&call), Disposition::CallbackRequested);
}

#[tokio::test]
async fn hanging_up_in_a_queue_abandons_the_call() {
    let mut call =
        call("actions: [{ at: 50, hangup: true }]\nqueues:\n  kitchen: { answer_after: 70 }\n");
    assert_eq!(
        call.enqueue(enqueue("kitchen", 30, 120)).await,
        Err(CallError::Hangup)
    );
    assert_eq!(disposition(&call), Disposition::Abandoned);
}

fn record(max: u32) -> RecordOptions {
    RecordOptions {
        max_seconds: max,
        silence_seconds: 5,
        beep: true,
        terminators: "#".into(),
    }
}

#[tokio::test]
async fn recording_stops_on_terminator_maximum_or_hangup() {
    let mut call = call("actions: [{ at: 5, press: \"#\" }, { at: 50, hangup: true }]");
    assert_eq!(call.record(record(120)).await.unwrap(), "rec-1");
    assert_eq!(call.journal().now(), at(5.0));
    assert_eq!(call.record(record(10)).await.unwrap(), "rec-2");
    // Beep (0.3 s) then 10 s.
    assert_eq!(call.journal().now(), at(15.3));
    assert_eq!(call.record(record(120)).await.unwrap(), "rec-3");
    assert_eq!(call.journal().now(), at(50.0));
    assert_eq!(call.record(record(120)).await, Err(CallError::Hangup));
    assert_eq!(disposition(&call), Disposition::Voicemail);
}

#[tokio::test]
async fn transfer_hands_the_call_away() {
    let mut call = call("");
    call.transfer(DialTarget::Number("+359888000111".into()))
        .await
        .unwrap();
    assert_eq!(
        call.play(vec![file("short")], false).await,
        Err(CallError::Hangup)
    );
    assert_eq!(
        call.journal().facts().transfers,
        vec!["+359888000111".to_string()]
    );
    assert_eq!(disposition(&call), Disposition::Transferred);
}

#[tokio::test]
async fn vars_dtmf_and_the_clock_are_recorded() {
    let mut call = call("vars: { customer: \"+1\" }\ntime: \"2026-11-23T23:59:58+02:00\"\n");
    assert_eq!(call.get_var("customer").as_deref(), Some("+1"));
    call.set_var("branch".into(), "center".into());
    assert_eq!(call.var_count(), 2);
    call.send_dtmf("12".into()).await.unwrap();
    call.play(vec![file("short")], false).await.unwrap();
    let now = call.now();
    // 0.2 s of DTMF + 1 s of prompt after 23:59:58 local.
    assert_eq!(
        (now.day, now.hour, now.minute, now.second),
        (23, 23, 59, 59)
    );
    call.play(vec![file("short")], false).await.unwrap();
    assert_eq!(
        (call.now().day, call.now().weekday, call.now().hour),
        (24, 2, 0)
    );
    call.hangup(wasmphony_engine::api::HangupCause::Normal)
        .await;
    assert_eq!(disposition(&call), Disposition::Completed);
}

#[tokio::test]
async fn a_ten_minute_call_takes_no_real_time() {
    let mut call = call("queues:\n  kitchen: { answer_after: 300, talk: 300 }\n");
    let started = std::time::Instant::now();
    call.enqueue(enqueue("kitchen", 30, 600)).await.unwrap();
    assert_eq!(call.journal().now(), at(600.0));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn sleep_pace_waits_in_real_time() {
    let text =
        "scenario: x.wasm\ncaller: { number: \"1\" }\ndialed: \"2\"\nprompts: { long: 10 }\n";
    let script = Arc::new(Script::parse(text, Path::new("t.yaml")).unwrap());
    let pace = Pace::Sleep {
        real_per_virtual_second: Duration::from_millis(100),
    };
    let mut call = SimCall::new(script, pace);
    let started = tokio::time::Instant::now();
    call.play(vec![file("long")], false).await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(1));
}

#[tokio::test]
async fn an_outbound_call_starts_answered_from_the_tenant_number() {
    let mut call = call("world: outbound-call\nsource: google-ads\n");
    let info = call.info();
    assert_eq!(info.direction, wasmphony_engine::api::Direction::Outbound);
    assert_eq!(
        (info.from.as_str(), info.to.as_str()),
        ("+35924001000", "+359888123456")
    );
    assert_eq!(info.source.as_deref(), Some("google-ads"));
    call.answer().await.unwrap();
    assert!(
        !call
            .journal()
            .timeline()
            .iter()
            .any(|e| e.what == Happening::Answered)
    );
}

#[tokio::test]
async fn a_guest_failure_goes_on_the_timeline_in_one_line() {
    let mut call = call("");
    call.on_guest_failure("guest trapped: error while executing at wasm backtrace:\n  0: x\n  1: <f>: wasm trap: boom");
    let timeline = call.journal().timeline();
    assert_eq!(
        timeline.last().unwrap().what,
        Happening::GuestFailed("guest trapped: wasm trap: boom".into())
    );
    assert_eq!(disposition(&call), Disposition::Failed);
}
