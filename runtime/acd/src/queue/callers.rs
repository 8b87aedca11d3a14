//! Caller-side inputs: join, leave, ask for a callback.

use super::Queue;
use crate::action::Action;
use crate::agent::AgentState;
use crate::caller::{Entry, JoinRequest, PendingOffer, ServiceKey};
use crate::error::QueueError;
use crate::ids::CallerId;
use crate::limits::MAX_QUEUE_ENTRIES;
use crate::time::Instant;
use std::collections::BTreeSet;

impl Queue {
    /// A caller joins. If the queue is full (configured `max_length` of live
    /// callers, or [`MAX_QUEUE_ENTRIES`]) the next poll overflows them at once.
    pub fn join(
        &mut self,
        caller: CallerId,
        request: JoinRequest,
        now: Instant,
    ) -> Result<(), QueueError> {
        if self.keys.contains_key(&caller) {
            return Err(QueueError::AlreadyQueued(caller));
        }
        self.stats.joined += 1;
        let over_length = self
            .config
            .max_length
            .is_some_and(|max| self.live_len() >= max);
        if over_length || self.entries.len() >= MAX_QUEUE_ENTRIES {
            self.stats.overflowed += 1;
            self.outbox.push(Action::Overflow {
                caller,
                action: self.config.overflow.clone(),
            });
            return Ok(());
        }
        let key = ServiceKey::new(request.priority, now, self.arrivals);
        self.arrivals += 1;
        let entry = Entry {
            caller,
            skill: request.skill,
            live: true,
            offer: None,
            next_announce: self.config.announce_every.map(|every| now + every),
            tried: BTreeSet::new(),
        };
        self.entries.insert(key, entry);
        self.keys.insert(caller, key);
        self.live += 1;
        let max_wait = self.config.max_wait.map(|max_wait| now + max_wait);
        let announce = self.config.announce_every.map(|every| now + every);
        for deadline in max_wait.into_iter().chain(announce) {
            self.note_entry_deadline(deadline);
        }
        Ok(())
    }

    /// Adds a callback task that did not start as a live caller here: a
    /// website callback request, or a task reloaded after a restart. It is
    /// served in order of `placed_at` (its original request or join time).
    /// Callback tasks do not count against `max_length`, only against
    /// [`MAX_QUEUE_ENTRIES`], which refuses with [`QueueError::QueueFull`].
    pub fn add_callback_task(
        &mut self,
        caller: CallerId,
        request: JoinRequest,
        placed_at: Instant,
    ) -> Result<(), QueueError> {
        if self.keys.contains_key(&caller) {
            return Err(QueueError::AlreadyQueued(caller));
        }
        if self.entries.len() >= MAX_QUEUE_ENTRIES {
            return Err(QueueError::QueueFull);
        }
        let key = ServiceKey::new(request.priority, placed_at, self.arrivals);
        self.arrivals += 1;
        let entry = Entry {
            caller,
            skill: request.skill,
            live: false,
            offer: None,
            next_announce: None,
            tried: BTreeSet::new(),
        };
        self.entries.insert(key, entry);
        self.keys.insert(caller, key);
        self.stats.callbacks_requested += 1;
        Ok(())
    }

    /// Callback tasks held, in service order, with the time that orders them
    /// (for the missed-calls list).
    pub fn callback_tasks(&self) -> impl Iterator<Item = (CallerId, Instant)> + '_ {
        self.entries
            .iter()
            .filter(|(_, entry)| !entry.live)
            .map(|(key, entry)| (entry.caller, key.joined_at()))
    }

    /// The caller hung up while waiting (abandoned), or — for a callback
    /// task — the task was closed elsewhere (the customer called again).
    pub fn leave(&mut self, caller: CallerId, _now: Instant) -> Result<(), QueueError> {
        let (_, entry) = self
            .remove_entry(caller)
            .ok_or(QueueError::UnknownCaller(caller))?;
        if entry.live {
            self.stats.abandoned += 1;
        }
        if let Some(offer) = entry.offer {
            self.withdraw_blameless(caller, &offer);
        }
        Ok(())
    }

    /// The caller pressed the callback key: they hang up but keep their place
    /// as a callback task, served in order when an agent frees up. A pending
    /// offer is withdrawn (the agent would answer to silence).
    pub fn request_callback(&mut self, caller: CallerId, _now: Instant) -> Result<(), QueueError> {
        let entry = self
            .entry_mut(caller)
            .ok_or(QueueError::UnknownCaller(caller))?;
        if !entry.live {
            return Err(QueueError::CallbackNotPossible(caller));
        }
        entry.live = false;
        entry.next_announce = None;
        let offer = entry.offer.take();
        self.live = self.live.saturating_sub(1);
        self.stats.callbacks_requested += 1;
        if let Some(offer) = offer {
            self.withdraw_blameless(caller, &offer);
        }
        Ok(())
    }

    /// Stops ringing every agent of `offer` and makes them free again as they
    /// were: the offer ended through no fault of theirs.
    pub(super) fn withdraw_blameless(&mut self, caller: CallerId, offer: &PendingOffer) {
        for agent_id in &offer.agents {
            let Some(agent) = self.agents.get_mut(agent_id) else {
                continue;
            };
            if let AgentState::Ringing {
                caller: rung,
                idle_since,
            } = agent.state
                && rung == caller
            {
                agent.state = AgentState::Available { since: idle_since };
                self.outbox.push(Action::CancelOffer {
                    caller,
                    agent: *agent_id,
                });
            }
        }
    }
}
