//! Service-level counters and refused inputs, through one `check` helper that
//! runs a script and then compares the queue's counters.

mod support;

use std::time::Duration;
use support::{Ev, agent_spec, quiet_config, run};
use wasmphony_acd::limits::{MAX_AGENTS_PER_QUEUE, MAX_DEVICES_PER_AGENT, MAX_QUEUE_ENTRIES};
use wasmphony_acd::{
    Action, AgentId, AwayReason, CallerId, DeviceId, Instant, JoinRequest, Queue, QueueConfig,
    QueueError, ServiceStats,
};

#[track_caller]
fn check(config: QueueConfig, script: &[(u64, Ev)], expected: ServiceStats) -> Queue {
    let mut queue = Queue::new(config);
    run(&mut queue, script);
    assert_eq!(*queue.stats(), expected);
    queue
}

#[test]
fn service_level_counts_answers_within_the_threshold() {
    // Threshold 20 s: c1 answered after 5 s, c2 after 30 s, c3 abandons,
    // c4 asks for a callback and is called back, c5 overflows by length.
    let config = QueueConfig {
        max_length: Some(3),
        ..quiet_config()
    };
    let queue = check(
        config,
        &[
            (0, Ev::Join(1)),
            (0, Ev::Join(2)),
            (0, Ev::Join(3)),
            (1, Ev::Join(5)),
            (2, Ev::Callback(3)),
            (2, Ev::Join(4)),
            (3, Ev::Callback(4)),
            (3, Ev::Leave(3)),
            (4, Ev::Join(3)),
            (4, Ev::Leave(3)),
            (4, Ev::Login(1)),
            (5, Ev::Answer(1, 1)),
            (29, Ev::Hangup(1)),
            (30, Ev::Answer(1, 2)),
            (40, Ev::Hangup(1)),
            (41, Ev::Answer(1, 4)),
        ],
        ServiceStats {
            joined: 6,
            answered: 2,
            answered_within_threshold: 1,
            abandoned: 1,
            overflowed: 1,
            callbacks_requested: 2,
            callbacks_started: 1,
            offers_missed: 0,
            total_answered_wait: Duration::from_secs(35),
        },
    );
    assert_eq!(queue.stats().service_level(), Some(0.5));
    assert_eq!(queue.callback_tasks().count(), 0);
    assert!(queue.is_empty());
}

#[test]
fn missed_offers_are_counted() {
    check(
        quiet_config(),
        &[
            (0, Ev::Login(1)),
            (0, Ev::Join(1)),
            (15, Ev::Wait),
            (16, Ev::Decline(1, 1)),
        ],
        ServiceStats {
            joined: 1,
            offers_missed: 2,
            ..ServiceStats::default()
        },
    );
}

#[test]
fn the_hard_entry_limit_overflows_even_without_a_max_length() {
    let mut queue = Queue::new(quiet_config());
    let now = Instant::ORIGIN;
    for n in 0..=MAX_QUEUE_ENTRIES as u64 {
        queue
            .join(CallerId(n), JoinRequest::default(), now)
            .expect("join");
    }
    let actions = queue.poll(now);
    assert_eq!(queue.len(), MAX_QUEUE_ENTRIES);
    assert_eq!(
        queue.add_callback_task(CallerId(u64::MAX), JoinRequest::default(), now),
        Err(QueueError::QueueFull)
    );
    assert!(
        matches!(actions.as_slice(), [Action::Overflow { caller, .. }] if caller.0 == MAX_QUEUE_ENTRIES as u64)
    );
}

#[test]
fn refused_inputs_leave_the_queue_unchanged() {
    let now = Instant::ORIGIN;
    let mut queue = Queue::new(quiet_config());
    queue.login(agent_spec(1), now).expect("login");
    queue
        .join(CallerId(1), JoinRequest::default(), now)
        .expect("join");
    queue.poll(now);

    assert_eq!(
        queue.login(agent_spec(1), now),
        Err(QueueError::AlreadyLoggedIn(AgentId(1)))
    );
    assert_eq!(
        queue.join(CallerId(1), JoinRequest::default(), now),
        Err(QueueError::AlreadyQueued(CallerId(1)))
    );
    assert_eq!(
        queue.on_agent_answered(AgentId(1), CallerId(2), now),
        Err(QueueError::NoSuchOffer {
            agent: AgentId(1),
            caller: CallerId(2)
        })
    );
    assert_eq!(
        queue.on_agent_hangup(AgentId(1), now),
        Err(QueueError::NotOnCall(AgentId(1)))
    );
    assert_eq!(
        queue.leave(CallerId(7), now),
        Err(QueueError::UnknownCaller(CallerId(7)))
    );
    assert_eq!(
        queue.set_available(AgentId(9), now),
        Err(QueueError::UnknownAgent(AgentId(9)))
    );

    queue
        .on_agent_answered(AgentId(1), CallerId(1), now)
        .expect("answer");
    assert_eq!(
        queue.set_away(AgentId(1), AwayReason::Break, now),
        Err(QueueError::AgentOnCall(AgentId(1)))
    );
    // A late answer after the caller was bridged is refused too.
    assert!(
        queue
            .on_agent_answered(AgentId(1), CallerId(1), now)
            .is_err()
    );
    assert_eq!(
        queue.poll(now),
        vec![Action::Bridge {
            caller: CallerId(1),
            agent: AgentId(1)
        }]
    );
}

#[test]
fn agent_limits_are_enforced() {
    let now = Instant::ORIGIN;
    let mut queue = Queue::new(quiet_config());
    let mut no_device = agent_spec(1);
    no_device.devices.clear();
    assert_eq!(
        queue.login(no_device, now),
        Err(QueueError::InvalidAgent(AgentId(1)))
    );
    let mut many_devices = agent_spec(1);
    many_devices.devices = (0..=MAX_DEVICES_PER_AGENT)
        .map(|n| DeviceId::new(format!("dev{n}")))
        .collect();
    assert_eq!(
        queue.login(many_devices, now),
        Err(QueueError::InvalidAgent(AgentId(1)))
    );
    for id in 0..MAX_AGENTS_PER_QUEUE as u32 {
        queue.login(agent_spec(id), now).expect("login");
    }
    assert_eq!(
        queue.login(agent_spec(u32::MAX), now),
        Err(QueueError::TooManyAgents)
    );
}

#[test]
fn callback_tasks_are_listed_in_service_order_with_their_times() {
    let mut queue = Queue::new(quiet_config());
    let at = Instant::from_secs;
    queue
        .join(CallerId(1), JoinRequest::default(), at(0))
        .expect("join");
    queue
        .join(CallerId(2), JoinRequest::default(), at(10))
        .expect("join");
    queue
        .add_callback_task(CallerId(3), JoinRequest::default(), at(5))
        .expect("task");
    queue
        .request_callback(CallerId(2), at(20))
        .expect("callback");
    let tasks: Vec<(CallerId, Instant)> = queue.callback_tasks().collect();
    assert_eq!(tasks, vec![(CallerId(3), at(5)), (CallerId(2), at(10))]);
    assert_eq!(queue.position(CallerId(2)), Some(3));
    assert_eq!(queue.live_len(), 1);
    assert!(queue.is_callback(CallerId(3)));
    assert_eq!(
        queue.request_callback(CallerId(3), at(21)),
        Err(QueueError::CallbackNotPossible(CallerId(3)))
    );
}
