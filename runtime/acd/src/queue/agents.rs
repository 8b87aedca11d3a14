//! Agent-side inputs: login/logout, presence, answer, decline, hang-up.

use super::Queue;
use crate::action::Action;
use crate::agent::{Agent, AgentSpec, AgentState, AwayReason};
use crate::error::QueueError;
use crate::ids::{AgentId, CallerId};
use crate::limits::MAX_AGENTS_PER_QUEUE;
use crate::time::Instant;

impl Queue {
    /// An agent logs into this queue and is available from `now`. Logging in
    /// again during a call after logging out cancels the pending logout (and
    /// takes the new devices and skills).
    pub fn login(&mut self, spec: AgentSpec, now: Instant) -> Result<(), QueueError> {
        spec.validate()?;
        if let Some(agent) = self.agents.get_mut(&spec.id) {
            if !agent.logout_after_call {
                return Err(QueueError::AlreadyLoggedIn(spec.id));
            }
            agent.logout_after_call = false;
            agent.spec = spec;
            return Ok(());
        }
        if self.agents.len() >= MAX_AGENTS_PER_QUEUE {
            return Err(QueueError::TooManyAgents);
        }
        let agent = Agent {
            spec,
            state: AgentState::Available { since: now },
            logout_after_call: false,
        };
        self.agents.insert(agent.spec.id, agent);
        Ok(())
    }

    /// An agent logs out. A ringing offer is withdrawn (the caller is offered
    /// elsewhere); during a call the logout takes effect when the call ends.
    pub fn logout(&mut self, agent_id: AgentId, now: Instant) -> Result<(), QueueError> {
        let agent = self
            .agents
            .get_mut(&agent_id)
            .ok_or(QueueError::UnknownAgent(agent_id))?;
        match agent.state {
            AgentState::OnCall { .. } => agent.logout_after_call = true,
            AgentState::Ringing { caller, .. } => {
                self.drop_from_offer(agent_id, caller, now);
                self.agents.remove(&agent_id);
            }
            _ => {
                self.agents.remove(&agent_id);
            }
        }
        Ok(())
    }

    /// The agent stops taking calls (break, or busy with a call elsewhere).
    /// A ringing offer is withdrawn and the caller offered elsewhere. An agent
    /// on a queue call is refused ([`QueueError::AgentOnCall`]): end the call first.
    pub fn set_away(
        &mut self,
        agent_id: AgentId,
        reason: AwayReason,
        now: Instant,
    ) -> Result<(), QueueError> {
        let agent = self
            .agents
            .get(&agent_id)
            .ok_or(QueueError::UnknownAgent(agent_id))?;
        match agent.state {
            AgentState::OnCall { .. } => return Err(QueueError::AgentOnCall(agent_id)),
            AgentState::Ringing { caller, .. } => self.drop_from_offer(agent_id, caller, now),
            _ => {}
        }
        if let Some(agent) = self.agents.get_mut(&agent_id) {
            agent.state = AgentState::Away(reason);
        }
        Ok(())
    }

    /// The agent takes calls again: back from away, or ending wrap-up early.
    /// Ringing or talking agents are unaffected.
    pub fn set_available(&mut self, agent_id: AgentId, now: Instant) -> Result<(), QueueError> {
        let agent = self
            .agents
            .get_mut(&agent_id)
            .ok_or(QueueError::UnknownAgent(agent_id))?;
        if matches!(agent.state, AgentState::Away(_) | AgentState::WrapUp { .. }) {
            agent.state = AgentState::Available { since: now };
        }
        Ok(())
    }

    /// The agent answered the offer for `caller`: the caller is bridged (or,
    /// for a callback task, dialled) and every other agent rung stops ringing.
    /// A late answer (offer withdrawn meanwhile) is refused with
    /// [`QueueError::NoSuchOffer`]; the driver hangs up that leg.
    pub fn on_agent_answered(
        &mut self,
        agent_id: AgentId,
        caller: CallerId,
        now: Instant,
    ) -> Result<(), QueueError> {
        self.check_offer(agent_id, caller)?;
        let (key, mut entry) = self
            .remove_entry(caller)
            .ok_or(QueueError::UnknownCaller(caller))?;
        if let Some(mut offer) = entry.offer.take() {
            offer.agents.retain(|other| *other != agent_id);
            self.withdraw_blameless(caller, &offer);
        }
        if let Some(agent) = self.agents.get_mut(&agent_id) {
            agent.state = AgentState::OnCall { caller, since: now };
        }
        if entry.live {
            let waited = now.saturating_duration_since(key.joined_at());
            self.stats.answered += 1;
            self.stats.total_answered_wait += waited;
            if waited <= self.config.service_level_threshold {
                self.stats.answered_within_threshold += 1;
            }
            self.outbox.push(Action::Bridge {
                caller,
                agent: agent_id,
            });
        } else {
            self.stats.callbacks_started += 1;
            self.outbox.push(Action::CallBack {
                caller,
                agent: agent_id,
            });
        }
        Ok(())
    }

    /// The agent's devices rejected the offer or reported busy before the ring
    /// timeout. Treated like an offer that rang out.
    pub fn on_agent_declined(
        &mut self,
        agent_id: AgentId,
        caller: CallerId,
        now: Instant,
    ) -> Result<(), QueueError> {
        self.check_offer(agent_id, caller)?;
        self.drop_from_offer(agent_id, caller, now);
        self.after_missed_offer(agent_id, now);
        Ok(())
    }

    /// The agent's queue call ended: wrap-up starts (or the agent leaves if
    /// they logged out meanwhile), and the handle time feeds the wait estimate.
    pub fn on_agent_hangup(&mut self, agent_id: AgentId, now: Instant) -> Result<(), QueueError> {
        let agent = self
            .agents
            .get_mut(&agent_id)
            .ok_or(QueueError::UnknownAgent(agent_id))?;
        let AgentState::OnCall { since, .. } = agent.state else {
            return Err(QueueError::NotOnCall(agent_id));
        };
        let wrap_up = self.config.wrap_up;
        self.handle_times
            .record(now.saturating_duration_since(since) + wrap_up);
        if agent.logout_after_call {
            self.agents.remove(&agent_id);
        } else if wrap_up.is_zero() {
            agent.state = AgentState::Available { since: now };
        } else {
            agent.state = AgentState::WrapUp {
                until: now + wrap_up,
            };
        }
        Ok(())
    }

    fn check_offer(&self, agent_id: AgentId, caller: CallerId) -> Result<(), QueueError> {
        let agent = self
            .agents
            .get(&agent_id)
            .ok_or(QueueError::UnknownAgent(agent_id))?;
        match agent.state {
            AgentState::Ringing { caller: rung, .. } if rung == caller => Ok(()),
            _ => Err(QueueError::NoSuchOffer {
                agent: agent_id,
                caller,
            }),
        }
    }

    /// Takes one agent out of a caller's offer, sending the cancel. When no
    /// agent is left ringing, the caller waits for the next offer. The agent's
    /// own state is left to the caller of this function.
    fn drop_from_offer(&mut self, agent_id: AgentId, caller: CallerId, _now: Instant) {
        self.outbox.push(Action::CancelOffer {
            caller,
            agent: agent_id,
        });
        if let Some(entry) = self.entry_mut(caller) {
            entry.tried.insert(agent_id);
            if let Some(offer) = entry.offer.as_mut() {
                offer.agents.retain(|other| *other != agent_id);
                if offer.agents.is_empty() {
                    entry.offer = None;
                }
            }
        }
    }

    /// An agent who let an offer pass is paused or made available again, at
    /// the back of the longest-idle order.
    pub(super) fn after_missed_offer(&mut self, agent_id: AgentId, now: Instant) {
        self.stats.offers_missed += 1;
        let pause = self.config.pause_on_no_answer;
        if let Some(agent) = self.agents.get_mut(&agent_id) {
            agent.state = if pause {
                AgentState::Away(AwayReason::NoAnswer)
            } else {
                AgentState::Available { since: now }
            };
        }
    }
}
