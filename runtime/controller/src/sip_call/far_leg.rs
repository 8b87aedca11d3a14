//! The party bridged to the caller: an answered outbound leg with its dialog,
//! media and the registrations that let its BYE, re-INVITEs and (for staff)
//! REFERs find it. A transfer replaces one far leg by another in the same bridge.

use wasmphony_engine::api::CallError;
use wasmphony_media::codec::Codec;
use wasmphony_media::leg::MediaLeg;
use wasmphony_sip::dialog::Dialog;
use wasmphony_sip::endpoint::{Endpoint, Target};
use wasmphony_sip::message::StatusCode;

use super::SipCall;
use crate::in_dialog::{MediaDialogGuard, TransferInbox, TransferTurn, send_refer_notify};
use crate::live_calls::{GoneReceiver, LiveGuard};
use crate::outbound::{AnsweredLeg, send_bye};

/// An answered outbound leg the caller is (or is about to be) bridged to.
pub(super) struct FarLeg {
    pub(super) dialog: Dialog,
    pub(super) target: Target,
    /// How the dial named it (`answered-by`, the CDR's `with`).
    pub(super) label: String,
    pub(super) media: MediaLeg,
    /// Its codec: offered first when it is handed to someone else, so that bridge relays.
    pub(super) codec: Codec,
    /// Set when its party sends BYE.
    pub(super) gone: GoneReceiver,
    /// Its accepted REFERs, when its party may transfer.
    pub(super) transfers: Option<TransferInbox>,
    _offers: MediaDialogGuard,
    _live: LiveGuard,
}

impl SipCall {
    /// Takes over an answered leg: its media starts, and its BYE, re-INVITEs and
    /// (when [`AnsweredLeg::may_transfer`]) REFERs reach it, one transfer at a time
    /// with the bridge's other points (`turn`). A leg that cannot be taken is ended
    /// with BYE.
    pub(super) async fn take_leg(
        &self,
        answered: AnsweredLeg,
        turn: &TransferTurn,
    ) -> Result<FarLeg, CallError> {
        let codec = answered.config.format.codec;
        let Some(leg) = answered.attach(&self.context).await else {
            return Err(CallError::Rejected(
                "outbound leg reused a live Call-ID".into(),
            ));
        };
        let transfers = leg.may_transfer.then(|| {
            self.context.transfer_points.open(
                &leg.dialog.id.call_id,
                &leg.dialog.id.local_tag,
                &self.info.tenant,
                leg.target.addr.ip(),
                turn,
            )
        });
        Ok(FarLeg {
            dialog: leg.dialog,
            target: leg.target,
            label: leg.label,
            media: leg.media,
            codec,
            gone: leg.gone,
            transfers,
            _offers: leg.offers,
            _live: leg.live,
        })
    }

    /// Bridges the caller's media and `far`'s both ways; false when either leg has ended.
    pub(super) async fn link(&self, far: &FarLeg) -> bool {
        let Some(caller) = self.leg.as_ref() else {
            return false;
        };
        caller.bridge_to(Some(&far.media)).await.is_ok()
            && far.media.bridge_to(Some(caller)).await.is_ok()
    }
}

impl FarLeg {
    /// Whether its party hung up.
    pub(super) fn has_left(&self) -> bool {
        self.gone.borrow().is_some()
    }

    /// Ends the leg with BYE, unless its party already left.
    pub(super) async fn end(&mut self, endpoint: &Endpoint) {
        if !self.has_left() {
            send_bye(endpoint, &mut self.dialog, self.target).await;
        }
    }

    /// Tells the referrer how its transfer is going (a NOTIFY of the REFER
    /// `refer_cseq`), unless it hung up. The answer is awaited on its own task,
    /// bounded, so the bridge goes on meanwhile (`send_refer_notify`).
    pub(super) async fn notify(
        &mut self,
        endpoint: &Endpoint,
        refer_cseq: u32,
        status: StatusCode,
    ) {
        if self.has_left() {
            return;
        }
        send_refer_notify(endpoint, &mut self.dialog, self.target, refer_cseq, status).await;
    }

    /// The transfer is over: the next REFER may come.
    pub(super) fn transfer_done(&self) {
        if let Some(inbox) = self.transfers.as_ref() {
            inbox.done();
        }
    }
}
