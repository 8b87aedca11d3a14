//! The auto-callback dialer: works each tenant's stored missed-call list (callback tasks
//! from unanswered calls, scenarios' `schedule_callback` and website requests with a due
//! time). Every [`DIAL_INTERVAL`] it looks at each tenant's due tasks and hands them, one
//! claim at a time, to a queue through [`CallbackQueues`]; the queue takes a task only
//! when one of its agents is free, rings the agent, then dials the customer, and records
//! the attempt (`StoreServices::finish_callback`). A claim the queue cannot serve is
//! given back at once, so no task waits claimed without an agent.
//!
//! - Which queue: the task's own (the queue its request named: a scenario's
//!   `CallbackRequest.queue`, a "press 1"), else — none named, or one the tenant no longer
//!   has — the tenant's queues in name order, the first with a free agent taking it
//!   ([`queues_for`]). A tenant without queues keeps its tasks on the list.
//! - Working hours: a task whose dialled number has a route with working hours is only
//!   dialled while that route is open; outside it stays on the list for later.
//! - Retries: [`MAX_ATTEMPTS`] attempts, a not-reached attempt due again after
//!   [`RETRY_PAUSE`] ([`outcome_after`]), then `failed`.
//! - Tasks a queue already holds in memory (a caller pressed the callback key) are
//!   claimed by the queue when filed ([`queue_claimer`]), so the dialer never takes them;
//!   after a restart those claims, and the dialer's own, are given back
//!   ([`Dialer::release_stale_claims`]).

mod plan;
mod run;

pub use plan::{
    MAX_ATTEMPTS, RETRY_PAUSE, TASKS_PER_TENANT, dialable, outcome_after, queue_order, queues_for,
};
pub use run::{
    CallbackQueues, DIAL_INTERVAL, Dialer, DialerError, TickReport, dialer_claimer, queue_claimer,
    run_dialer,
};
