//! The state a simulated call shares with its services and its runner: the
//! virtual clock, the timeline and the facts expectations are checked against.

use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::disposition::Outcomes;
use crate::script::Strategy;
use crate::time::VirtualTime;
use crate::timeline::{Happening, Timeline};

/// Most facts of one kind (prompts, dials, tags, …) one call keeps; a guest
/// looping on host calls must not grow the simulator without bound.
pub const MAX_FACTS: usize = 10_000;

/// One dial operation as the scenario asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialFact {
    /// Targets as written; the assigned manager as its extension.
    pub targets: Vec<String>,
    pub strategy: Strategy,
}

/// What a call did, for expectations and the disposition.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Library prompts that started playing, with when.
    pub prompts: Vec<(VirtualTime, String)>,
    /// Digit strings `collect` returned.
    pub collected: Vec<String>,
    pub dials: Vec<DialFact>,
    pub queues: Vec<String>,
    pub transfers: Vec<String>,
    pub tags: Vec<String>,
    pub vars: BTreeMap<String, String>,
    /// Recording ids.
    pub recordings: Vec<String>,
    /// Callbacks requested with a queue's callback key.
    pub queue_callbacks: usize,
    /// Callbacks scheduled through the services.
    pub scheduled_callbacks: usize,
    pub outcomes: Outcomes,
    /// The call is over: someone hung up or the scenario transferred it away.
    pub call_ended: bool,
}

/// Pushes onto a fact list unless it is full.
pub(crate) fn bounded_push<T>(list: &mut Vec<T>, item: T) {
    if list.len() < MAX_FACTS {
        list.push(item);
    }
}

#[derive(Debug, Default)]
pub(crate) struct JournalState {
    pub(crate) now: VirtualTime,
    pub(crate) timeline: Timeline,
    pub(crate) facts: Facts,
}

/// A shared handle on one call's journal.
#[derive(Debug, Clone, Default)]
pub struct CallJournal(Arc<Mutex<JournalState>>);

impl CallJournal {
    /// The current virtual time.
    pub fn now(&self) -> VirtualTime {
        self.0.lock().now
    }

    /// Appends to the timeline at the current virtual time.
    pub fn note(&self, what: Happening) {
        let mut state = self.0.lock();
        let now = state.now;
        state.timeline.push(now, what);
    }

    /// Appends to the timeline at a given time (not before the current time's order).
    pub(crate) fn note_at(&self, at: VirtualTime, what: Happening) {
        self.0.lock().timeline.push(at, what);
    }

    /// Moves the clock forward (never back); returns how far it moved.
    pub(crate) fn advance_to(&self, to: VirtualTime) -> crate::time::Span {
        let mut state = self.0.lock();
        let moved = to.since(state.now);
        if to > state.now {
            state.now = to;
        }
        moved
    }

    /// Reads or changes the facts.
    pub fn with_facts<T>(&self, f: impl FnOnce(&mut Facts) -> T) -> T {
        f(&mut self.0.lock().facts)
    }

    /// A copy of the facts so far.
    pub fn facts(&self) -> Facts {
        self.0.lock().facts.clone()
    }

    /// The timeline so far, closed with a count of what was dropped.
    pub fn timeline(&self) -> Vec<crate::timeline::TimelineEvent> {
        let state = self.0.lock();
        state.timeline.clone().finish(state.now)
    }
}
