//! The established legs that take in-dialog offers, keyed by Call-ID and our
//! tag: the request loop finds a re-INVITE's or UPDATE's leg here while the
//! leg itself stays owned by its call's task.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use wasmphony_media::leg::{LegControl, MediaLeg};
use wasmphony_sip::dialog::Dialog;
use wasmphony_sip::message::Uri;

use super::offer_answer::SessionMedia;

/// One established leg as signalling sees it.
pub(crate) struct MediaDialog {
    /// Its offer/answer state.
    pub(crate) media: Mutex<SessionMedia>,
    /// Tells the leg of a new peer address or direction.
    pub(crate) leg: LegControl,
    /// Our Contact, repeated in our 2xx to a re-INVITE (RFC 3261 §12.1.1).
    pub(crate) local_contact: Uri,
}

type Key = (String, String);

/// Established legs. Cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct MediaDialogs {
    dialogs: Arc<Mutex<HashMap<Key, Arc<MediaDialog>>>>,
}

/// Takes its leg out of the table when dropped (the leg ended, however).
pub(crate) struct MediaDialogGuard {
    dialogs: MediaDialogs,
    key: Key,
}

impl Drop for MediaDialogGuard {
    fn drop(&mut self) {
        self.dialogs.dialogs.lock().remove(&self.key);
    }
}

impl MediaDialogs {
    /// Makes the leg of dialog (`call_id`, `local_tag`) reachable until the guard drops.
    pub(crate) fn register(
        &self,
        call_id: &str,
        local_tag: &str,
        dialog: MediaDialog,
    ) -> MediaDialogGuard {
        let key = (call_id.to_string(), local_tag.to_string());
        self.dialogs.lock().insert(key.clone(), Arc::new(dialog));
        MediaDialogGuard {
            dialogs: self.clone(),
            key,
        }
    }

    /// Makes `leg`, just started for `dialog`, take the peer's in-dialog offers.
    pub(crate) fn register_leg(
        &self,
        dialog: &Dialog,
        leg: &MediaLeg,
        media: SessionMedia,
    ) -> MediaDialogGuard {
        self.register(
            &dialog.id.call_id,
            &dialog.id.local_tag,
            MediaDialog {
                media: Mutex::new(media),
                leg: leg.control(),
                local_contact: dialog.local_contact.clone(),
            },
        )
    }

    /// The leg of the dialog, if it is established and live.
    pub(crate) fn get(&self, call_id: &str, local_tag: &str) -> Option<Arc<MediaDialog>> {
        self.dialogs
            .lock()
            .get(&(call_id.to_string(), local_tag.to_string()))
            .cloned()
    }
}
