//! One call queue: callers, callback tasks and logged-in agents, driven by
//! events and `poll(now)`.
//!
//! Every input only records what happened; the driver then calls
//! [`Queue::poll`], which fires due timers, makes new offers and returns the
//! actions to carry out. The driver sleeps until [`Queue::next_deadline`] or
//! the next input, whichever comes first.
//!
//! An agent logged into several queues appears in each; the driver reports a
//! call taken in one queue to the others as [`AwayReason::BusyElsewhere`].

mod agents;
mod callers;
mod dispatch;
mod timers;

use crate::action::Action;
use crate::agent::{Agent, AgentState};
use crate::caller::{Entry, ServiceKey};
use crate::config::QueueConfig;
use crate::estimate::HandleTimes;
use crate::ids::{AgentId, CallerId};
use crate::limits::{MIN_ANNOUNCE_INTERVAL, MIN_RING_TIMEOUT};
use crate::stats::ServiceStats;
use crate::time::Instant;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

#[cfg(doc)]
use crate::agent::AwayReason;

/// A call queue (ACD) core. Holds no I/O and reads no clock.
#[derive(Debug)]
pub struct Queue {
    config: QueueConfig,
    /// Live callers and callback tasks, in service order.
    entries: BTreeMap<ServiceKey, Entry>,
    keys: HashMap<CallerId, ServiceKey>,
    /// Logged-in agents, in id order (the round-robin rotation order).
    agents: BTreeMap<AgentId, Agent>,
    /// The agent round-robin rang last.
    round_robin_last: Option<AgentId>,
    handle_times: HandleTimes,
    stats: ServiceStats,
    arrivals: u64,
    /// Live callers among `entries` (the rest are callback tasks).
    live: usize,
    /// No entry timer (offer timeout, max wait, announcement) is due before
    /// this. Exact after each timer pass; only lowered in between, so it may
    /// be early after removals (a harmless spurious wake-up), never late. It
    /// spares the O(entries) timer passes on polls with nothing due.
    entry_timer_floor: Option<Instant>,
    /// Actions decided by inputs, handed out by the next `poll`.
    outbox: Vec<Action>,
}

impl Queue {
    /// An empty queue with no agents. Timer settings below the floors in
    /// [`crate::limits`] are raised to them, so a zero ring timeout or
    /// announcement interval cannot make the queue spin.
    pub fn new(mut config: QueueConfig) -> Self {
        config.ring_timeout = config.ring_timeout.max(MIN_RING_TIMEOUT);
        config.announce_every = config
            .announce_every
            .map(|every| every.max(MIN_ANNOUNCE_INTERVAL));
        let handle_times = HandleTimes::new(config.default_handle_time);
        Queue {
            config,
            entries: BTreeMap::new(),
            keys: HashMap::new(),
            agents: BTreeMap::new(),
            round_robin_last: None,
            handle_times,
            stats: ServiceStats::default(),
            arrivals: 0,
            live: 0,
            entry_timer_floor: None,
            outbox: Vec::new(),
        }
    }

    /// The queue's configuration (with timer floors applied).
    pub fn config(&self) -> &QueueConfig {
        &self.config
    }

    /// Fires every timer due at `now`, offers free agents to waiting callers,
    /// and returns everything the driver must do, in order.
    pub fn poll(&mut self, now: Instant) -> Vec<Action> {
        let entry_timers_due = self.entry_timer_floor.is_some_and(|floor| floor <= now);
        self.end_wrap_ups(now);
        if entry_timers_due {
            self.expire_offers(now);
            self.overflow_long_waits(now);
        }
        self.dispatch(now);
        if entry_timers_due {
            self.announce(now);
            self.entry_timer_floor = self.earliest_entry_deadline();
        }
        std::mem::take(&mut self.outbox)
    }

    /// The earliest instant at which `poll` may have timer work to do. It can
    /// be earlier than needed after callers left (polling then is harmless);
    /// it is never later than a due timer.
    pub fn next_deadline(&self) -> Option<Instant> {
        let wrap_ups = self.agents.values().filter_map(|agent| match agent.state {
            AgentState::WrapUp { until } => Some(until),
            _ => None,
        });
        wrap_ups.chain(self.entry_timer_floor).min()
    }

    /// Records a new entry deadline so the next timer pass is not skipped.
    fn note_entry_deadline(&mut self, at: Instant) {
        self.entry_timer_floor = Some(self.entry_timer_floor.map_or(at, |floor| floor.min(at)));
    }

    /// The exact earliest entry timer, by scanning every entry.
    fn earliest_entry_deadline(&self) -> Option<Instant> {
        let deadlines = self.entries.iter().flat_map(|(key, entry)| {
            let offer = entry.offer.as_ref().map(|offer| offer.deadline);
            let max_wait = self.max_wait_deadline(key, entry);
            [offer, max_wait, entry.next_announce]
        });
        deadlines.flatten().min()
    }

    /// Counters since creation.
    pub fn stats(&self) -> &ServiceStats {
        &self.stats
    }

    /// Live callers and callback tasks held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the queue holds nobody.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Live callers waiting on the line (callback tasks excluded).
    pub fn live_len(&self) -> usize {
        self.live
    }

    /// Whether `caller` is held (live or as a callback task).
    pub fn contains(&self, caller: CallerId) -> bool {
        self.keys.contains_key(&caller)
    }

    /// A caller's 1-based place in service order, callback tasks included.
    pub fn position(&self, caller: CallerId) -> Option<usize> {
        let key = self.keys.get(&caller)?;
        Some(self.entries.range(..key).count() + 1)
    }

    /// Whether `caller` is now a callback task.
    pub fn is_callback(&self, caller: CallerId) -> bool {
        self.keys
            .get(&caller)
            .and_then(|key| self.entries.get(key))
            .is_some_and(|entry| !entry.live)
    }

    /// An agent's state, if logged in.
    pub fn agent_state(&self, agent: AgentId) -> Option<AgentState> {
        self.agents.get(&agent).map(|agent| agent.state)
    }

    /// Expected wait for the caller at 1-based `position`, from recent handle
    /// times and the agents currently working the queue.
    pub fn estimated_wait(&self, position: usize) -> Duration {
        self.handle_times
            .estimate_wait(position, self.staffed_agents())
    }

    /// Agents logged in and not away.
    fn staffed_agents(&self) -> usize {
        self.agents
            .values()
            .filter(|agent| !matches!(agent.state, AgentState::Away(_)))
            .count()
    }

    fn max_wait_deadline(&self, key: &ServiceKey, entry: &Entry) -> Option<Instant> {
        let max_wait = self.config.max_wait?;
        entry.live.then(|| key.joined_at() + max_wait)
    }

    /// Removes an entry and forgets its key.
    fn remove_entry(&mut self, caller: CallerId) -> Option<(ServiceKey, Entry)> {
        let key = self.keys.remove(&caller)?;
        let entry = self.entries.remove(&key)?;
        if entry.live {
            self.live = self.live.saturating_sub(1);
        }
        Some((key, entry))
    }

    fn entry_mut(&mut self, caller: CallerId) -> Option<&mut Entry> {
        let key = self.keys.get(&caller)?;
        self.entries.get_mut(key)
    }
}
