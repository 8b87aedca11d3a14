//! The kind of a live event: its JSON `type`, the `X-Wasmphony-Event` header and what a
//! webhook's event filter names.

use wasmphony_events::LiveEvent;

/// The `type` of `event` as serialised (`call_ringing`, …). The match is exhaustive, so a
/// new event kind does not compile until it is named here (and, by the test below, in the
/// store's list of kinds a webhook may filter on).
pub fn event_kind(event: &LiveEvent) -> &'static str {
    match event {
        LiveEvent::CallRinging { .. } => "call_ringing",
        LiveEvent::CallAnswered { .. } => "call_answered",
        LiveEvent::CallBridged { .. } => "call_bridged",
        LiveEvent::VoicemailLeft { .. } => "voicemail_left",
        LiveEvent::CallEnded { .. } => "call_ended",
        LiveEvent::QueueChanged { .. } => "queue_changed",
        LiveEvent::AgentState { .. } => "agent_state",
        LiveEvent::Lagged { .. } => "lagged",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use super::*;
    use wasmphony_store::WEBHOOK_EVENT_KINDS;

    fn one_of_each() -> Vec<LiveEvent> {
        vec![
            LiveEvent::CallRinging {
                call_id: "c".into(),
                from: "1".into(),
                to: "2".into(),
                dialed: "2".into(),
                scenario: "s".into(),
                contact: None,
                at_ms: 0,
            },
            LiveEvent::CallAnswered {
                call_id: "c".into(),
                at_ms: 0,
            },
            LiveEvent::CallBridged {
                call_id: "c".into(),
                with: "101".into(),
                queue: None,
                agent: Some("101".into()),
                at_ms: 0,
            },
            LiveEvent::VoicemailLeft {
                call_id: "c".into(),
                from: "1".into(),
                dialed: "2".into(),
                recording: "c-1".into(),
                duration_ms: 0,
                at_ms: 0,
            },
            LiveEvent::CallEnded {
                call_id: "c".into(),
                disposition: "answered".into(),
                hangup_side: "caller".into(),
                duration_ms: 0,
                at_ms: 0,
            },
            LiveEvent::QueueChanged {
                queue: "q".into(),
                waiting: 0,
                at_ms: 0,
            },
            LiveEvent::AgentState {
                extension: "101".into(),
                state: "busy".into(),
                at_ms: 0,
            },
            LiveEvent::Lagged { missed: 1 },
        ]
    }

    #[test]
    fn the_kind_is_the_json_type_and_the_store_knows_every_kind() {
        let events = one_of_each();
        for event in &events {
            let json = serde_json::to_value(event).unwrap();
            assert_eq!(json["type"], event_kind(event));
            assert!(WEBHOOK_EVENT_KINDS.contains(&event_kind(event)));
        }
        assert_eq!(events.len(), WEBHOOK_EVENT_KINDS.len());
    }
}
