//! Stored queues as the controller's queue definitions: strategy and limits from the
//! queue, agents from the tenant's users — a queue's agents are the users whose
//! department is the queue's name (the store has no separate membership yet). The
//! stored callback offer, ring timeout, wrap-up and announcement interval carry over;
//! the rest is the ACD core's default.

use std::time::Duration;

use wasmphony_acd::{OverflowAction, QueueConfig, Strategy};
use wasmphony_controller::QueueDefinition;
use wasmphony_store::{Fallback, Queue, QueueStrategy, User};

/// The controller's definition of `queue` with `users` of its tenant.
pub fn queue_definition(queue: &Queue, users: &[User]) -> QueueDefinition {
    let spec = &queue.spec;
    let settings = &spec.settings;
    let defaults = QueueConfig::default();
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
        max_wait: duration_ms(spec.max_wait_ms),
        max_length: usize::try_from(spec.max_length).ok().filter(|n| *n > 0),
        overflow: match &spec.overflow {
            Some(Fallback::Queue { name }) => OverflowAction::Queue(name.clone()),
            Some(Fallback::Number { number }) => OverflowAction::Number(number.clone()),
            Some(Fallback::Scenario { .. }) => OverflowAction::VoiceSelfOrder,
            Some(Fallback::Voicemail | Fallback::Announcement { .. }) | None => {
                OverflowAction::Voicemail
            }
        },
        ring_timeout: duration_ms(settings.ring_timeout_ms).unwrap_or(defaults.ring_timeout),
        wrap_up: duration_ms(settings.wrap_up_ms).unwrap_or(Duration::ZERO),
        announce_every: settings.announce_every_ms.and_then(duration_ms),
        offer_callback: settings.offer_callback,
        callback_key: settings
            .callback_key
            .chars()
            .next()
            .unwrap_or(defaults.callback_key),
        ..defaults
    };
    QueueDefinition {
        name: spec.name.clone(),
        config,
        members,
    }
}

/// A positive stored number of milliseconds as a duration; `None` for zero or less.
fn duration_ms(ms: i64) -> Option<Duration> {
    u64::try_from(ms)
        .ok()
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmphony_store::{QueueId, QueueSettings, QueueSpec, TenantId};

    fn stored(settings: QueueSettings, overflow: Option<Fallback>) -> Queue {
        Queue {
            id: QueueId(1),
            tenant_id: TenantId(1),
            spec: QueueSpec {
                name: "bookings".into(),
                strategy: QueueStrategy::RingAll,
                max_wait_ms: 8_000,
                max_length: 5,
                overflow,
                settings,
            },
        }
    }

    #[test]
    fn default_stored_settings_are_the_cores_defaults() {
        let config = queue_definition(&stored(QueueSettings::default(), None), &[]).config;
        let defaults = QueueConfig::default();
        assert_eq!(config.ring_timeout, defaults.ring_timeout);
        assert_eq!(config.wrap_up, defaults.wrap_up);
        assert_eq!(config.announce_every, defaults.announce_every);
        assert_eq!(config.offer_callback, defaults.offer_callback);
        assert_eq!(config.callback_key, defaults.callback_key);
        assert_eq!(config.max_wait, Some(Duration::from_secs(8)));
        assert_eq!(config.max_length, Some(5));
        assert_eq!(config.overflow, OverflowAction::Voicemail);
    }

    #[test]
    fn stored_settings_and_overflow_carry_over() {
        let settings = QueueSettings {
            offer_callback: true,
            callback_key: "#".into(),
            ring_timeout_ms: 4_000,
            wrap_up_ms: 0,
            announce_every_ms: None,
        };
        let backup = Fallback::Number {
            number: "+359888000999".into(),
        };
        let config = queue_definition(&stored(settings, Some(backup)), &[]).config;
        assert_eq!(config.ring_timeout, Duration::from_secs(4));
        assert_eq!(config.wrap_up, Duration::ZERO);
        assert_eq!(config.announce_every, None);
        assert_eq!(config.callback_key(), Some('#'));
        assert_eq!(
            config.overflow,
            OverflowAction::Number("+359888000999".into())
        );
        let to_queue = Fallback::Queue {
            name: "reception".into(),
        };
        let config = queue_definition(&stored(QueueSettings::default(), Some(to_queue)), &[]);
        assert_eq!(
            config.config.overflow,
            OverflowAction::Queue("reception".into())
        );
    }
}
