//! Sandbox limits: every bound a guest can run into, in one place.

use std::time::Duration;

/// Bounds applied to every scenario instance. The defaults suit production;
/// tests shrink them to prove that each bound holds.
#[derive(Debug, Clone)]
pub struct SandboxLimits {
    /// Linear memory one instance may grow to.
    pub max_memory_bytes: usize,
    /// Elements of one table.
    pub max_table_elements: usize,
    /// Wasm stack one instance may use before it traps (unbounded recursion).
    pub max_wasm_stack_bytes: usize,
    /// Wall time a guest may run between two host calls before it is stopped.
    /// Measured in epoch ticks, so the resolution is [`SandboxLimits::epoch_tick`].
    pub cpu_budget: Duration,
    /// Period of the epoch ticker that measures `cpu_budget` and lets long-running
    /// guests yield to other calls.
    pub epoch_tick: Duration,
    /// Instances one tenant may have running at once.
    pub max_instances_per_tenant: u32,
    /// Log lines one call may write; the next one stops the guest.
    pub max_log_lines: u32,
    /// Bytes of one log line kept (the rest is cut).
    pub max_log_line_bytes: usize,
    /// Bytes of any one string argument a guest passes to the host.
    pub max_string_bytes: usize,
    /// Elements of any one list argument (prompts, targets, fields).
    pub max_list_len: usize,
    /// Call variables one call may hold.
    pub max_vars: usize,
}

impl SandboxLimits {
    /// The limits a production host runs with.
    pub const DEFAULT: SandboxLimits = SandboxLimits {
        max_memory_bytes: 16 * 1024 * 1024,
        max_table_elements: 20_000,
        max_wasm_stack_bytes: 512 * 1024,
        cpu_budget: Duration::from_millis(200),
        epoch_tick: Duration::from_millis(5),
        max_instances_per_tenant: 5_000,
        max_log_lines: 1_000,
        max_log_line_bytes: 2_048,
        max_string_bytes: 4_096,
        max_list_len: 64,
        max_vars: 128,
    };

    /// Bytes of one instance's fiber stack: the guest's wasm stack plus room for the
    /// host functions, which run on the same fiber.
    pub fn fiber_stack_bytes(&self) -> usize {
        self.max_wasm_stack_bytes + 256 * 1024
    }

    /// The CPU budget expressed in epoch ticks (at least one).
    pub fn cpu_budget_ticks(&self) -> u64 {
        let tick = self.epoch_tick.as_micros().max(1);
        (self.cpu_budget.as_micros() / tick).max(1) as u64
    }
}

impl Default for SandboxLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_budget_is_counted_in_ticks() {
        let limits = SandboxLimits {
            cpu_budget: Duration::from_millis(100),
            epoch_tick: Duration::from_millis(5),
            ..SandboxLimits::DEFAULT
        };
        assert_eq!(limits.cpu_budget_ticks(), 20);
    }

    #[test]
    fn a_budget_below_one_tick_still_allows_one_tick() {
        let limits = SandboxLimits {
            cpu_budget: Duration::from_micros(10),
            epoch_tick: Duration::from_millis(5),
            ..SandboxLimits::DEFAULT
        };
        assert_eq!(limits.cpu_budget_ticks(), 1);
    }
}
