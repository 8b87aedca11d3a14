//! A virtual-clock driver for the queue core, shared by the queue tests.
//! It behaves like the server's shell: apply an input, poll, sleep until the
//! next deadline — but time jumps instead of passing.

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;
use wasmphony_acd::{
    Action, AgentId, AgentSpec, AwayReason, CallerId, DeviceId, Instant, JoinRequest, Priority,
    Queue, QueueConfig, Skill, SkillLevel,
};

/// One scripted input.
#[derive(Debug, Clone)]
pub enum Ev {
    Login(u32),
    LoginSkilled(u32, &'static str, u8),
    Logout(u32),
    Away(u32),
    Back(u32),
    Join(u64),
    JoinPriority(u64, u8),
    JoinSkill(u64, &'static str),
    Leave(u64),
    Callback(u64),
    /// A callback task placed at the given second (website request, reload).
    CallbackTask(u64, u64),
    Answer(u32, u64),
    Decline(u32, u64),
    Hangup(u32),
    /// Only advance time (fires deadlines up to here).
    Wait,
}

pub fn agent_spec(id: u32) -> AgentSpec {
    AgentSpec::new(
        AgentId(id),
        DeviceId::new(format!("sip:agent{id}@127.0.0.1")),
    )
}

/// Drives `queue` through `script` (times in seconds, ascending) and returns
/// the log of actions, one per line, each prefixed by the time it happened.
pub fn run(queue: &mut Queue, script: &[(u64, Ev)]) -> String {
    let mut log = Vec::new();
    for (secs, event) in script {
        let at = Instant::from_secs(*secs);
        advance_to(queue, at, &mut log);
        apply(queue, event, at).unwrap_or_else(|error| panic!("{event:?} at {at}: {error}"));
        record(queue, at, &mut log);
    }
    log.join("\n")
}

/// Polls every deadline up to and including `until`, logging the actions.
pub fn advance_to(queue: &mut Queue, until: Instant, log: &mut Vec<String>) {
    while let Some(deadline) = queue.next_deadline() {
        if deadline > until {
            break;
        }
        record(queue, deadline, log);
    }
}

fn record(queue: &mut Queue, at: Instant, log: &mut Vec<String>) {
    for action in queue.poll(at) {
        log.push(format!("{at} {action}"));
    }
}

pub fn apply(queue: &mut Queue, event: &Ev, at: Instant) -> Result<(), wasmphony_acd::QueueError> {
    let skill = |name: &str| Some(Skill::new(name));
    match *event {
        Ev::Login(id) => queue.login(agent_spec(id), at),
        Ev::LoginSkilled(id, name, level) => queue.login(
            agent_spec(id).with_skill(Skill::new(name), SkillLevel(level)),
            at,
        ),
        Ev::Logout(id) => queue.logout(AgentId(id), at),
        Ev::Away(id) => queue.set_away(AgentId(id), AwayReason::Break, at),
        Ev::Back(id) => queue.set_available(AgentId(id), at),
        Ev::Join(c) => queue.join(CallerId(c), JoinRequest::default(), at),
        Ev::JoinPriority(c, p) => queue.join(
            CallerId(c),
            JoinRequest {
                priority: Priority(p),
                skill: None,
            },
            at,
        ),
        Ev::JoinSkill(c, name) => queue.join(
            CallerId(c),
            JoinRequest {
                priority: Priority(0),
                skill: skill(name),
            },
            at,
        ),
        Ev::Leave(c) => queue.leave(CallerId(c), at),
        Ev::Callback(c) => queue.request_callback(CallerId(c), at),
        Ev::CallbackTask(c, placed) => queue.add_callback_task(
            CallerId(c),
            JoinRequest::default(),
            Instant::from_secs(placed),
        ),
        Ev::Answer(a, c) => queue.on_agent_answered(AgentId(a), CallerId(c), at),
        Ev::Decline(a, c) => queue.on_agent_declined(AgentId(a), CallerId(c), at),
        Ev::Hangup(a) => queue.on_agent_hangup(AgentId(a), at),
        Ev::Wait => Ok(()),
    }
}

/// A configuration with everything time-driven switched off unless a test
/// turns it on, so each test's log shows only what it is about.
pub fn quiet_config() -> QueueConfig {
    QueueConfig {
        ring_timeout: Duration::from_secs(15),
        wrap_up: Duration::ZERO,
        max_wait: None,
        max_length: None,
        announce_every: None,
        ..QueueConfig::default()
    }
}

pub fn is_offer(action: &Action) -> bool {
    matches!(action, Action::Offer { .. })
}
