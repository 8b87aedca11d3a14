//! Property test: over random event sequences (seeded, reproducible), no
//! caller is lost, none is offered to two agents at once outside ring-all,
//! no agent rings for two callers, and every joined caller ends exactly once:
//! bridged, overflowed, left, or called back.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use support::agent_spec;
use wasmphony_acd::{
    Action, AgentId, AgentState, AwayReason, CallerId, Instant, JoinRequest, Priority, Queue,
    QueueConfig, Skill, SkillLevel, Strategy,
};

/// splitmix64: small, seedable, good enough to shuffle test inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        (!items.is_empty()).then(|| items[self.below(items.len() as u64) as usize])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Bridged,
    Overflowed,
    Left,
    CalledBack,
}

/// The driver's view, rebuilt only from actions, checked against invariants.
struct Observer {
    strategy: Strategy,
    ringing: BTreeMap<AgentId, CallerId>,
    ended: BTreeMap<CallerId, End>,
    joined: BTreeSet<CallerId>,
    /// Callers added as callback tasks rather than joining live.
    web_tasks: u64,
    /// The time of the poll whose actions are being seen.
    now: Instant,
    offered_at: BTreeMap<CallerId, Instant>,
    live_joined_at: BTreeMap<CallerId, Instant>,
}

impl Observer {
    fn end(&mut self, caller: CallerId, how: End) {
        assert!(
            self.joined.contains(&caller),
            "{caller} ended ({how:?}) without joining"
        );
        if let Some(before) = self.ended.insert(caller, how) {
            panic!("{caller} ended twice: {before:?} then {how:?}");
        }
        assert!(
            !self.ringing.values().any(|rung| *rung == caller),
            "{caller} ended while still ringing an agent"
        );
    }

    fn see(&mut self, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::Offer { caller, agents, .. } => {
                    self.offered_at.insert(caller, self.now);
                    assert!(
                        !self.ended.contains_key(&caller),
                        "offer for finished {caller}"
                    );
                    if self.strategy != Strategy::RingAll {
                        assert_eq!(agents.len(), 1, "{caller} offered to several agents");
                    }
                    assert!(
                        !self.ringing.values().any(|rung| *rung == caller),
                        "{caller} offered twice at once"
                    );
                    for target in agents {
                        assert!(!target.devices.is_empty());
                        let previous = self.ringing.insert(target.agent, caller);
                        assert!(previous.is_none(), "{} rung for two callers", target.agent);
                    }
                }
                Action::CancelOffer { caller, agent } => {
                    assert_eq!(
                        self.ringing.remove(&agent),
                        Some(caller),
                        "cancel without offer"
                    );
                }
                Action::Bridge { caller, agent } | Action::CallBack { caller, agent } => {
                    assert_eq!(
                        self.ringing.remove(&agent),
                        Some(caller),
                        "bridge without offer"
                    );
                    let how = if matches!(action, Action::Bridge { .. }) {
                        End::Bridged
                    } else {
                        End::CalledBack
                    };
                    self.end(caller, how);
                }
                Action::Overflow { caller, .. } => self.end(caller, End::Overflowed),
                Action::Announce {
                    caller, position, ..
                } => {
                    assert!(
                        !self.ended.contains_key(&caller),
                        "announcement to finished {caller}"
                    );
                    assert!(position >= 1);
                }
            }
        }
    }
}

const AGENTS: u32 = 4;

fn config_for(strategy: Strategy, rng: &mut Rng) -> QueueConfig {
    QueueConfig {
        strategy,
        ring_timeout: Duration::from_secs(5 + rng.below(20)),
        wrap_up: Duration::from_secs(rng.below(30)),
        pause_on_no_answer: rng.below(2) == 0,
        max_wait: (rng.below(3) > 0).then(|| Duration::from_secs(30 + rng.below(300))),
        max_length: (rng.below(2) == 0).then(|| 1 + rng.below(10) as usize),
        announce_every: Some(Duration::from_secs(10 + rng.below(40))),
        ..QueueConfig::default()
    }
}

fn poll_until(queue: &mut Queue, observer: &mut Observer, until: Instant) {
    while let Some(deadline) = queue.next_deadline().filter(|deadline| *deadline <= until) {
        observer.now = deadline;
        observer.see(queue.poll(deadline));
    }
    observer.now = until;
    observer.see(queue.poll(until));
}

/// Timers are never missed: no live caller waits past the maximum wait and
/// no offer rings past the ring timeout.
fn check_timers(queue: &Queue, observer: &Observer, now: Instant) {
    let config = queue.config();
    if let Some(max_wait) = config.max_wait {
        for (caller, joined_at) in &observer.live_joined_at {
            if queue.contains(*caller) && !queue.is_callback(*caller) {
                assert!(
                    now < *joined_at + max_wait,
                    "{caller} waited past the maximum wait"
                );
            }
        }
    }
    for caller in observer.ringing.values() {
        let offered_at = observer.offered_at[caller];
        assert!(
            now < offered_at + config.ring_timeout,
            "offer for {caller} rang past the timeout"
        );
    }
}

fn random_input(
    queue: &mut Queue,
    observer: &mut Observer,
    rng: &mut Rng,
    next_caller: &mut u64,
    now: Instant,
) {
    let ringing: Vec<(AgentId, CallerId)> =
        observer.ringing.iter().map(|(a, c)| (*a, *c)).collect();
    let waiting: Vec<CallerId> = observer
        .joined
        .iter()
        .copied()
        .filter(|c| !observer.ended.contains_key(c) && queue.contains(*c))
        .collect();
    let agent = AgentId(1 + rng.below(u64::from(AGENTS)) as u32);
    // Errors are fine (stale or impossible inputs); the state must stay consistent.
    let _ = match rng.below(12) {
        0..=2 => {
            let caller = CallerId(*next_caller);
            *next_caller += 1;
            observer.joined.insert(caller);
            let skill = (rng.below(4) == 0).then(|| Skill::new("vip"));
            let request = JoinRequest {
                priority: Priority(rng.below(3) as u8),
                skill,
            };
            if rng.below(5) == 0 {
                // A website callback request, placed up to a minute ago.
                let placed_at =
                    Instant::from_millis(now.as_millis().saturating_sub(rng.below(60_000)));
                observer.web_tasks += 1;
                queue.add_callback_task(caller, request, placed_at)
            } else {
                observer.live_joined_at.insert(caller, now);
                queue.join(caller, request, now)
            }
        }
        3 => match rng.pick(&waiting) {
            Some(caller) => {
                let result = queue.leave(caller, now);
                // The poll carries the cancels of the caller's offer; only then has it ended.
                observer.see(queue.poll(now));
                if result.is_ok() {
                    observer.end(caller, End::Left);
                }
                result
            }
            None => Ok(()),
        },
        4 => rng
            .pick(&waiting)
            .map_or(Ok(()), |caller| queue.request_callback(caller, now)),
        5..=6 => rng.pick(&ringing).map_or(Ok(()), |(agent, caller)| {
            queue.on_agent_answered(agent, caller, now)
        }),
        7 => rng.pick(&ringing).map_or(Ok(()), |(agent, caller)| {
            queue.on_agent_declined(agent, caller, now)
        }),
        8 => queue.on_agent_hangup(agent, now),
        9 => queue.set_away(agent, AwayReason::BusyElsewhere, now),
        10 => queue.set_available(agent, now),
        _ => {
            if queue.agent_state(agent).is_some() {
                queue.logout(agent, now)
            } else {
                let spec = agent_spec(agent.0)
                    .with_skill(Skill::new("vip"), SkillLevel(rng.below(10) as u8));
                queue.login(spec, now)
            }
        }
    };
    // A stale answer (offer already withdrawn) must be refused, not crash.
    if rng.below(20) == 0 {
        let _ = queue.on_agent_answered(agent, CallerId(9_999_999), now);
    }
}

/// After the random phase: everyone logs in and answers, calls end, time
/// passes; the queue must drain with every caller accounted for.
fn drain(queue: &mut Queue, observer: &mut Observer, mut now: Instant) {
    for id in 1..=AGENTS {
        let _ = queue.login(
            agent_spec(id).with_skill(Skill::new("vip"), SkillLevel(1)),
            now,
        );
        let _ = queue.set_available(AgentId(id), now);
    }
    for _ in 0..10_000 {
        poll_until(queue, observer, now);
        if queue.is_empty() && observer.ringing.is_empty() {
            break;
        }
        let ringing: Vec<(AgentId, CallerId)> =
            observer.ringing.iter().map(|(a, c)| (*a, *c)).collect();
        for (agent, caller) in ringing {
            let _ = queue.on_agent_answered(agent, caller, now);
        }
        for id in 1..=AGENTS {
            if matches!(
                queue.agent_state(AgentId(id)),
                Some(AgentState::OnCall { .. })
            ) {
                let _ = queue.on_agent_hangup(AgentId(id), now);
            }
            if matches!(queue.agent_state(AgentId(id)), Some(AgentState::Away(_))) {
                let _ = queue.set_available(AgentId(id), now);
            }
        }
        // Nothing rings: jump to the next timer (wrap-up end, announcement, …).
        let step = queue.next_deadline().map_or(Duration::from_secs(1), |at| {
            at.saturating_duration_since(now)
        });
        now = now + step.max(Duration::from_millis(1));
    }
    assert!(
        queue.is_empty(),
        "queue did not drain: {} left; {queue:?}; observer ringing {:?}",
        queue.len(),
        observer.ringing
    );
    let lost: Vec<&CallerId> = observer
        .joined
        .iter()
        .filter(|c| !observer.ended.contains_key(c))
        .collect();
    assert!(lost.is_empty(), "callers lost: {lost:?}");
}

fn check(seed: u64, strategy: Strategy) {
    let mut rng = Rng(seed);
    let mut queue = Queue::new(config_for(strategy, &mut rng));
    let mut observer = Observer {
        strategy,
        ringing: BTreeMap::new(),
        ended: BTreeMap::new(),
        joined: BTreeSet::new(),
        web_tasks: 0,
        now: Instant::ORIGIN,
        offered_at: BTreeMap::new(),
        live_joined_at: BTreeMap::new(),
    };
    let mut now = Instant::ORIGIN;
    let mut next_caller = 1;
    for _ in 0..300 {
        random_input(&mut queue, &mut observer, &mut rng, &mut next_caller, now);
        now = now + Duration::from_millis(rng.below(8_000));
        poll_until(&mut queue, &mut observer, now);
        check_timers(&queue, &observer, now);
    }
    drain(&mut queue, &mut observer, now);
    let stats = queue.stats();
    assert_eq!(
        stats.joined + observer.web_tasks,
        observer.joined.len() as u64
    );
    let count = |how| observer.ended.values().filter(|end| **end == how).count() as u64;
    assert_eq!(stats.answered, count(End::Bridged));
    assert_eq!(stats.overflowed, count(End::Overflowed));
    assert_eq!(stats.callbacks_started, count(End::CalledBack));
}

#[test]
fn no_caller_is_lost_under_random_events() {
    for run in 0..100u64 {
        let strategies = [
            Strategy::RingAll,
            Strategy::LongestIdle,
            Strategy::RoundRobin,
            Strategy::Skills,
        ];
        for (index, strategy) in (0u64..).zip(strategies) {
            let seed = run * 4 + index;
            let result = std::panic::catch_unwind(|| check(seed, strategy));
            assert!(result.is_ok(), "failed for seed {seed} with {strategy:?}");
        }
    }
}
