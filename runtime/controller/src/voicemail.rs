//! Whether a finished call left a voicemail, and which recording it is: what the live
//! `voicemail_left` event (and so a webhook) announces.
//!
//! The host records audio for any reason a scenario has; a recording is a voicemail when
//! the call says so: the scenario tagged the call [`VOICEMAIL_TAG`] (the convention the
//! shipped scenarios and the store's missed-call list follow), or the route's voicemail
//! fallback took the caller and finished. The message is the recording the
//! [`VOICEMAIL_TAG`] variable names, else the call's last one.

use wasmphony_engine::{Fallback, FallbackOutcome};

use crate::call_book::{CallBook, CallIdentity};
use crate::journal::VoicemailLeft;

/// The tag (and variable, holding the recording id) of a call that took a message.
pub const VOICEMAIL_TAG: &str = "voicemail";

/// The voicemail `book`'s call left, if it left one. `fallback` is the route's fallback
/// and `outcome` what it achieved, when it ran.
pub(crate) fn voicemail_left(
    identity: &CallIdentity,
    book: &CallBook,
    fallback: &Fallback,
    outcome: Option<&FallbackOutcome>,
) -> Option<VoicemailLeft> {
    let tagged = book.tags.iter().any(|tag| tag == VOICEMAIL_TAG);
    let by_fallback =
        *fallback == Fallback::Voicemail && matches!(outcome, Some(FallbackOutcome::Served));
    if !tagged && !by_fallback {
        return None;
    }
    let named = book.get_var(VOICEMAIL_TAG);
    let finished = || book.recordings.iter().filter(|take| take.length.is_some());
    let message = named
        .as_deref()
        .and_then(|id| finished().find(|take| take.id == id))
        .or_else(|| finished().next_back())?;
    let duration = message.length.unwrap_or_default();
    Some(VoicemailLeft {
        tenant: identity.tenant.clone(),
        call_id: identity.call_id.clone(),
        from: identity.from.clone(),
        dialed: identity.dialed.clone(),
        recording: message.id.clone(),
        duration,
        at: message.started_at + duration,
    })
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::call_record::CallRecording;

    fn identity() -> CallIdentity {
        CallIdentity {
            call_id: "c1".into(),
            tenant: "demo".into(),
            scenario: "ivr-menu".into(),
            from: "+359888000111".into(),
            to: "+35924001000".into(),
            dialed: "+35924001000".into(),
            started_at: SystemTime::UNIX_EPOCH,
        }
    }

    fn take(id: &str, seconds: u64) -> CallRecording {
        CallRecording {
            id: id.into(),
            path: format!("demo/{id}.wav"),
            started_at: SystemTime::UNIX_EPOCH + Duration::from_secs(90),
            length: Some(Duration::from_secs(seconds)),
        }
    }

    #[test]
    fn a_tagged_call_left_the_recording_its_variable_names() {
        let mut book = CallBook {
            recordings: vec![take("c1-1", 3), take("c1-2", 9)],
            ..CallBook::default()
        };
        assert_eq!(
            voicemail_left(&identity(), &book, &Fallback::Voicemail, None),
            None
        );
        book.add_tag(VOICEMAIL_TAG.into());
        book.set_var(VOICEMAIL_TAG.into(), "c1-1".into());
        let left = voicemail_left(&identity(), &book, &Fallback::Voicemail, None);
        let left = left.map(|left| (left.recording, left.duration, left.dialed));
        assert_eq!(
            left,
            Some(("c1-1".into(), Duration::from_secs(3), "+35924001000".into()))
        );
    }

    #[test]
    fn the_voicemail_fallback_leaves_the_last_recording_when_it_finished() {
        let mut book = CallBook {
            recordings: vec![take("c1-1", 3), take("c1-2", 9)],
            ..CallBook::default()
        };
        let served = Some(&FallbackOutcome::Served);
        let left = voicemail_left(&identity(), &book, &Fallback::Voicemail, served);
        assert_eq!(left.map(|left| left.recording), Some("c1-2".into()));
        let announcement = Fallback::Announcement("closed".into());
        assert_eq!(
            voicemail_left(&identity(), &book, &announcement, served),
            None
        );
        // A recording still running when the call ended is no message.
        book.recordings
            .iter_mut()
            .for_each(|take| take.length = None);
        assert_eq!(
            voicemail_left(&identity(), &book, &Fallback::Voicemail, served),
            None
        );
    }
}
