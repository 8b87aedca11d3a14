//! What operator screens see of a queue: the waiting count and each agent's state, told to
//! the journal (which publishes live events) only when they change, so a queue task that
//! steps on every timer and command does not flood screens with repeats.

use std::collections::HashMap;
use std::time::SystemTime;

use wasmphony_acd::{AgentId, AgentState, Queue};

use crate::journal::CallJournal;

/// The name a screen shows for an agent's state; `offline` when not logged in to the queue.
pub(crate) fn state_name(state: Option<AgentState>) -> &'static str {
    match state {
        Some(AgentState::Available { .. }) => "available",
        Some(AgentState::Ringing { .. }) => "ringing",
        Some(AgentState::OnCall { .. }) => "on_call",
        Some(AgentState::WrapUp { .. }) => "wrap_up",
        Some(AgentState::Away(_)) => "away",
        None => "offline",
    }
}

/// The last values told for one queue.
#[derive(Debug, Default)]
pub(crate) struct LiveView {
    waiting: Option<u64>,
    agents: HashMap<String, &'static str>,
}

/// What changed since the last look.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Changes {
    /// The new waiting count, when it changed.
    pub(crate) waiting: Option<u64>,
    /// Agents (extension) whose state changed, with the new state.
    pub(crate) agents: Vec<(String, &'static str)>,
}

impl LiveView {
    /// Compares `waiting` and the agents' `states` with what was last seen. The first look
    /// reports the waiting count and every agent that is not offline.
    pub(crate) fn look<'a>(
        &mut self,
        waiting: u64,
        states: impl IntoIterator<Item = (&'a str, &'static str)>,
    ) -> Changes {
        let mut changes = Changes::default();
        if self.waiting != Some(waiting) {
            self.waiting = Some(waiting);
            changes.waiting = Some(waiting);
        }
        for (extension, state) in states {
            let before = self.agents.get(extension).copied().unwrap_or("offline");
            if before != state {
                self.agents.insert(extension.to_owned(), state);
                changes.agents.push((extension.to_owned(), state));
            }
        }
        changes
    }

    /// Looks at `queue` and tells `journal` what changed.
    pub(crate) fn publish(
        &mut self,
        queue: &Queue,
        agents: &[(AgentId, String)],
        tenant: &str,
        queue_name: &str,
        journal: &dyn CallJournal,
    ) {
        let states = agents
            .iter()
            .map(|(id, extension)| (extension.as_str(), state_name(queue.agent_state(*id))));
        let changes = self.look(queue.live_len() as u64, states);
        let now = SystemTime::now();
        if let Some(waiting) = changes.waiting {
            journal.queue_changed(tenant, queue_name, waiting, now);
        }
        for (extension, state) in changes.agents {
            journal.agent_state(tenant, &extension, state, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changes_are_reported() {
        let mut view = LiveView::default();
        let first = view.look(0, [("101", "available"), ("102", "offline")]);
        assert_eq!(
            first,
            Changes {
                waiting: Some(0),
                agents: vec![("101".into(), "available")],
            }
        );
        assert_eq!(
            view.look(0, [("101", "available"), ("102", "offline")]),
            Changes::default()
        );
        let ringing = view.look(1, [("101", "ringing"), ("102", "offline")]);
        assert_eq!(ringing.waiting, Some(1));
        assert_eq!(ringing.agents, vec![("101".to_owned(), "ringing")]);
        let answered = view.look(0, [("101", "on_call"), ("102", "available")]);
        assert_eq!(answered.waiting, Some(0));
        assert_eq!(
            answered.agents,
            vec![
                ("101".to_owned(), "on_call"),
                ("102".to_owned(), "available")
            ]
        );
    }
}
