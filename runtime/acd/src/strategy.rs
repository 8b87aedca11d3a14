//! Agent selection per strategy. Pure functions over the free agents that may
//! serve one caller; the queue applies the result.

use crate::agent::Agent;
use crate::config::Strategy;
use crate::ids::{AgentId, Skill};

/// Picks who to ring for a caller needing `skill`, among `candidates` (free
/// agents able to serve, in agent-id order, untried ones already preferred by
/// the queue). `round_robin_after` is the agent rung last by round-robin.
pub(crate) fn select(
    strategy: Strategy,
    candidates: &[&Agent],
    skill: Option<&Skill>,
    round_robin_after: Option<AgentId>,
) -> Vec<AgentId> {
    match strategy {
        Strategy::RingAll => candidates.iter().map(|agent| agent.spec.id).collect(),
        Strategy::LongestIdle => longest_idle(candidates).into_iter().collect(),
        Strategy::RoundRobin => round_robin(candidates, round_robin_after)
            .into_iter()
            .collect(),
        Strategy::Skills => best_skilled(candidates, skill).into_iter().collect(),
    }
}

fn longest_idle(candidates: &[&Agent]) -> Option<AgentId> {
    // min_by_key keeps the first of equals, so login order breaks ties.
    candidates
        .iter()
        .min_by_key(|agent| agent.idle_since())
        .map(|agent| agent.spec.id)
}

/// The first candidate after the last one rung, wrapping around. The rotation
/// follows agent ids, so the pointer stays meaningful across logins and logouts.
fn round_robin(candidates: &[&Agent], after: Option<AgentId>) -> Option<AgentId> {
    let first = candidates.first().map(|agent| agent.spec.id);
    let Some(after) = after else { return first };
    candidates
        .iter()
        .map(|agent| agent.spec.id)
        .find(|id| *id > after)
        .or(first)
}

fn best_skilled(candidates: &[&Agent], skill: Option<&Skill>) -> Option<AgentId> {
    let Some(skill) = skill else {
        return longest_idle(candidates);
    };
    candidates
        .iter()
        .min_by_key(|agent| {
            (
                std::cmp::Reverse(agent.spec.level(skill)),
                agent.idle_since(),
            )
        })
        .map(|agent| agent.spec.id)
}
