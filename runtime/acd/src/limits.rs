//! Hard limits. Everything a peer (callers) or tenant (configuration, agents)
//! can grow is bounded here, so one tenant cannot exhaust the host's memory.

use std::time::Duration;

/// Entries one queue holds at once: live waiting callers plus callback tasks.
/// A join beyond this overflows, whatever the configured `max_length`.
pub const MAX_QUEUE_ENTRIES: usize = 10_000;

/// Agents logged into one queue. Logins beyond this are refused.
pub const MAX_AGENTS_PER_QUEUE: usize = 1_000;

/// Devices one agent may ring on at once (desk phone, softphone, mobile, …).
pub const MAX_DEVICES_PER_AGENT: usize = 8;

/// Skills one agent may carry.
pub const MAX_SKILLS_PER_AGENT: usize = 64;

/// Recent handle times kept for the wait estimate (a moving window).
pub const HANDLE_TIME_WINDOW: usize = 50;

/// Shortest ring timeout per offer; shorter configured values are raised to it.
pub const MIN_RING_TIMEOUT: Duration = Duration::from_secs(1);

/// Shortest interval between announcements to one caller; shorter configured
/// values are raised to it (a prompt itself lasts several seconds).
pub const MIN_ANNOUNCE_INTERVAL: Duration = Duration::from_secs(5);

/// Steps one forwarding plan may have.
pub const MAX_FORWARD_STEPS: usize = 32;

/// Targets one forwarding step may ring in parallel.
pub const MAX_TARGETS_PER_STEP: usize = 64;
