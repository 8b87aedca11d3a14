//! Taking over an answered outbound leg: the step every bridge does before it links
//! media, whether the leg is a dialled callee (`sip_call/far_leg.rs`) or the staff side of
//! a click-to-call (`agent_transfer.rs`).

use wasmphony_media::leg::MediaLeg;
use wasmphony_sip::dialog::Dialog;
use wasmphony_sip::endpoint::Target;

use super::{AnsweredLeg, send_bye};
use crate::context::ControllerContext;
use crate::in_dialog::MediaDialogGuard;
use crate::live_calls::{GoneReceiver, LiveGuard, ParkedBye, Registered};

/// An answered leg whose media runs and whose BYE and re-INVITEs reach it. Whether its
/// REFERs are heard is the owner's choice ([`AttachedLeg::may_transfer`]).
pub(crate) struct AttachedLeg {
    pub(crate) dialog: Dialog,
    pub(crate) target: Target,
    /// How the dial named it.
    pub(crate) label: String,
    pub(crate) media: MediaLeg,
    /// Set when its party sends BYE.
    pub(crate) gone: GoneReceiver,
    /// Its party's BYE, held until the owner answers it.
    pub(crate) parked_bye: ParkedBye,
    /// Its party may transfer the call ([`AnsweredLeg::may_transfer`]).
    pub(crate) may_transfer: bool,
    pub(crate) offers: MediaDialogGuard,
    pub(crate) live: LiveGuard,
}

impl AnsweredLeg {
    /// Registers the leg's dialog with the live legs and the media dialogs and starts its
    /// media. `None`, after a BYE to the leg, when its Call-ID is live already (a loop).
    pub(crate) async fn attach(self, context: &ControllerContext) -> Option<AttachedLeg> {
        let AnsweredLeg {
            mut dialog,
            target,
            label,
            session,
            config,
            session_media,
            may_transfer,
        } = self;
        let Some(Registered {
            guard: live,
            gone,
            parked_bye,
            ..
        }) = context
            .legs
            .insert(&dialog.id.call_id, &dialog.id.local_tag)
        else {
            send_bye(&context.endpoint, &mut dialog, target).await;
            return None;
        };
        let media = MediaLeg::spawn(session, config);
        let offers = context
            .media_dialogs
            .register_leg(&dialog, &media, session_media);
        Some(AttachedLeg {
            dialog,
            target,
            label,
            media,
            gone,
            parked_bye,
            may_transfer,
            offers,
            live,
        })
    }
}
