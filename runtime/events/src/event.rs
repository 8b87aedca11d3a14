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
    /// The caller was connected to another party (an agent, a dialled number or phone),
    /// between `call_answered` and `call_ended`; a call may be bridged more than once.
    CallBridged {
        /// The call's id. For a queue's callback task, which is not a journalled call,
        /// the agent leg's Call-ID.
        call_id: String,
        /// The other party as the call named it: an extension, a number or a SIP URI.
        with: String,
        /// The queue that connected them, when one did.
        queue: Option<String>,
        /// The agent's extension, when the other party (or, for click-to-call and
        /// callbacks, the leg rung first) is an agent.
        agent: Option<String>,
        /// When the two were connected.
        at_ms: u64,
    },
    /// The caller left a voicemail (announced before the call's `call_ended`).
    VoicemailLeft {
        /// The call's id.
        call_id: String,
        /// The caller's number.
        from: String,
        /// The tenant number that was dialed.
        dialed: String,
        /// The recording's id, as in the call's timeline (the file `<id>.wav`).
        recording: String,
        /// How long the message is.
        duration_ms: u64,
        /// When the message ended.
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
    fn bridged_and_voicemail_events_have_their_documented_shape() {
        let bridged = LiveEvent::CallBridged {
            call_id: "c1".into(),
            with: "101".into(),
            queue: Some("sales".into()),
            agent: Some("101".into()),
            at_ms: 7,
        };
        let json = serde_json::to_value(&bridged).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "type": "call_bridged", "call_id": "c1", "with": "101",
                "queue": "sales", "agent": "101", "at_ms": 7
            })
        );
        assert_eq!(serde_json::from_value::<LiveEvent>(json).unwrap(), bridged);
        let dialled = serde_json::to_value(LiveEvent::CallBridged {
            call_id: "c2".into(),
            with: "+4930111222".into(),
            queue: None,
            agent: None,
            at_ms: 8,
        })
        .unwrap();
        assert!(dialled["queue"].is_null() && dialled["agent"].is_null());

        let voicemail = LiveEvent::VoicemailLeft {
            call_id: "c3".into(),
            from: "+4917000001".into(),
            dialed: "+4930111222".into(),
            recording: "c3-1".into(),
            duration_ms: 4_200,
            at_ms: 9,
        };
        let json = serde_json::to_value(&voicemail).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "type": "voicemail_left", "call_id": "c3", "from": "+4917000001",
                "dialed": "+4930111222", "recording": "c3-1", "duration_ms": 4200, "at_ms": 9
            })
        );
        assert_eq!(
            serde_json::from_value::<LiveEvent>(json).unwrap(),
            voicemail
        );
    }

    #[test]
    fn unix_ms_counts_from_the_epoch() {
        assert_eq!(unix_ms(UNIX_EPOCH + Duration::from_millis(1_500)), 1_500);
        assert_eq!(unix_ms(UNIX_EPOCH - Duration::from_secs(1)), 0);
    }
}
