//! Forwarding plans as configuration.

use crate::error::ForwardError;
use crate::limits::{MAX_FORWARD_STEPS, MAX_TARGETS_PER_STEP};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Something to ring: a user's device, an extension, an external number.
/// Opaque here; the server resolves it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Target(pub String);

impl Target {
    /// A target from its address.
    pub fn new(address: impl Into<String>) -> Self {
        Target(address.into())
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Targets rung together, for at most `timeout`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Rung in parallel.
    pub targets: Vec<Target>,
    /// How long this step rings before the next one starts.
    #[serde(with = "crate::time::secs")]
    pub timeout: Duration,
}

/// An ordered list of steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Tried in order until someone answers.
    pub steps: Vec<Step>,
}

impl Plan {
    /// Ring every target at once (first answer wins).
    pub fn parallel(targets: Vec<Target>, timeout: Duration) -> Self {
        Plan {
            steps: vec![Step { targets, timeout }],
        }
    }

    /// Ring targets one after another, each for `per_step`.
    pub fn sequential(targets: Vec<Target>, per_step: Duration) -> Self {
        Plan {
            steps: targets
                .into_iter()
                .map(|target| Step {
                    targets: vec![target],
                    timeout: per_step,
                })
                .collect(),
        }
    }

    /// Rings the customer's assigned manager alone first, when there is one;
    /// the manager is not rung again by later steps.
    pub fn manager_first(mut self, manager: Option<Target>, timeout: Duration) -> Self {
        let Some(manager) = manager else { return self };
        for step in &mut self.steps {
            step.targets.retain(|target| *target != manager);
        }
        self.steps.retain(|step| !step.targets.is_empty());
        self.steps.insert(
            0,
            Step {
                targets: vec![manager],
                timeout,
            },
        );
        self
    }

    /// Checks the plan against the limits and that it rings somebody.
    pub fn validate(&self) -> Result<(), ForwardError> {
        if self.steps.len() > MAX_FORWARD_STEPS
            || self
                .steps
                .iter()
                .any(|s| s.targets.len() > MAX_TARGETS_PER_STEP)
        {
            return Err(ForwardError::PlanTooLarge);
        }
        if self.steps.iter().all(|step| step.targets.is_empty()) {
            return Err(ForwardError::EmptyPlan);
        }
        Ok(())
    }
}
