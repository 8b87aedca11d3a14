//! What takes the caller when a scenario fails: the route's fallback.
//! This runs in the host, never in the guest, so it works whatever the guest did.

use serde::{Deserialize, Serialize};

use crate::api::{
    CallError, DialOptions, DialStrategy, DialTarget, EnqueueOptions, HangupCause, Prompt,
    RecordOptions,
};
use crate::control::CallControl;

/// The route's fallback. Serialised in route configuration as, for example,
/// `{"queue": "kitchen"}`, `{"dial": ["+359888000111"]}`, `"voicemail"`,
/// `{"announcement": "sorry"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fallback {
    /// Put the caller into a queue.
    Queue(String),
    /// Ring these targets in parallel (extensions, numbers or `sip:` URIs).
    Dial(Vec<String>),
    /// Play `voicemail-greeting`, then record a message.
    Voicemail,
    /// Play a library prompt and hang up.
    Announcement(String),
}

impl Default for Fallback {
    /// Voicemail: the caller is heard and the call lands in the missed list.
    fn default() -> Self {
        Fallback::Voicemail
    }
}

/// Prompt played before a voicemail recording.
pub const VOICEMAIL_GREETING: &str = "voicemail-greeting";
/// Seconds a fallback dial rings before giving up.
const FALLBACK_RING_SECONDS: u32 = 30;
/// Longest voicemail message, in seconds.
const VOICEMAIL_MAX_SECONDS: u32 = 120;

/// What the fallback achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FallbackOutcome {
    Served,
    Failed(CallError),
}

/// Interprets `"101"` as an extension, `"+359…"` or a long digit string as a
/// number, `"sip:…"` as a URI.
pub fn parse_target(text: &str) -> DialTarget {
    let digits = text.trim_start_matches('+');
    if text.starts_with("sip:") || text.starts_with("sips:") {
        DialTarget::SipUri(text.to_string())
    } else if text.starts_with('+') || digits.len() > 6 {
        DialTarget::Number(text.to_string())
    } else {
        DialTarget::Extension(text.to_string())
    }
}

pub(crate) async fn run_fallback(
    call: &mut dyn CallControl,
    fallback: &Fallback,
) -> FallbackOutcome {
    match serve(call, fallback).await {
        Ok(()) => FallbackOutcome::Served,
        Err(err) => FallbackOutcome::Failed(err),
    }
}

async fn serve(call: &mut dyn CallControl, fallback: &Fallback) -> Result<(), CallError> {
    call.answer().await?;
    match fallback {
        Fallback::Queue(queue) => {
            call.enqueue(EnqueueOptions {
                queue: queue.clone(),
                priority: 0,
                announce_every_seconds: 30,
                max_wait_seconds: 0,
                callback_key: Some("1".into()),
            })
            .await?;
        }
        Fallback::Dial(targets) => {
            call.dial(DialOptions {
                targets: targets.iter().map(|t| parse_target(t)).collect(),
                strategy: DialStrategy::Parallel,
                ring_timeout_seconds: FALLBACK_RING_SECONDS,
                caller_id: None,
                record: false,
            })
            .await?;
        }
        Fallback::Voicemail => {
            call.play(
                vec![Prompt::File(VOICEMAIL_GREETING.into()), Prompt::Beep],
                false,
            )
            .await?;
            call.record(RecordOptions {
                max_seconds: VOICEMAIL_MAX_SECONDS,
                silence_seconds: 5,
                beep: false,
                terminators: "#".into(),
            })
            .await?;
        }
        Fallback::Announcement(prompt) => {
            call.play(vec![Prompt::File(prompt.clone())], false).await?;
        }
    }
    call.hangup(HangupCause::Normal).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_told_apart_by_shape() {
        assert_eq!(parse_target("101"), DialTarget::Extension("101".into()));
        assert_eq!(
            parse_target("+359888000111"),
            DialTarget::Number("+359888000111".into())
        );
        assert_eq!(
            parse_target("0888000111"),
            DialTarget::Number("0888000111".into())
        );
        assert_eq!(
            parse_target("sip:bob@example.org"),
            DialTarget::SipUri("sip:bob@example.org".into())
        );
    }

    #[test]
    fn fallback_reads_from_route_configuration() {
        let parsed: Fallback =
            serde_json::from_str(r#"{"queue":"kitchen"}"#).expect("valid fallback json");
        assert_eq!(parsed, Fallback::Queue("kitchen".into()));
        let parsed: Fallback = serde_json::from_str(r#""voicemail""#).expect("valid fallback json");
        assert_eq!(parsed, Fallback::Voicemail);
        let parsed: Fallback =
            serde_json::from_str(r#"{"dial":["+1555","101"]}"#).expect("valid fallback json");
        assert_eq!(parsed, Fallback::Dial(vec!["+1555".into(), "101".into()]));
        assert!(serde_json::from_str::<Fallback>(r#"{"teleport":"x"}"#).is_err());
    }
}
