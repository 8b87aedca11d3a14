//! Timer work done by `poll`: wrap-ups ending, offers ringing out, callers
//! waiting too long, periodic announcements.

use super::Queue;
use crate::action::Action;
use crate::agent::AgentState;
use crate::ids::CallerId;
use crate::time::Instant;
use std::time::Duration;

impl Queue {
    /// Agents whose wrap-up is over become available, idle since the wrap-up ended.
    pub(super) fn end_wrap_ups(&mut self, now: Instant) {
        for agent in self.agents.values_mut() {
            if let AgentState::WrapUp { until } = agent.state
                && until <= now
            {
                agent.state = AgentState::Available { since: until };
            }
        }
    }

    /// Offers ringing past their deadline are withdrawn; the agents count as
    /// not answering, and the caller is offered to someone else next.
    pub(super) fn expire_offers(&mut self, now: Instant) {
        let mut missed = Vec::new();
        for entry in self.entries.values_mut() {
            let expired = entry
                .offer
                .as_ref()
                .is_some_and(|offer| offer.deadline <= now);
            if !expired {
                continue;
            }
            if let Some(offer) = entry.offer.take() {
                for agent in offer.agents {
                    entry.tried.insert(agent);
                    missed.push((entry.caller, agent));
                }
            }
        }
        for (caller, agent) in missed {
            self.outbox.push(Action::CancelOffer { caller, agent });
            self.after_missed_offer(agent, now);
        }
    }

    /// Live callers past the maximum wait leave through the overflow action,
    /// even if an offer is ringing (it is withdrawn).
    pub(super) fn overflow_long_waits(&mut self, now: Instant) {
        let due: Vec<CallerId> = self
            .entries
            .iter()
            .filter(|(key, entry)| {
                self.max_wait_deadline(key, entry)
                    .is_some_and(|deadline| deadline <= now)
            })
            .map(|(_, entry)| entry.caller)
            .collect();
        for caller in due {
            if let Some((_, entry)) = self.remove_entry(caller) {
                if let Some(offer) = entry.offer {
                    self.withdraw_blameless(caller, &offer);
                }
                self.stats.overflowed += 1;
                self.outbox.push(Action::Overflow {
                    caller,
                    action: self.config.overflow.clone(),
                });
            }
        }
    }

    /// Live callers whose announcement is due and who are not being offered
    /// hear their position and estimated wait. Missed slots (a late poll) are
    /// skipped, not replayed.
    pub(super) fn announce(&mut self, now: Instant) {
        let Some(every) = self.config.announce_every else {
            return;
        };
        let staffed = self.staffed_agents();
        let mut announcements = Vec::new();
        for (index, entry) in self.entries.values_mut().enumerate() {
            let Some(next) = entry.next_announce else {
                continue;
            };
            if next > now {
                continue;
            }
            if entry.offer.is_none() {
                let position = index + 1;
                let estimated_wait = self.handle_times.estimate_wait(position, staffed);
                announcements.push(Action::Announce {
                    caller: entry.caller,
                    position,
                    estimated_wait,
                });
            }
            entry.next_announce = Some(next_slot_after(next, every, now));
        }
        self.outbox.extend(announcements);
    }
}

/// The first slot `first + k * every` (k >= 1) later than `now`, computed
/// without looping so a very late poll costs the same as a timely one.
fn next_slot_after(first: Instant, every: Duration, now: Instant) -> Instant {
    let every_ms = u64::try_from(every.as_millis()).unwrap_or(u64::MAX).max(1);
    let behind_ms = now.as_millis().saturating_sub(first.as_millis());
    let slots = behind_ms / every_ms + 1;
    Instant::from_millis(
        first
            .as_millis()
            .saturating_add(slots.saturating_mul(every_ms)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_poll_skips_missed_announcement_slots() {
        let every = Duration::from_secs(30);
        let first = Instant::from_secs(30);
        assert_eq!(
            next_slot_after(first, every, Instant::from_secs(30)),
            Instant::from_secs(60)
        );
        assert_eq!(
            next_slot_after(first, every, Instant::from_secs(59)),
            Instant::from_secs(60)
        );
        assert_eq!(
            next_slot_after(first, every, Instant::from_secs(3_600)),
            Instant::from_secs(3_630)
        );
    }
}
