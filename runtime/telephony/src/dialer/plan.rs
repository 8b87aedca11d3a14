//! The dialer's decisions, without IO: which tasks to try now, which queue, and what a
//! finished attempt means for the task. Everything takes `now`.

use std::collections::HashMap;
use std::time::Duration;

use wasmphony_engine::CallbackAttempt;
use wasmphony_store::{CallbackOutcome, CallbackState, CallbackTask, UnixMs, WorkingHours};

/// Attempts at one task (agent rung and customer dialled) before it is `failed`.
pub const MAX_ATTEMPTS: u32 = 3;
/// How long a customer who was not reached is left alone before the next attempt.
pub const RETRY_PAUSE: Duration = Duration::from_secs(10 * 60);
/// Most due tasks of one tenant looked at per round (the rest wait for the next round).
pub const TASKS_PER_TENANT: u32 = 50;

/// What a task becomes after an attempt, `attempts` counting this one.
pub fn outcome_after(attempts: u32, attempt: CallbackAttempt, now: UnixMs) -> CallbackOutcome {
    match attempt {
        CallbackAttempt::Reached => CallbackOutcome::Done,
        CallbackAttempt::NotReached if attempts >= MAX_ATTEMPTS => CallbackOutcome::Failed,
        CallbackAttempt::NotReached => {
            let pause = i64::try_from(RETRY_PAUSE.as_millis()).unwrap_or(i64::MAX);
            CallbackOutcome::Retry {
                due: UnixMs(now.0.saturating_add(pause)),
            }
        }
    }
}

/// The tasks to try now, soonest due first: new, due, and not outside the working
/// hours of the route of the number they are called back from (`hours`, by number).
/// A number without a route or without hours is always open.
pub fn dialable<'a>(
    tasks: &'a [CallbackTask],
    hours: &HashMap<String, WorkingHours>,
    now: UnixMs,
) -> Vec<&'a CallbackTask> {
    let mut chosen: Vec<&CallbackTask> = tasks
        .iter()
        .filter(|task| task.state == CallbackState::New && task.due <= now)
        .filter(|task| {
            hours
                .get(&task.dialed)
                .is_none_or(|hours| hours.is_open(now))
        })
        .collect();
    chosen.sort_by_key(|task| (task.due, task.id));
    chosen
}

/// The tenant's queues by name: the order tasks without a queue of their own are offered.
pub fn queue_order<'a>(queues: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut names: Vec<&str> = queues.into_iter().collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The queues `task` is offered to, in order, from the tenant's (`ordered`, by name):
/// its own when it names one the tenant has; else all of them (the first with a free
/// agent takes it).
pub fn queues_for<'a>(task: &CallbackTask, ordered: &[&'a str]) -> Vec<&'a str> {
    match ordered
        .iter()
        .find(|name| Some(**name) == task.queue.as_deref())
    {
        Some(own) => vec![*own],
        None => ordered.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use wasmphony_store::{CallbackTaskId, OpenWindow, TenantId};

    use super::*;

    /// Monday 2024-01-01 00:00 UTC.
    const MONDAY: i64 = 1_704_067_200_000;
    const HOUR: i64 = 3_600_000;

    fn task(id: i64, dialed: &str, due: i64, state: CallbackState) -> CallbackTask {
        CallbackTask {
            id: CallbackTaskId(id),
            tenant_id: TenantId(1),
            number: "+49301234567".into(),
            dialed: dialed.into(),
            reason: "no_answer".into(),
            state,
            attempts: 0,
            missed_count: 1,
            due: UnixMs(due),
            created: UnixMs(0),
            updated: UnixMs(0),
            claimed_by: None,
            last_call: None,
            closed_by_call: None,
            queue: None,
        }
    }

    fn office_hours() -> WorkingHours {
        WorkingHours {
            utc_offset_minutes: 0,
            windows: vec![OpenWindow {
                days: vec![1, 2, 3, 4, 5],
                open_minute: 9 * 60,
                close_minute: 17 * 60,
            }],
            after_hours: None,
        }
    }

    #[test]
    fn retries_pause_then_fail_at_the_limit() {
        let now = UnixMs(MONDAY);
        assert_eq!(
            outcome_after(1, CallbackAttempt::Reached, now),
            CallbackOutcome::Done
        );
        assert_eq!(
            outcome_after(1, CallbackAttempt::NotReached, now),
            CallbackOutcome::Retry {
                due: UnixMs(MONDAY + 600_000)
            }
        );
        assert_eq!(
            outcome_after(MAX_ATTEMPTS - 1, CallbackAttempt::NotReached, now),
            CallbackOutcome::Retry {
                due: UnixMs(MONDAY + 600_000)
            }
        );
        assert_eq!(
            outcome_after(MAX_ATTEMPTS, CallbackAttempt::NotReached, now),
            CallbackOutcome::Failed
        );
        assert_eq!(
            outcome_after(MAX_ATTEMPTS, CallbackAttempt::Reached, now),
            CallbackOutcome::Done
        );
    }

    #[test]
    fn only_new_due_tasks_inside_hours_soonest_first() {
        let hours = HashMap::from([("+4930555000".to_string(), office_hours())]);
        let tasks = [
            task(1, "+4930555000", MONDAY + 10 * HOUR, CallbackState::New),
            task(2, "+4930555999", MONDAY, CallbackState::New),
            task(3, "+4930555000", MONDAY + 8 * HOUR, CallbackState::New),
            task(4, "+4930555000", MONDAY, CallbackState::InProgress),
            task(5, "+4930555000", MONDAY, CallbackState::Failed),
        ];
        let ids = |now: i64| -> Vec<i64> {
            dialable(&tasks, &hours, UnixMs(now))
                .iter()
                .map(|task| task.id.0)
                .collect()
        };
        // 08:00: the office is closed; only the number without hours is dialled.
        assert_eq!(ids(MONDAY + 8 * HOUR), vec![2]);
        // 09:30: open; task 1 is not due before 10:00.
        assert_eq!(ids(MONDAY + 9 * HOUR + HOUR / 2), vec![2, 3]);
        // 10:00: all due, soonest first.
        assert_eq!(ids(MONDAY + 10 * HOUR), vec![2, 3, 1]);
        // 17:00: closed again; the office's tasks wait for tomorrow.
        assert_eq!(ids(MONDAY + 17 * HOUR), vec![2]);
    }

    #[test]
    fn a_task_goes_to_its_own_queue_else_to_any() {
        let ordered = queue_order(["support", "billing"]);
        let mut own = task(1, "+4930555000", MONDAY, CallbackState::New);
        own.queue = Some("support".into());
        assert_eq!(queues_for(&own, &ordered), vec!["support"]);
        own.queue = Some("gone".into());
        assert_eq!(queues_for(&own, &ordered), vec!["billing", "support"]);
        own.queue = None;
        assert_eq!(queues_for(&own, &ordered), vec!["billing", "support"]);
    }

    #[test]
    fn queues_are_tried_by_name() {
        assert_eq!(
            queue_order(["support", "billing"]),
            vec!["billing", "support"]
        );
        assert!(queue_order([]).is_empty());
    }
}
