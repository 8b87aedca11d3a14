//! Blind transfer (RFC 3515) by the phone that made a direct call: its REFER,
//! on its own leg (the caller's, our server dialog), hands the party it called
//! to the party the Refer-To names, as a PBX does.
//!
//! Only a staff phone's direct call opens a transfer point on the caller's leg
//! (`direct_call.rs`, after digest authentication); a caller from a trunk or any
//! scenario's caller never gets one, so their REFER still gets `403`.
//!
//! While the target rings (resolved and rung like a dial of it, showing the
//! called party's number, its codec offered first) the phone stays bridged to
//! the called party and hears `100 Trying`. If the phone hangs up meanwhile —
//! what a blind transfer usually looks like — the called party stays on the
//! line, hearing silence, until the target answers or fails. On answer the
//! called party is bridged to the new leg, the phone hears `200 OK` and gets
//! BYE, and the call goes on between the two: the called party is the
//! "customer" and the new party the staff side of `staff_bridge.rs`, which may
//! transfer again (a called party may no longer transfer once handed over:
//! nobody of the tenant's would be left on the call). On failure the phone
//! hears the target's status and keeps its call — or, if it hung up, the
//! called party gets BYE. The called party hanging up stops the ringing.

use std::net::IpAddr;
use std::time::SystemTime;

use wasmphony_engine::api::DialTarget;
use wasmphony_sip::endpoint::Endpoint;
use wasmphony_sip::message::{Method, StatusCode};

use super::SipCall;
use super::far_leg::FarLeg;
use super::transfer::note_transfer;
use crate::agent_first::EndedBy;
use crate::agent_transfer::{StaffLeg, agent_of, last_agent};
use crate::call_record::HangupSide;
use crate::in_dialog::{
    TransferInbox, TransferOrder, TransferTurn, ring_failure_status, ring_transfer_target,
    send_refer_notify,
};
use crate::journal::CallBridge;
use crate::limits::SIGNALLING_WAIT;
use crate::live_calls::ParkedBye;
use crate::outbound::{AnsweredLeg, RingFailure};
use crate::staff_bridge::{CustomerSide, hold};

/// The authenticated phone of a direct call: it may transfer the party it called.
pub(crate) struct StaffCaller {
    /// The address its INVITE came from: a REFER from elsewhere is refused.
    pub(crate) peer: IpAddr,
    /// Its BYE, parked until the call's record is written. When the call goes on
    /// without the phone, the phone's BYE is answered at once instead.
    pub(crate) bye: ParkedBye,
}

/// How the phone's transfer ended for the bridge.
pub(super) enum HandOver {
    /// It failed: the phone keeps the called party.
    Stayed,
    /// It failed after the phone hung up: the called party is to get BYE.
    CallerGone,
    /// The called party hung up (or its media ended) before the target answered.
    FarGone,
    /// It succeeded, and the call that went on without the phone is over (its end
    /// is booked; the called party's leg is left for the bridge to end).
    Finished,
}

impl SipCall {
    /// Lets the caller transfer the party it is bridged to (a staff phone's direct call).
    pub(crate) fn let_caller_transfer(&mut self, caller: StaffCaller) {
        self.staff_caller = Some(caller);
    }

    /// The caller's leg's transfer point, opened once it is bridged: keyed by our
    /// server dialog, for REFERs from the phone's address, sharing the bridge's
    /// `turn` with the called party's point (when it is staff). `None` for any
    /// caller that is not a staff phone's direct call.
    pub(super) fn open_caller_transfers(&self, turn: &TransferTurn) -> Option<TransferInbox> {
        let caller = self.staff_caller.as_ref()?;
        self.leg.as_ref()?;
        Some(self.context.transfer_points.open(
            &self.dialog.id.call_id,
            &self.dialog.id.local_tag,
            &self.info.tenant,
            caller.peer,
            turn,
        ))
    }

    /// Carries out `order`, the phone's REFER: hands `far` (the party it called) to
    /// the order's target. `inbox` is the phone's transfer point (closed on success).
    pub(super) async fn hand_far_over(
        &mut self,
        far: &mut FarLeg,
        inbox: &mut Option<TransferInbox>,
        order: TransferOrder,
    ) -> HandOver {
        let endpoint = self.context.endpoint.clone();
        let cseq = order.refer_cseq;
        self.notify_caller(&endpoint, cseq, StatusCode::TRYING)
            .await;
        let answered = match self.ring_for_far(far, &order.target).await {
            Ok(answered) => answered,
            Err(failure) => {
                let status = ring_failure_status(&failure);
                tracing::info!(call = %self.info.id, target = ?order.target, %status, "phone's transfer failed");
                self.notify_caller(&endpoint, cseq, status).await;
                transfer_done(inbox);
                return self.after_failure(matches!(failure, RingFailure::CallerGone));
            }
        };
        let Some(mut staff) = StaffLeg::take(&self.context, answered).await else {
            self.notify_caller(&endpoint, cseq, StatusCode::SERVER_INTERNAL_ERROR)
                .await;
            transfer_done(inbox);
            return self.after_failure(false);
        };
        // The phone stops hearing the called party before the new party does.
        if let Some(caller) = self.leg.as_ref() {
            let _ = caller.bridge_to(None).await;
        }
        let linked = far.media.bridge_to(Some(&staff.media)).await.is_ok()
            && staff.media.bridge_to(Some(&far.media)).await.is_ok();
        if !linked {
            // Only the called party's media ending makes the bridge fail here.
            staff.end(&endpoint).await;
            self.notify_caller(&endpoint, cseq, StatusCode::REQUEST_TERMINATED)
                .await;
            transfer_done(inbox);
            return HandOver::FarGone;
        }
        // The new party's REFER waits for this transfer's end like the bridge's others.
        let turn = inbox.as_ref().map(TransferInbox::turn).unwrap_or_default();
        staff.allow_transfers(&self.context, &self.info.tenant, &turn);
        self.notify_caller(&endpoint, cseq, StatusCode::OK).await;
        // The phone's leg ends: its point closes, and the called party, now the
        // customer of the new bridge, may no longer transfer (its REFER gets 403).
        *inbox = None;
        far.transfers = None;
        self.end_caller_leg(&endpoint).await;
        // A colleague's extension taking the call over is its agent (of record and live).
        if let Some(agent) = agent_of(&order.target) {
            self.book.lock().agent = Some(agent);
        }
        let referrer = self.info.from.clone();
        self.record_transfer(&referrer, &staff.label, &order.target)
            .await;
        let mut bridge = CallBridge {
            tenant: self.info.tenant.clone(),
            call_id: self.info.id.clone(),
            with: staff.label.clone(),
            queue: None,
            agent: self.book.lock().agent.clone(),
            at: SystemTime::now(),
        };
        let mut transfers = Vec::new();
        let customer = CustomerSide {
            media: &mut far.media,
            gone: &mut far.gone,
            number: &far.label,
            codec: far.codec,
        };
        let context = self.context.clone();
        let prompts = self.prompts.clone();
        let ended_by = hold(
            &context,
            &prompts,
            &mut staff,
            customer,
            &mut bridge,
            &mut transfers,
        )
        .await;
        staff.end(&endpoint).await;
        let mut book = self.book.lock();
        for transferred in &transfers {
            note_transfer(&mut book, &transferred.by, &transferred.to);
        }
        // Through every hand-off, the agent is the last extension that had the call.
        if let Some(agent) = last_agent(&transfers) {
            book.agent = Some(agent.to_string());
        }
        // The new party stands in for the phone: its hang-up is the caller's.
        book.end(match ended_by {
            EndedBy::Agent => HangupSide::Caller,
            EndedBy::Customer => HangupSide::Callee,
            EndedBy::Host => HangupSide::Host,
        });
        HandOver::Finished
    }

    /// Rings the transfer's target like a dial of it, showing the called party's
    /// number and offering its codec first; the called party hanging up stops the
    /// ringing, the phone hanging up does not (it is the usual blind transfer).
    async fn ring_for_far(
        &mut self,
        far: &FarLeg,
        target: &DialTarget,
    ) -> Result<AnsweredLeg, RingFailure> {
        let context = self.context.clone();
        let prompts = self.prompts.clone();
        let tenant = self.info.tenant.clone();
        let mut far_gone = far.gone.clone();
        let ringing = ring_transfer_target(
            &context,
            &prompts,
            &tenant,
            target,
            &far.label,
            far.codec,
            &mut far_gone,
        );
        tokio::pin!(ringing);
        loop {
            tokio::select! {
                rung = &mut ringing => return rung,
                _ = self.gone.wait_for(Option::is_some), if self.leg.is_some() => {}
            }
            self.caller_left_during_transfer(far).await;
        }
    }

    /// The phone hung up while its target rang: the called party stays, hearing
    /// silence, and the phone's BYE is answered now (the call goes on without it).
    async fn caller_left_during_transfer(&mut self, far: &FarLeg) {
        let _ = far.media.bridge_to(None).await;
        self.leg = None;
        self.media_dialog = None;
        if let Some(caller) = self.staff_caller.as_ref() {
            caller.bye.give_up_waiting().await;
        }
    }

    /// The phone is still on the line (it did not hang up).
    fn caller_here(&self) -> bool {
        self.leg.is_some() && self.gone.borrow().is_none()
    }

    /// What a failed transfer leaves of the bridge.
    fn after_failure(&self, far_gone: bool) -> HandOver {
        if !self.caller_here() {
            HandOver::CallerGone
        } else if far_gone {
            HandOver::FarGone
        } else {
            HandOver::Stayed
        }
    }

    /// Tells the phone how its transfer is going, unless it hung up.
    async fn notify_caller(&mut self, endpoint: &Endpoint, refer_cseq: u32, status: StatusCode) {
        if self.caller_here() {
            send_refer_notify(endpoint, &mut self.dialog, self.peer, refer_cseq, status).await;
        }
    }

    /// Ends the phone's part of the call: BYE (unless it hung up; its answer is
    /// awaited on a task of its own, so the bridge goes on meanwhile), its media
    /// and offers dropped, and a BYE of its that waits answered. The call itself
    /// goes on, so nothing is booked as its end.
    async fn end_caller_leg(&mut self, endpoint: &Endpoint) {
        let here = self.caller_here();
        self.ended = true;
        self.leg = None;
        self.media_dialog = None;
        if here {
            let bye = self.dialog.new_request(Method::Bye);
            match endpoint.send_request(bye, self.peer).await {
                Ok(mut transaction) => {
                    tokio::spawn(async move {
                        let _ = tokio::time::timeout(SIGNALLING_WAIT, transaction.final_response())
                            .await;
                    });
                }
                Err(error) => tracing::debug!("BYE to the transferring phone not sent: {error}"),
            }
        }
        if let Some(caller) = self.staff_caller.as_ref() {
            caller.bye.give_up_waiting().await;
        }
    }
}

/// The phone's transfer is over: its next REFER may come.
fn transfer_done(inbox: &Option<TransferInbox>) {
    if let Some(inbox) = inbox.as_ref() {
        inbox.done();
    }
}
