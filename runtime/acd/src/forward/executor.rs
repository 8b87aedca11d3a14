//! Runs a forwarding plan, told about leg outcomes and the time.

use super::plan::{Plan, Target};
use crate::error::ForwardError;
use crate::time::Instant;
use std::fmt;

/// One outgoing ring attempt, unique within a forwarding (the same target in
/// two steps gets two legs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LegId(pub u32);

/// Why a leg ended without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegFailure {
    /// The target was busy (486/600).
    Busy,
    /// The target's own no-answer timer fired or it rejected (408/480/603).
    NoAnswer,
    /// The target could not be reached (404, 503, transport error).
    Unreachable,
}

/// An instruction for the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardAction {
    /// Start ringing `target` as `leg`.
    Ring {
        /// The new leg.
        leg: LegId,
        /// Who to ring.
        target: Target,
    },
    /// Stop ringing `leg` (step timed out, someone else answered, caller gone).
    Cancel {
        /// The leg to cancel.
        leg: LegId,
    },
    /// Connect the caller to `leg`, which answered.
    Bridge {
        /// The answering leg.
        leg: LegId,
        /// Who answered.
        target: Target,
    },
    /// Every step failed: the driver takes its fallback.
    Exhausted,
}

impl fmt::Display for ForwardAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForwardAction::Ring { leg, target } => write!(f, "ring {} {target}", leg.0),
            ForwardAction::Cancel { leg } => write!(f, "cancel {}", leg.0),
            ForwardAction::Bridge { leg, target } => write!(f, "bridge {} {target}", leg.0),
            ForwardAction::Exhausted => f.write_str("exhausted"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Ringing { step: usize, deadline: Instant },
    Finished,
}

#[derive(Debug, Clone)]
struct Leg {
    id: LegId,
    target: Target,
    ringing: bool,
}

/// One caller being forwarded through a plan.
#[derive(Debug)]
pub struct Forwarding {
    plan: Plan,
    phase: Phase,
    /// Legs of the current step only.
    legs: Vec<Leg>,
    next_leg: u32,
    outbox: Vec<ForwardAction>,
}

impl Forwarding {
    /// Starts ringing the first step at `now`; take the actions with [`Forwarding::poll`].
    pub fn start(plan: Plan, now: Instant) -> Result<Self, ForwardError> {
        plan.validate()?;
        let mut forwarding = Forwarding {
            plan,
            phase: Phase::Finished,
            legs: Vec::new(),
            next_leg: 0,
            outbox: Vec::new(),
        };
        forwarding.start_step(0, now);
        Ok(forwarding)
    }

    /// A leg answered: it is bridged and every other ringing leg cancelled.
    pub fn on_answered(&mut self, leg: LegId, _now: Instant) -> Result<(), ForwardError> {
        let target = self.ringing_leg(leg)?.target.clone();
        self.cancel_ringing_except(Some(leg));
        self.phase = Phase::Finished;
        self.outbox.push(ForwardAction::Bridge { leg, target });
        Ok(())
    }

    /// A leg ended without answering. When it was the last one ringing in its
    /// step, the next step starts at once rather than at the step timeout.
    pub fn on_failed(
        &mut self,
        leg: LegId,
        _failure: LegFailure,
        now: Instant,
    ) -> Result<(), ForwardError> {
        self.ringing_leg(leg)?;
        if let Some(failed) = self.legs.iter_mut().find(|candidate| candidate.id == leg) {
            failed.ringing = false;
        }
        if let Phase::Ringing { step, .. } = self.phase
            && !self.legs.iter().any(|candidate| candidate.ringing)
        {
            self.start_step(step + 1, now);
        }
        Ok(())
    }

    /// The caller hung up: cancel everything ringing; nothing else follows.
    pub fn cancel(&mut self, _now: Instant) {
        if self.phase != Phase::Finished {
            self.cancel_ringing_except(None);
            self.phase = Phase::Finished;
        }
    }

    /// Fires the step timeout if due and returns the actions to carry out.
    pub fn poll(&mut self, now: Instant) -> Vec<ForwardAction> {
        if let Phase::Ringing { step, deadline } = self.phase
            && deadline <= now
        {
            self.cancel_ringing_except(None);
            self.start_step(step + 1, now);
        }
        std::mem::take(&mut self.outbox)
    }

    /// When the current step times out, while ringing.
    pub fn next_deadline(&self) -> Option<Instant> {
        match self.phase {
            Phase::Ringing { deadline, .. } => Some(deadline),
            Phase::Finished => None,
        }
    }

    /// Whether the plan ended (bridged, exhausted or cancelled).
    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Finished
    }

    fn ringing_leg(&self, leg: LegId) -> Result<&Leg, ForwardError> {
        if self.phase == Phase::Finished {
            return Err(ForwardError::Finished);
        }
        self.legs
            .iter()
            .find(|candidate| candidate.id == leg && candidate.ringing)
            .ok_or(ForwardError::UnknownLeg(leg.0))
    }

    fn cancel_ringing_except(&mut self, keep: Option<LegId>) {
        for leg in &mut self.legs {
            if leg.ringing && Some(leg.id) != keep {
                self.outbox.push(ForwardAction::Cancel { leg: leg.id });
            }
            leg.ringing = false;
        }
    }

    /// Starts the first non-empty step from `index`, or reports exhaustion.
    fn start_step(&mut self, index: usize, now: Instant) {
        self.legs.clear();
        let Some((offset, step)) = self
            .plan
            .steps
            .iter()
            .skip(index)
            .enumerate()
            .find(|(_, step)| !step.targets.is_empty())
        else {
            self.phase = Phase::Finished;
            self.outbox.push(ForwardAction::Exhausted);
            return;
        };
        for target in &step.targets {
            let id = LegId(self.next_leg);
            self.next_leg = self.next_leg.wrapping_add(1);
            self.legs.push(Leg {
                id,
                target: target.clone(),
                ringing: true,
            });
            self.outbox.push(ForwardAction::Ring {
                leg: id,
                target: target.clone(),
            });
        }
        self.phase = Phase::Ringing {
            step: index + offset,
            deadline: now + step.timeout,
        };
    }
}
