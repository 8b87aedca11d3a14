//! Matching free agents to waiting callers, in service order.

use super::Queue;
use crate::action::{Action, OfferKind, OfferTarget};
use crate::agent::{Agent, AgentState};
use crate::caller::{PendingOffer, ServiceKey};
use crate::config::Strategy;
use crate::ids::AgentId;
use crate::strategy;
use crate::time::Instant;
use std::ops::Bound::{Excluded, Unbounded};

impl Queue {
    /// Walks waiting callers in service order and offers each to the agent(s)
    /// the strategy picks among free agents able to serve them. A caller no
    /// free agent can serve (missing skill) is passed over, not blocking those
    /// behind. An agent rings for one caller at a time.
    pub(super) fn dispatch(&mut self, now: Instant) {
        let mut free: Vec<AgentId> = self
            .agents
            .values()
            .filter(|agent| agent.is_available())
            .map(|agent| agent.spec.id)
            .collect();
        let mut cursor: Option<ServiceKey> = None;
        // Walk lazily so the walk stops as soon as nobody is free, however long the queue.
        while !free.is_empty() {
            let next = match cursor {
                None => self.entries.range(..),
                Some(after) => self.entries.range((Excluded(after), Unbounded)),
            }
            .find(|(_, entry)| entry.offer.is_none())
            .map(|(key, _)| *key);
            let Some(key) = next else { return };
            cursor = Some(key);
            let Some(chosen) = self.choose_agents(&key, &free) else {
                continue;
            };
            free.retain(|agent| !chosen.contains(agent));
            self.make_offer(key, chosen, now);
        }
    }

    fn choose_agents(&self, key: &ServiceKey, free: &[AgentId]) -> Option<Vec<AgentId>> {
        let entry = self.entries.get(key)?;
        let skill = entry.skill.as_ref();
        let able: Vec<&Agent> = free
            .iter()
            .filter_map(|id| self.agents.get(id))
            .filter(|agent| agent.can_serve(skill))
            .collect();
        // Ring-all rings everyone able; the others prefer agents not yet tried
        // for this caller, so a ring timeout moves the call to someone else.
        let prefer_untried = self.config.strategy != Strategy::RingAll
            && !entry.tried.is_empty()
            && able
                .iter()
                .any(|agent| !entry.tried.contains(&agent.spec.id));
        let candidates: Vec<&Agent> = if prefer_untried {
            able.into_iter()
                .filter(|agent| !entry.tried.contains(&agent.spec.id))
                .collect()
        } else {
            able
        };
        let chosen = strategy::select(
            self.config.strategy,
            &candidates,
            skill,
            self.round_robin_last,
        );
        (!chosen.is_empty()).then_some(chosen)
    }

    fn make_offer(&mut self, key: ServiceKey, chosen: Vec<AgentId>, now: Instant) {
        let Some(entry) = self.entries.get_mut(&key) else {
            return;
        };
        let caller = entry.caller;
        let kind = if entry.live {
            OfferKind::Live
        } else {
            OfferKind::Callback
        };
        let deadline = now + self.config.ring_timeout;
        entry.offer = Some(PendingOffer {
            agents: chosen.clone(),
            deadline,
        });
        self.note_entry_deadline(deadline);
        let mut targets = Vec::with_capacity(chosen.len());
        for agent_id in &chosen {
            if let Some(agent) = self.agents.get_mut(agent_id) {
                let idle_since = agent.idle_since().unwrap_or(now);
                agent.state = AgentState::Ringing { caller, idle_since };
                targets.push(OfferTarget {
                    agent: *agent_id,
                    devices: agent.spec.devices.clone(),
                });
            }
        }
        if self.config.strategy == Strategy::RoundRobin {
            self.round_robin_last = chosen.last().copied();
        }
        self.outbox.push(Action::Offer {
            caller,
            kind,
            agents: targets,
        });
    }
}
