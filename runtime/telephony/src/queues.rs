//! Stored queues as the controller's queue definitions: strategy and limits from the
//! queue, agents from the tenant's users — a queue's agents are the users whose
//! department is the queue's name (the store has no separate membership yet).

use std::time::Duration;

use wasmphony_acd::{OverflowAction, QueueConfig, Strategy};
use wasmphony_controller::QueueDefinition;
use wasmphony_store::{Fallback, Queue, QueueStrategy, User};

/// The controller's definition of `queue` with `users` of its tenant.
pub fn queue_definition(queue: &Queue, users: &[User]) -> QueueDefinition {
    let spec = &queue.spec;
    let mut members: Vec<String> = users
        .iter()
        .filter(|user| user.department.as_deref() == Some(spec.name.as_str()))
        .map(|user| user.extension.clone())
        .collect();
    members.sort();
    let config = QueueConfig {
        strategy: match spec.strategy {
            QueueStrategy::RingAll => Strategy::RingAll,
            QueueStrategy::LongestIdle => Strategy::LongestIdle,
            QueueStrategy::RoundRobin => Strategy::RoundRobin,
            QueueStrategy::Skills => Strategy::Skills,
        },
        max_wait: u64::try_from(spec.max_wait_ms)
            .ok()
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis),
        max_length: usize::try_from(spec.max_length).ok().filter(|n| *n > 0),
        overflow: match &spec.overflow {
            Some(Fallback::Queue { name }) => OverflowAction::Queue(name.clone()),
            Some(Fallback::Number { number }) => OverflowAction::Number(number.clone()),
            Some(Fallback::Scenario { .. }) => OverflowAction::VoiceSelfOrder,
            Some(Fallback::Voicemail | Fallback::Announcement { .. }) | None => {
                OverflowAction::Voicemail
            }
        },
        ..QueueConfig::default()
    };
    QueueDefinition {
        name: spec.name.clone(),
        config,
        members,
    }
}
