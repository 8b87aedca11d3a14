//! Following one ringing leg: its INVITE's responses go to the ring group,
//! while digest challenges (401/407) are answered and failing trunks (5xx, 408,
//! silence) are replaced by the next one without the group noticing more than
//! a new INVITE ([`LegNews::Resent`]).

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::sync::oneshot;
use tokio::time::Instant;
use wasmphony_sip::dialog::Dialog;
use wasmphony_sip::endpoint::{ClientEvent, ClientTransaction, Endpoint, Target};
use wasmphony_sip::message::{Request, Response};

use super::challenge::answer_challenge;
use super::place::{DialRequest, LegEvents, LegNews, Settle, build_invite, send_bye};
use crate::context::ControllerContext;
use crate::limits::{MAX_CHALLENGES_PER_INVITE, TRUNK_SETUP_TIMEOUT};
use wasmphony_sip::auth::DigestClient;

/// The follower of one leg (see the module doc).
pub(crate) struct Follower {
    context: Arc<ControllerContext>,
    transaction: ClientTransaction,
    /// The INVITE as built (no Via), the base of any re-send.
    invite: Request,
    /// Answers the current trunk's challenges (none: it has no credentials).
    digest: Option<DigestClient>,
    challenges: u8,
    failover: VecDeque<DialRequest>,
    caller_id: String,
    /// Heard anything from the current target (even `100 Trying`).
    heard: bool,
    sent_at: Instant,
    index: usize,
    events: LegEvents,
}

/// What to do with a final response that is not a 2xx.
enum Next {
    Forward,
    Resend(Box<Request>, Target),
}

impl Follower {
    pub(crate) fn new(
        context: Arc<ControllerContext>,
        transaction: ClientTransaction,
        invite: Request,
        request: &mut DialRequest,
        caller_id: &str,
        index: usize,
        events: LegEvents,
    ) -> Follower {
        Follower {
            context,
            transaction,
            invite,
            digest: digest_for(request),
            challenges: 0,
            // The failover trunks are the follower's alone: the ring group never reads them.
            failover: std::mem::take(&mut request.failover).into(),
            caller_id: caller_id.to_string(),
            heard: false,
            sent_at: Instant::now(),
            index,
            events,
        }
    }

    /// Forwards the leg's events until the group settles it. After that, a
    /// retransmitted 2xx of the winner is ACKed again, and a 2xx of a leg the
    /// group gave up on is ACKed and ended with BYE, so no callee is left
    /// connected to nobody.
    pub(crate) async fn run(mut self, mut settle: oneshot::Receiver<Settle>) {
        // None: still ringing; Some(None): given up; Some(Some(ack)): answered.
        let mut settled: Option<Option<Request>> = None;
        loop {
            let setup_deadline = self.sent_at + TRUNK_SETUP_TIMEOUT;
            let watch_setup = settled.is_none() && !self.heard && !self.failover.is_empty();
            tokio::select! {
                biased;
                decision = &mut settle, if settled.is_none() => {
                    settled = Some(match decision {
                        Ok(Settle::Cancel) => {
                            let _ = self.transaction.cancel().await;
                            None
                        }
                        Ok(Settle::Answered { ack }) => Some(*ack),
                        Err(_) => None,
                    });
                }
                () = tokio::time::sleep_until(setup_deadline), if watch_setup => {
                    tracing::info!(target = %self.transaction.target().addr, "trunk silent, failing over");
                    self.fail_over_silently().await;
                }
                event = self.transaction.next_event() => {
                    let Some(event) = event else { return };
                    let success = matches!(&event, ClientEvent::Response(r) if r.status.is_success());
                    match (&settled, event) {
                        (None, event) => {
                            let group_gone = !self.on_event(event).await;
                            if group_gone {
                                settled = Some(None);
                                let _ = self.transaction.cancel().await;
                            }
                        }
                        (Some(Some(ack)), _) if success => {
                            let _ = self.context.endpoint.send_ack(ack.clone(), self.transaction.target()).await;
                        }
                        (Some(None), ClientEvent::Response(ok)) if success => {
                            hang_up_late_answer(&self.context.endpoint, self.transaction.request(), &ok, self.transaction.target()).await;
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// Handles an event of the current INVITE while the group still waits;
    /// false when the group is gone.
    async fn on_event(&mut self, event: ClientEvent) -> bool {
        let next = match &event {
            ClientEvent::Response(response) if response.status.is_provisional() => {
                self.heard = true;
                Next::Forward
            }
            ClientEvent::Response(response) if response.status.is_success() => Next::Forward,
            ClientEvent::Response(response) => self.after_failure(Some(response)),
            ClientEvent::Timeout => self.after_failure(None),
        };
        match next {
            Next::Forward => self.forward(LegNews::Event(event)).await,
            Next::Resend(invite, target) => {
                if self.resend(*invite, target).await {
                    true
                } else {
                    self.forward(LegNews::Event(event)).await
                }
            }
        }
    }

    /// The INVITE to send after a final failure (`None`: timeout), if any.
    fn after_failure(&mut self, response: Option<&Response>) -> Next {
        if let (Some(response), Some(digest)) = (response, self.digest.as_mut()) {
            let challenged = matches!(response.status.as_u16(), 401 | 407);
            if challenged && self.challenges < MAX_CHALLENGES_PER_INVITE {
                self.challenges += 1;
                if let Some(invite) = answer_challenge(&self.invite, response, digest) {
                    return Next::Resend(Box::new(invite), self.transaction.target());
                }
            }
        }
        let trunk_failed = response.is_none_or(|r| {
            let code = r.status.as_u16();
            code == 408 || (500..600).contains(&code)
        });
        if trunk_failed && let Some((invite, target)) = self.next_hop() {
            return Next::Resend(Box::new(invite), target);
        }
        Next::Forward
    }

    /// The INVITE for the next trunk: same Call-ID and From tag, a higher CSeq.
    fn next_hop(&mut self) -> Option<(Request, Target)> {
        while let Some(hop) = self.failover.pop_front() {
            let tag = self.invite.head.from.tag().unwrap_or_default().to_string();
            let built = build_invite(
                &self.context,
                &hop,
                &self.caller_id,
                self.invite.head.call_id.clone(),
                &tag,
                self.invite.head.cseq.seq.saturating_add(1),
                self.invite.body.clone(),
            );
            match built {
                Ok(invite) => {
                    self.digest = digest_for(&hop);
                    self.challenges = 0;
                    return Some((invite, hop.target));
                }
                Err(error) => tracing::info!("failover trunk unusable: {error}"),
            }
        }
        None
    }

    /// Sends `invite` as the leg's new INVITE; false when it could not be sent.
    async fn resend(&mut self, invite: Request, target: Target) -> bool {
        let Ok(transaction) = self
            .context
            .endpoint
            .send_request(invite.clone(), target)
            .await
        else {
            return false;
        };
        let old = std::mem::replace(&mut self.transaction, transaction);
        self.invite = invite.clone();
        self.heard = false;
        self.sent_at = Instant::now();
        tokio::spawn(abandon(self.context.endpoint.clone(), old));
        self.forward(LegNews::Resent {
            invite: Box::new(invite),
            target,
        })
        .await
    }

    /// The current trunk said nothing in time: the next one gets the call.
    async fn fail_over_silently(&mut self) {
        let Some((invite, target)) = self.next_hop() else {
            return;
        };
        if !self.resend(invite, target).await {
            self.heard = true; // stop watching; the old transaction's timeout ends the leg
        }
    }

    async fn forward(&self, news: LegNews) -> bool {
        self.events.send((self.index, news)).await.is_ok()
    }
}

fn digest_for(request: &DialRequest) -> Option<DigestClient> {
    let credentials = request.trunk.as_ref()?.credentials.clone()?;
    Some(DigestClient::new(credentials))
}

/// Follows an INVITE we replaced: cancelled if it ever rings, and a late 2xx
/// is ACKed and ended with BYE.
async fn abandon(endpoint: Endpoint, mut transaction: ClientTransaction) {
    let _ = transaction.cancel().await;
    while let Some(event) = transaction.next_event().await {
        if let ClientEvent::Response(ok) = event
            && ok.status.is_success()
        {
            hang_up_late_answer(&endpoint, transaction.request(), &ok, transaction.target()).await;
        }
    }
}

async fn hang_up_late_answer(endpoint: &Endpoint, invite: &Request, ok: &Response, target: Target) {
    let Ok(mut dialog) = Dialog::as_uac(invite, ok) else {
        return;
    };
    let _ = endpoint
        .send_ack(dialog.ack(invite.head.cseq.seq), target)
        .await;
    send_bye(endpoint, &mut dialog, target).await;
}
