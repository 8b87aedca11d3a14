//! Blind transfer inside a bridge (RFC 3515): the far party's accepted REFER
//! (`in_dialog/refer.rs` decides who may send one) names who the caller is to
//! be connected to. The target is rung the way a dial rings it (same
//! resolution, same outbound code, the caller's number shown); meanwhile the
//! caller stays bridged to the referrer. The referrer hears `100 Trying`, then
//! the outcome, as NOTIFYs.
//!
//! On answer the caller is bridged to the new party, the referrer is told
//! `200 OK` and its leg ended with BYE (unless it hung up already); the call's
//! record gets the [`TRANSFERRED_TAG`] tag, `transferred_by`/`transferred_to`
//! variables, a log line and a second `call_bridged` event. On failure (busy,
//! no answer, a refusal, nobody registered) the referrer is told the status and
//! the caller stays with the referrer; when the referrer hung up meanwhile, the
//! bridge ends as when any far party hangs up. Nothing of the REFER (its
//! headers, the referrer's SDP) reaches the new leg: its INVITE is built anew.

use std::time::SystemTime;

use wasmphony_engine::api::DialTarget;
use wasmphony_sip::message::StatusCode;

use super::SipCall;
use super::far_leg::FarLeg;
use crate::call_book::CallBook;
use crate::in_dialog::{
    TransferOrder, TransferTurn, ring_failure_status, ring_transfer_target, transfer_log,
    transfer_vars,
};
use crate::journal::CallBridge;
use crate::outbound::{AnsweredLeg, RingFailure};

/// The tag a transferred call's record carries.
pub const TRANSFERRED_TAG: &str = "transferred";

/// How a transfer ended for the bridge.
pub(super) enum TransferEnd {
    /// The caller is now bridged to this party; the referrer's leg is ended.
    Connected(Box<FarLeg>),
    /// The transfer failed; the caller is still with the referrer (if it is there).
    Stayed,
    /// The caller hung up while the target rang.
    CallerGone,
}

impl SipCall {
    /// Carries out `order`, the REFER of `far`'s party; the new party's point shares
    /// the bridge's `turn`.
    pub(super) async fn transfer(
        &mut self,
        far: &mut FarLeg,
        order: TransferOrder,
        turn: &TransferTurn,
    ) -> TransferEnd {
        let endpoint = self.context.endpoint.clone();
        far.notify(&endpoint, order.refer_cseq, StatusCode::TRYING)
            .await;
        let rung = self.ring_transfer_target(&order.target).await;
        let answered = match rung {
            Ok(answered) => answered,
            Err(failure) => {
                let status = ring_failure_status(&failure);
                tracing::info!(call = %self.info.id, target = ?order.target, %status, "transfer failed");
                far.notify(&endpoint, order.refer_cseq, status).await;
                far.transfer_done();
                return match failure {
                    RingFailure::CallerGone => TransferEnd::CallerGone,
                    _ => TransferEnd::Stayed,
                };
            }
        };
        let next = match self.take_leg(answered, turn).await {
            Ok(next) => next,
            Err(error) => {
                tracing::info!(call = %self.info.id, "transfer target's leg unusable: {error}");
                far.notify(
                    &endpoint,
                    order.refer_cseq,
                    StatusCode::SERVER_INTERNAL_ERROR,
                )
                .await;
                far.transfer_done();
                return TransferEnd::Stayed;
            }
        };
        if !self.link(&next).await {
            let mut next = next;
            next.end(&endpoint).await;
            far.notify(&endpoint, order.refer_cseq, StatusCode::REQUEST_TERMINATED)
                .await;
            far.transfer_done();
            return TransferEnd::CallerGone;
        }
        far.notify(&endpoint, order.refer_cseq, StatusCode::OK)
            .await;
        far.end(&endpoint).await;
        self.record_transfer(&far.label, &next.label, &order.target)
            .await;
        TransferEnd::Connected(Box::new(next))
    }

    /// Rings the transfer's target like a dial of it, showing the caller's number.
    async fn ring_transfer_target(
        &mut self,
        target: &DialTarget,
    ) -> Result<AnsweredLeg, RingFailure> {
        let codec = self
            .caller_format
            .map(|format| format.codec)
            .ok_or(RingFailure::CallerGone)?;
        let context = self.context.clone();
        let prompts = self.prompts.clone();
        ring_transfer_target(
            &context,
            &prompts,
            &self.info.tenant,
            target,
            &self.info.from,
            codec,
            &mut self.gone,
        )
        .await
    }

    /// The call's record and live view learn who transferred the caller to whom.
    pub(super) async fn record_transfer(&mut self, referrer: &str, to: &str, target: &DialTarget) {
        let (queue, agent) = {
            let mut book = self.book.lock();
            note_transfer(&mut book, referrer, to);
            // A queue call's agent is whoever of the staff has the caller now.
            let agent = match target {
                DialTarget::Extension(extension) if book.agent.is_some() => {
                    book.agent = Some(extension.clone());
                    Some(extension.clone())
                }
                _ => None,
            };
            (book.queue.clone(), agent)
        };
        let bridge = CallBridge {
            tenant: self.info.tenant.clone(),
            call_id: self.info.id.clone(),
            with: to.to_string(),
            queue,
            agent,
            at: SystemTime::now(),
        };
        self.context.journal.bridged(bridge).await;
    }
}

/// Notes one transfer in the call's book: the [`TRANSFERRED_TAG`] tag, who handed the
/// call over to whom (the last transfer's names win), and a log line.
pub(super) fn note_transfer(book: &mut CallBook, referrer: &str, to: &str) {
    book.add_tag(TRANSFERRED_TAG.to_string());
    for (name, value) in transfer_vars(referrer, to) {
        book.set_var(name, value);
    }
    book.add_log(transfer_log(referrer, to));
}
