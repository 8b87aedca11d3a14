//! Property test for forwarding: over random plans and leg events (seeded,
//! reproducible), a forwarding ends exactly once, bridges at most one leg,
//! never leaves a leg ringing, and never rings two steps at once.

use std::collections::BTreeSet;
use std::time::Duration;
use wasmphony_acd::{ForwardAction, Forwarding, Instant, LegFailure, LegId, Plan, Step, Target};

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
}

#[derive(Debug, Default)]
struct Observer {
    ringing: BTreeSet<LegId>,
    ever_rung: BTreeSet<LegId>,
    bridged: Option<LegId>,
    exhausted: bool,
    cancelled_by_caller: bool,
}

impl Observer {
    fn finished(&self) -> bool {
        self.bridged.is_some() || self.exhausted || self.cancelled_by_caller
    }

    fn see(&mut self, actions: Vec<ForwardAction>, plan_targets: &BTreeSet<Target>) {
        for action in actions {
            assert!(!self.finished(), "{action} after the forwarding finished");
            match action {
                ForwardAction::Ring { leg, target } => {
                    assert!(
                        plan_targets.contains(&target),
                        "rang {target}, not in the plan"
                    );
                    assert!(self.ever_rung.insert(leg), "leg {leg:?} reused");
                    self.ringing.insert(leg);
                }
                ForwardAction::Cancel { leg } => {
                    assert!(self.ringing.remove(&leg), "cancel of a leg not ringing");
                }
                ForwardAction::Bridge { leg, .. } => {
                    assert!(self.ringing.remove(&leg), "bridge of a leg not ringing");
                    assert!(
                        self.ringing.is_empty(),
                        "legs left ringing after the bridge"
                    );
                    self.bridged = Some(leg);
                }
                ForwardAction::Exhausted => {
                    assert!(self.ringing.is_empty(), "exhausted with legs ringing");
                    self.exhausted = true;
                }
            }
        }
    }
}

fn random_plan(rng: &mut Rng) -> Plan {
    let steps = (0..1 + rng.below(5))
        .map(|_| Step {
            targets: (0..rng.below(4))
                .map(|_| Target::new(format!("t{}", rng.below(6))))
                .collect(),
            timeout: Duration::from_secs(1 + rng.below(30)),
        })
        .collect::<Vec<_>>();
    let plan = Plan { steps };
    if rng.below(2) == 0 {
        plan.manager_first(Some(Target::new("t0")), Duration::from_secs(5))
    } else {
        plan
    }
}

fn check(seed: u64) {
    let mut rng = Rng(seed);
    let plan = random_plan(&mut rng);
    let plan_targets: BTreeSet<Target> = plan
        .steps
        .iter()
        .flat_map(|step| step.targets.clone())
        .collect();
    let mut now = Instant::ORIGIN;
    let Ok(mut forwarding) = Forwarding::start(plan, now) else {
        assert!(plan_targets.is_empty(), "a plan with targets was refused");
        return;
    };
    let mut observer = Observer::default();
    observer.see(forwarding.poll(now), &plan_targets);
    for _ in 0..200 {
        if forwarding.is_finished() {
            break;
        }
        let ringing: Vec<LegId> = observer.ringing.iter().copied().collect();
        let leg = if ringing.is_empty() || rng.below(10) == 0 {
            LegId(rng.below(40) as u32)
        } else {
            ringing[rng.below(ringing.len() as u64) as usize]
        };
        let event = rng.below(10);
        let failure = matches!(event, 1..=3);
        let result = match event {
            0 => forwarding.on_answered(leg, now),
            1..=2 => forwarding.on_failed(leg, LegFailure::Busy, now),
            3 => forwarding.on_failed(leg, LegFailure::Unreachable, now),
            4 => {
                if rng.below(5) == 0 {
                    forwarding.cancel(now);
                    observer.see(forwarding.poll(now), &plan_targets);
                    observer.ringing.clear();
                    observer.cancelled_by_caller = true;
                }
                Ok(())
            }
            _ => {
                now = now + Duration::from_millis(rng.below(20_000));
                Ok(())
            }
        };
        if result.is_ok() && failure {
            // A failed leg has ended on the driver's side: it no longer rings.
            observer.ringing.remove(&leg);
        }
        if result.is_err() {
            assert!(
                !observer.ringing.contains(&leg) || observer.finished(),
                "event for ringing {leg:?} refused"
            );
        }
        while let Some(deadline) = forwarding
            .next_deadline()
            .filter(|deadline| *deadline <= now)
        {
            observer.see(forwarding.poll(deadline), &plan_targets);
        }
        observer.see(forwarding.poll(now), &plan_targets);
    }
    // Let every remaining step time out.
    while let Some(deadline) = forwarding.next_deadline() {
        observer.see(forwarding.poll(deadline), &plan_targets);
    }
    assert!(forwarding.is_finished());
    assert!(
        observer.finished(),
        "forwarding ended without bridge, exhaustion or cancel"
    );
    assert!(
        observer.ringing.is_empty(),
        "legs left ringing: {:?}",
        observer.ringing
    );
}

#[test]
fn forwarding_ends_exactly_once_and_leaves_nothing_ringing() {
    for seed in 0..2_000 {
        let result = std::panic::catch_unwind(|| check(seed));
        assert!(result.is_ok(), "failed for seed {seed}");
    }
}
