//! Load measurement for one queue at its limits: `MAX_QUEUE_ENTRIES` callers
//! and `MAX_AGENTS_PER_QUEUE` agents, announcements every 30 s, driven by a
//! virtual clock. Two figures:
//! - burst: every agent becomes free at once (login), one poll makes 1,000 offers;
//! - steady: agents hang up one at a time; each hang-up costs one poll (a new
//!   offer, answered at once) plus `next_deadline`, the driver's per-event work.
//!
//! `cargo run --release -p wasmphony-acd --example queue_load`

use std::time::Duration;
use wasmphony_acd::limits::{MAX_AGENTS_PER_QUEUE, MAX_QUEUE_ENTRIES};
use wasmphony_acd::{
    Action, AgentId, AgentSpec, CallerId, DeviceId, Instant, JoinRequest, Queue, QueueConfig,
    QueueError,
};

fn answer_all(queue: &mut Queue, actions: Vec<Action>, now: Instant) -> Result<usize, QueueError> {
    let mut answered = 0;
    for action in actions {
        if let Action::Offer { caller, agents, .. } = action {
            for target in agents {
                queue.on_agent_answered(target.agent, caller, now)?;
                answered += 1;
            }
        }
    }
    Ok(answered)
}

fn main() -> Result<(), QueueError> {
    let config = QueueConfig {
        max_length: None,
        max_wait: None,
        wrap_up: Duration::ZERO,
        announce_every: Some(Duration::from_secs(30)),
        ..QueueConfig::default()
    };
    let mut queue = Queue::new(config);
    let mut now = Instant::ORIGIN;

    let started = std::time::Instant::now();
    for n in 0..MAX_QUEUE_ENTRIES as u64 {
        queue.join(CallerId(n), JoinRequest::default(), now)?;
    }
    let joins = started.elapsed();

    for id in 0..MAX_AGENTS_PER_QUEUE as u32 {
        let device = DeviceId::new(format!("sip:agent{id}@127.0.0.1"));
        queue.login(AgentSpec::new(AgentId(id), device), now)?;
    }
    let started = std::time::Instant::now();
    let actions = queue.poll(now);
    let burst = started.elapsed();
    let mut answered = answer_all(&mut queue, actions, now)?;

    let mut slowest = Duration::ZERO;
    let mut total = Duration::ZERO;
    let mut events = 0u32;
    while !queue.is_empty() {
        for id in 0..MAX_AGENTS_PER_QUEUE as u32 {
            now = now + Duration::from_millis(60);
            let started = std::time::Instant::now();
            queue.on_agent_hangup(AgentId(id), now)?;
            let actions = queue.poll(now);
            answered += answer_all(&mut queue, actions, now)?;
            let _ = queue.next_deadline();
            let spent = started.elapsed();
            slowest = slowest.max(spent);
            total += spent;
            events += 1;
        }
    }
    println!(
        "{MAX_QUEUE_ENTRIES} joins: {joins:?}; burst poll with {MAX_AGENTS_PER_QUEUE} offers: {burst:?}; \
         steady: {events} hang-ups, mean {:?}, slowest {slowest:?} per hang-up+poll+answer+next_deadline; \
         {answered} answered; virtual time {now}",
        total / events.max(1),
    );
    Ok(())
}
