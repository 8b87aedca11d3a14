//! The table of calls in progress, keyed by Call-ID: how the controller's
//! request loop tells a running call that its caller has gone (BYE, CANCEL,
//! a 2xx never acknowledged), and the live-call count.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::{mpsc, watch};
use wasmphony_media::dtmf::Digit;
use wasmphony_sip::endpoint::ServerTransaction;
use wasmphony_sip::message::StatusCode;

use crate::limits::MAX_TYPE_AHEAD;

/// Why the caller's side of a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallerGone {
    /// A BYE in the dialog.
    Bye,
    /// A CANCEL before the answer.
    Cancel,
    /// Our 2xx was never acknowledged.
    NoAck,
}

/// The caller-side end of one call, as the call sees it.
pub(crate) type GoneReceiver = watch::Receiver<Option<CallerGone>>;

/// Keys the caller sent in SIP INFO requests, as the call sees them.
pub(crate) type InfoDigits = mpsc::Receiver<Digit>;

/// The caller's BYE, kept unanswered until the call's record is journalled, so
/// a call the caller saw end is never missing from the records.
#[derive(Clone, Default)]
pub(crate) struct ParkedBye(Arc<Mutex<ByeSlot>>);

#[derive(Default)]
enum ByeSlot {
    /// No BYE yet; the record is not journalled yet.
    #[default]
    Empty,
    /// A BYE waits for the record.
    Parked(Box<ServerTransaction>),
    /// The record is journalled: a BYE arriving now is answered at once.
    Recorded,
}

impl ParkedBye {
    /// The record is journalled: answers a parked BYE with `200`, and makes a later
    /// one be answered at once.
    pub(crate) async fn answer(&self) {
        let previous = std::mem::replace(&mut *self.0.lock(), ByeSlot::Recorded);
        if let ByeSlot::Parked(mut bye) = previous {
            let _ = bye.respond_with(StatusCode::OK).await;
        }
    }

    /// Answers a parked BYE now (the wait ran out), leaving the record to come.
    pub(crate) async fn give_up_waiting(&self) {
        let parked = {
            let mut slot = self.0.lock();
            match std::mem::take(&mut *slot) {
                ByeSlot::Parked(bye) => Some(bye),
                other => {
                    *slot = other;
                    None
                }
            }
        };
        if let Some(mut bye) = parked {
            let _ = bye.respond_with(StatusCode::OK).await;
        }
    }

    /// Parks `bye` unless the record is already journalled or a BYE waits already;
    /// then it is handed back to be answered at once.
    fn park(&self, bye: Box<ServerTransaction>) -> Result<(), Box<ServerTransaction>> {
        let mut slot = self.0.lock();
        match &*slot {
            ByeSlot::Empty => {
                *slot = ByeSlot::Parked(bye);
                Ok(())
            }
            ByeSlot::Parked(_) | ByeSlot::Recorded => Err(bye),
        }
    }
}

/// What became of a BYE handed to [`LiveCalls::caller_bye`].
pub(crate) enum ByeOutcome {
    /// Kept until the call's record is journalled (or the wait runs out).
    Parked(ParkedBye),
    /// The call knows already; answer this one now.
    AnswerNow(ServerTransaction),
    /// No such dialog is live.
    Unknown(ServerTransaction),
}

/// What a call gets when it enters the table.
pub(crate) struct Registered {
    pub(crate) guard: LiveGuard,
    pub(crate) gone: GoneReceiver,
    pub(crate) info_digits: InfoDigits,
    pub(crate) parked_bye: ParkedBye,
}

struct Entry {
    gone: watch::Sender<Option<CallerGone>>,
    info_digits: mpsc::Sender<Digit>,
    parked_bye: ParkedBye,
    /// Our To tag, so a BYE for another dialog with the same Call-ID is refused.
    local_tag: String,
}

/// Calls in progress. Cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct LiveCalls {
    calls: Arc<Mutex<HashMap<String, Entry>>>,
}

/// Removes its call from the table when dropped, however the call task ends.
pub(crate) struct LiveGuard {
    calls: LiveCalls,
    call_id: String,
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.calls.calls.lock().remove(&self.call_id);
    }
}

impl LiveCalls {
    /// Registers a call; `None` when the Call-ID is already live (a loop or a fork).
    pub(crate) fn insert(&self, call_id: &str, local_tag: &str) -> Option<Registered> {
        let mut calls = self.calls.lock();
        if calls.contains_key(call_id) {
            return None;
        }
        let (gone, receiver) = watch::channel(None);
        let (info_digits, info_rx) = mpsc::channel(MAX_TYPE_AHEAD);
        let parked_bye = ParkedBye::default();
        calls.insert(
            call_id.to_string(),
            Entry {
                gone,
                info_digits,
                parked_bye: parked_bye.clone(),
                local_tag: local_tag.to_string(),
            },
        );
        Some(Registered {
            guard: LiveGuard {
                calls: self.clone(),
                call_id: call_id.to_string(),
            },
            gone: receiver,
            info_digits: info_rx,
            parked_bye,
        })
    }

    /// The caller's BYE for a live call: the BYE is parked until the call's record is
    /// journalled, then the call is told (in that order, so a call ending at once
    /// still finds the BYE to answer).
    pub(crate) fn caller_bye(
        &self,
        call_id: &str,
        local_tag: &str,
        bye: ServerTransaction,
    ) -> ByeOutcome {
        let parked = {
            let calls = self.calls.lock();
            match calls.get(call_id) {
                Some(entry) if entry.local_tag == local_tag => entry
                    .parked_bye
                    .park(Box::new(bye))
                    .map(|()| entry.parked_bye.clone()),
                _ => return ByeOutcome::Unknown(bye),
            }
        };
        self.caller_gone(call_id, Some(local_tag), CallerGone::Bye);
        match parked {
            Ok(parked) => ByeOutcome::Parked(parked),
            // A second BYE while the first waits, or the record is already written.
            Err(bye) => ByeOutcome::AnswerNow(*bye),
        }
    }

    /// Hands a key from a SIP INFO to its call. `false` when no such dialog
    /// is live; a key beyond the call's small buffer is dropped.
    pub(crate) fn info_digit(&self, call_id: &str, local_tag: &str, digit: Digit) -> bool {
        let calls = self.calls.lock();
        match calls.get(call_id) {
            Some(entry) if entry.local_tag == local_tag => {
                let _ = entry.info_digits.try_send(digit);
                true
            }
            _ => false,
        }
    }

    /// Tells the call that its caller has gone. `false` when no such call (or
    /// dialog, when `local_tag` is given) is live.
    pub(crate) fn caller_gone(
        &self,
        call_id: &str,
        local_tag: Option<&str>,
        why: CallerGone,
    ) -> bool {
        let calls = self.calls.lock();
        let Some(entry) = calls.get(call_id) else {
            return false;
        };
        if local_tag.is_some_and(|tag| tag != entry.local_tag) {
            return false;
        }
        entry.gone.send_if_modified(|state| {
            if state.is_none() {
                *state = Some(why);
                true
            } else {
                false
            }
        });
        true
    }

    /// Calls in progress.
    pub(crate) fn len(&self) -> usize {
        self.calls.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_is_told_once_and_leaves_the_table_with_its_guard() {
        let live = LiveCalls::default();
        let Registered {
            guard,
            gone: rx,
            mut info_digits,
            ..
        } = live.insert("c1", "tag1").unwrap();
        let one = Digit::from_char('1').unwrap();
        assert!(live.info_digit("c1", "tag1", one));
        assert!(!live.info_digit("c1", "other", one));
        assert_eq!(info_digits.try_recv().ok(), Some(one));
        assert!(live.insert("c1", "tag1").is_none());
        assert!(!live.caller_gone("c1", Some("other"), CallerGone::Bye));
        assert!(live.caller_gone("c1", Some("tag1"), CallerGone::Bye));
        assert!(live.caller_gone("c1", None, CallerGone::NoAck));
        assert_eq!(*rx.borrow(), Some(CallerGone::Bye));
        assert_eq!(live.len(), 1);
        drop(guard);
        assert_eq!(live.len(), 0);
        assert!(!live.caller_gone("c1", None, CallerGone::Bye));
    }
}
