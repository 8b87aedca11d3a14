//! What a screen is told. One JSON object per event, tagged by `type`.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// One live event of a tenant. Serialised as `{"type": "call_ringing", ...}`; times are
/// milliseconds since the Unix epoch (`at_ms`, see [`unix_ms`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A call was admitted and its scenario is about to run: the moment for a screen pop.
    CallRinging {
        /// The call's id (the inbound leg's Call-ID, as in the call records).
        call_id: String,
        /// The caller's number.
        from: String,
        /// The callee as in the To header.
        to: String,
        /// The tenant number that was dialed.
        dialed: String,
        /// The scenario taking the call.
        scenario: String,
        /// The caller's customer card, when the number is a known contact.
        contact: Option<serde_json::Value>,
        /// When the call arrived.
        at_ms: u64,
    },
    /// The call was answered.
    CallAnswered {
        /// The call's id.
        call_id: String,
        /// When it was answered.
        at_ms: u64,
    },
    /// The call is over.
    CallEnded {
        /// The call's id.
        call_id: String,
        /// How it ended, as stored in the call record (`answered`, `abandoned`, ...).
        disposition: String,
        /// Who ended it (`caller`, `host`, ...).
        hangup_side: String,
        /// From arrival to the end.
        duration_ms: u64,
        /// When it ended.
        at_ms: u64,
    },
    /// A queue's waiting callers changed.
    QueueChanged {
        /// The queue's name.
        queue: String,
        /// Callers waiting now.
        waiting: u32,
        /// When it changed.
        at_ms: u64,
    },
    /// An agent's state changed.
    AgentState {
        /// The agent's extension.
        extension: String,
        /// The new state (`available`, `ringing`, `busy`, `wrap_up`, `offline`, ...).
        state: String,
        /// When it changed.
        at_ms: u64,
    },
    /// Produced by the bus, not by publishers: this subscriber read too slowly and
    /// `missed` events were dropped for it. A screen should reload its state.
    Lagged {
        /// How many events this subscriber missed.
        missed: u64,
    },
}

/// `time` as milliseconds since the Unix epoch (0 for times before it), for `at_ms`.
pub fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn events_are_tagged_snake_case_json() {
        let ringing = LiveEvent::CallRinging {
            call_id: "c1".into(),
            from: "+4917000001".into(),
            to: "+4930111222".into(),
            dialed: "+4930111222".into(),
            scenario: "ivr".into(),
            contact: Some(serde_json::json!({"name": "Ada"})),
            at_ms: 42,
        };
        let json = serde_json::to_value(&ringing).unwrap();
        assert_eq!(json["type"], "call_ringing");
        assert_eq!(json["contact"]["name"], "Ada");
        assert_eq!(json["at_ms"], 42);
        let back: LiveEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, ringing);

        let lagged = serde_json::to_value(LiveEvent::Lagged { missed: 3 }).unwrap();
        assert_eq!(lagged, serde_json::json!({"type": "lagged", "missed": 3}));
        let agent = serde_json::to_value(LiveEvent::AgentState {
            extension: "101".into(),
            state: "busy".into(),
            at_ms: 1,
        })
        .unwrap();
        assert_eq!(agent["type"], "agent_state");
    }

    #[test]
    fn unix_ms_counts_from_the_epoch() {
        assert_eq!(unix_ms(UNIX_EPOCH + Duration::from_millis(1_500)), 1_500);
        assert_eq!(unix_ms(UNIX_EPOCH - Duration::from_secs(1)), 0);
    }
}
