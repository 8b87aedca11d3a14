//! Blind transfer (RFC 3515) inside a staff-to-customer bridge
//! (`staff_bridge.rs`: an agent-first call — click-to-call, a queue's callback
//! task — or a direct call its phone handed over): the staff side — the
//! tenant's phone the host rang first, or whoever it handed the customer to —
//! hands the customer to the party its REFER names. The REFER is judged where
//! every REFER is (`in_dialog/refer.rs`: only the staff leg has a transfer
//! point, so the customer's REFER gets `403`); this is the bridge's side.
//!
//! As in a caller's bridge (`sip_call/transfer.rs`): the agent hears
//! `100 Trying`; the target is rung like a dial of it, showing the customer's
//! number, while the customer stays with the agent. On answer the customer is
//! bridged to the new party, the agent hears `200 OK` and gets BYE; the new
//! party takes the agent's place (and may transfer in turn, if it is staff).
//! On failure the agent hears the target's status and keeps the customer.

use std::sync::Arc;

use wasmphony_engine::api::DialTarget;
use wasmphony_media::leg::MediaLeg;
use wasmphony_media::play::PromptLibrary;
use wasmphony_sip::dialog::Dialog;
use wasmphony_sip::endpoint::{Endpoint, Target};
use wasmphony_sip::message::StatusCode;

use crate::context::ControllerContext;
use crate::in_dialog::{
    MediaDialogGuard, TransferInbox, TransferOrder, TransferTurn, ring_failure_status,
    ring_transfer_target, send_refer_notify,
};
use crate::live_calls::{GoneReceiver, LiveGuard, ParkedBye};
use crate::outbound::{AnsweredLeg, RingFailure, send_bye};
use crate::staff_bridge::CustomerSide;

/// The staff side of an agent-first bridge: the agent's leg, or whoever it
/// transferred the customer to. Holds the registrations that let its BYE,
/// re-INVITEs and (when staff) REFERs find it.
pub(crate) struct StaffLeg {
    pub(crate) dialog: Dialog,
    pub(crate) target: Target,
    /// The extension (or the target as the REFER named it) on the other end.
    pub(crate) label: String,
    pub(crate) media: MediaLeg,
    /// Set when its party sends BYE.
    pub(crate) gone: GoneReceiver,
    bye: ParkedBye,
    /// Its accepted REFERs, once it may transfer (wait with `in_dialog::next_order`).
    pub(crate) transfers: Option<TransferInbox>,
    /// Its party is staff ([`AnsweredLeg::may_transfer`]).
    may_transfer: bool,
    _offers: MediaDialogGuard,
    _live: LiveGuard,
}

impl StaffLeg {
    /// Takes over an answered leg: its media starts, and its BYE and re-INVITEs
    /// reach it (its REFERs once [`StaffLeg::allow_transfers`]). `None`, after a
    /// BYE, when its Call-ID is live already (a loop).
    pub(crate) async fn take(
        context: &ControllerContext,
        answered: AnsweredLeg,
    ) -> Option<StaffLeg> {
        let leg = answered.attach(context).await?;
        Some(StaffLeg {
            dialog: leg.dialog,
            target: leg.target,
            label: leg.label,
            media: leg.media,
            gone: leg.gone,
            bye: leg.parked_bye,
            transfers: None,
            may_transfer: leg.may_transfer,
            _offers: leg.offers,
            _live: leg.live,
        })
    }

    /// Lets its party (when staff, from the address it was rung at) transfer
    /// `tenant`'s customer. Only once the customer is bridged to it: before,
    /// there is nobody to hand over, and a REFER is refused like a customer's. One
    /// transfer at a time with the bridge's other points (`turn`).
    pub(crate) fn allow_transfers(
        &mut self,
        context: &ControllerContext,
        tenant: &str,
        turn: &TransferTurn,
    ) {
        if self.may_transfer && self.transfers.is_none() {
            self.transfers = Some(context.transfer_points.open(
                &self.dialog.id.call_id,
                &self.dialog.id.local_tag,
                tenant,
                self.target.addr.ip(),
                turn,
            ));
        }
    }

    /// Whether its party hung up.
    pub(crate) fn has_left(&self) -> bool {
        self.gone.borrow().is_some()
    }

    /// Ends the leg with BYE, unless its party already left, and answers a BYE
    /// of its party that waited (nothing of this leg is journalled later).
    pub(crate) async fn end(&mut self, endpoint: &Endpoint) {
        if !self.has_left() {
            send_bye(endpoint, &mut self.dialog, self.target).await;
        }
        self.bye.answer().await;
    }

    /// Tells the referrer how its transfer is going, unless it hung up.
    async fn notify(&mut self, endpoint: &Endpoint, refer_cseq: u32, status: StatusCode) {
        if !self.has_left() {
            send_refer_notify(endpoint, &mut self.dialog, self.target, refer_cseq, status).await;
        }
    }

    /// The transfer is over: the next REFER may come.
    fn transfer_done(&self) {
        if let Some(inbox) = self.transfers.as_ref() {
            inbox.done();
        }
    }
}

/// Who the customer was handed from and to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Transferred {
    /// The referrer's label (its extension).
    pub(crate) by: String,
    /// The new party's label.
    pub(crate) to: String,
    /// The new agent, when the target was an extension of the tenant.
    pub(crate) agent: Option<String>,
}

/// The staff member a transfer to `target` hands the customer to: an extension of
/// the tenant (a number or SIP URI taking over is no agent).
pub(crate) fn agent_of(target: &DialTarget) -> Option<String> {
    match target {
        DialTarget::Extension(extension) => Some(extension.clone()),
        _ => None,
    }
}

/// The last staff member `transfers` handed the customer to, for the call's record:
/// the agent is whoever of the tenant's extensions had the call last.
pub(crate) fn last_agent(transfers: &[Transferred]) -> Option<&str> {
    transfers.iter().rev().find_map(|t| t.agent.as_deref())
}

/// How a transfer ended for the bridge.
pub(crate) enum AgentTransferEnd {
    /// The customer is now bridged to this party; the referrer's leg is ended.
    Connected(Box<StaffLeg>, Transferred),
    /// The transfer failed; the customer is still with the referrer.
    Stayed,
    /// The customer hung up while the target rang.
    CustomerGone,
}

/// Carries out `order`, the accepted REFER of `staff`'s party, for `tenant`'s call.
pub(crate) async fn transfer(
    context: &Arc<ControllerContext>,
    prompts: &PromptLibrary,
    tenant: &str,
    staff: &mut StaffLeg,
    customer: &CustomerSide<'_>,
    order: TransferOrder,
) -> AgentTransferEnd {
    let endpoint = context.endpoint.clone();
    let cseq = order.refer_cseq;
    staff.notify(&endpoint, cseq, StatusCode::TRYING).await;
    let mut customer_gone = customer.gone.clone();
    let rung = ring_transfer_target(
        context,
        prompts,
        tenant,
        &order.target,
        customer.number,
        customer.codec,
        &mut customer_gone,
    )
    .await;
    let answered = match rung {
        Ok(answered) => answered,
        Err(failure) => {
            let status = ring_failure_status(&failure);
            tracing::info!(target = ?order.target, %status, "agent-first transfer failed");
            staff.notify(&endpoint, cseq, status).await;
            staff.transfer_done();
            return match failure {
                RingFailure::CallerGone => AgentTransferEnd::CustomerGone,
                _ => AgentTransferEnd::Stayed,
            };
        }
    };
    let Some(mut next) = StaffLeg::take(context, answered).await else {
        staff
            .notify(&endpoint, cseq, StatusCode::SERVER_INTERNAL_ERROR)
            .await;
        staff.transfer_done();
        return AgentTransferEnd::Stayed;
    };
    let linked = customer.media.bridge_to(Some(&next.media)).await.is_ok()
        && next.media.bridge_to(Some(&*customer.media)).await.is_ok();
    if !linked {
        // Only the customer's media ending makes the bridge fail here.
        next.end(&endpoint).await;
        staff
            .notify(&endpoint, cseq, StatusCode::REQUEST_TERMINATED)
            .await;
        staff.transfer_done();
        return AgentTransferEnd::CustomerGone;
    }
    // The new party's REFER waits until the referrer's leg is let go.
    let turn = staff
        .transfers
        .as_ref()
        .map(TransferInbox::turn)
        .unwrap_or_default();
    next.allow_transfers(context, tenant, &turn);
    staff.notify(&endpoint, cseq, StatusCode::OK).await;
    staff.end(&endpoint).await;
    let transferred = Transferred {
        by: staff.label.clone(),
        to: next.label.clone(),
        agent: agent_of(&order.target),
    };
    AgentTransferEnd::Connected(Box::new(next), transferred)
}
