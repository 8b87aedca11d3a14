//! Queue configuration as tenants write it.

use std::time::Duration;
use wasmphony_acd::{OverflowAction, QueueConfig, Strategy};

#[test]
fn a_partial_configuration_fills_in_defaults() {
    let config: QueueConfig = serde_json::from_str(
        r#"{"strategy":"round-robin","ring_timeout":12,"overflow":{"kind":"queue","to":"delivery"},"max_wait":null}"#,
    )
    .expect("valid config");
    assert_eq!(config.strategy, Strategy::RoundRobin);
    assert_eq!(config.ring_timeout, Duration::from_secs(12));
    assert_eq!(config.overflow, OverflowAction::Queue("delivery".into()));
    assert_eq!(config.max_wait, None);
    assert_eq!(config.service_level_threshold, Duration::from_secs(20));
}

#[test]
fn configuration_round_trips_and_rejects_unknown_fields() {
    let config = QueueConfig {
        overflow: OverflowAction::VoiceSelfOrder,
        ..QueueConfig::default()
    };
    let text = serde_json::to_string(&config).expect("serialises");
    assert_eq!(
        serde_json::from_str::<QueueConfig>(&text).expect("parses"),
        config
    );
    assert!(serde_json::from_str::<QueueConfig>(r#"{"ring_timout":3}"#).is_err());
}

#[test]
fn the_cores_can_move_into_a_tokio_task() {
    fn assert_send_static<T: Send + 'static>() {}
    assert_send_static::<wasmphony_acd::Queue>();
    assert_send_static::<wasmphony_acd::Forwarding>();
    assert_send_static::<wasmphony_acd::Action>();
}
