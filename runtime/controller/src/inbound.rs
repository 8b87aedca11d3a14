//! A new INVITE: route it, negotiate media, and start its call task; or
//! refuse it with the right final response.

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use wasmphony_engine::api::{CallInfo, Direction};
use wasmphony_media::bridge::LegFormat;
use wasmphony_media::leg::LegConfig;
use wasmphony_media::net::RtpSession;
use wasmphony_media::play::PromptLibrary;
use wasmphony_media::sdp::{LocalMedia, SessionDescription, answer_offer};
use wasmphony_sip::dialog::Dialog;
use wasmphony_sip::endpoint::{ServerTransaction, Target};
use wasmphony_sip::ids::new_tag;
use wasmphony_sip::message::{Request, Uri};

use crate::call_book::{CallIdentity, SharedBook};
use crate::call_task::{CallTask, run_call_task};
use crate::controller::Controller;
use crate::live_calls::{CallerGone, GoneReceiver, LiveCalls, ParkedBye, Registered};
use crate::refusal::Refusal;
use crate::sip_call::{PendingMedia, SipCall, SipCallParts};

impl Controller {
    pub(crate) async fn on_invite(self: &Arc<Self>, mut invite: ServerTransaction) {
        match self.admit(&invite) {
            Ok(admitted) => {
                let Admitted {
                    identity,
                    task_parts,
                    media,
                    dialog,
                    peer,
                    prompts,
                    info,
                } = admitted;
                let Some(Registered {
                    guard,
                    gone,
                    info_digits,
                    parked_bye,
                }) = self.live.insert(&identity.call_id, &dialog.id.local_tag)
                else {
                    refuse(&mut invite, Refusal::DuplicateCall).await;
                    return;
                };
                if let Some(cancelled) = invite.take_cancellation() {
                    tokio::spawn(watch_cancel(
                        self.live.clone(),
                        identity.call_id.clone(),
                        cancelled,
                        gone.clone(),
                    ));
                }
                let book = SharedBook::default();
                let call = SipCall::new(SipCallParts {
                    info,
                    context: self.context.clone(),
                    prompts,
                    invite,
                    dialog,
                    peer,
                    media,
                    gone,
                    info_digits,
                    book: book.clone(),
                });
                let task = CallTask {
                    identity,
                    book,
                    guard: Some(guard),
                    parked_bye,
                    ..task_parts
                };
                tokio::spawn(run_call_task(self.clone(), task, Box::new(call)));
            }
            Err(refusal) => refuse(&mut invite, refusal).await,
        }
    }

    fn admit(&self, invite: &ServerTransaction) -> Result<Admitted, Refusal> {
        let request = invite.request();
        let dialed = user_of(&request.uri)
            .or_else(|| user_of(&request.head.to.uri))
            .ok_or(Refusal::NoNumber)?;
        let routes = self.route_table();
        let (route, tenant) = routes
            .resolve(&dialed)
            .ok_or_else(|| Refusal::UnknownNumber(dialed.clone()))?;
        let dialed = routes.canonical_number(&dialed);
        let slot = self
            .slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refusal::AtCapacity)?;
        let call_id = request.head.call_id.as_str().to_string();
        let scenario = self
            .registry
            .pick(&route.tenant, &route.scenario, &call_id)
            .map_err(|e| Refusal::NoScenario(e.to_string()))?;
        let media = self.negotiate(request, &tenant.prompts)?;
        let peer_hint = Target {
            addr: invite.source(),
            transport: invite.transport(),
        };
        let contact_host = self
            .context
            .endpoint
            .contact_host_port(peer_hint)
            .ok_or(Refusal::NoLocalAddress)?;
        let contact = Uri::sip(Some(&dialed), contact_host);
        let dialog = Dialog::as_uas(request, &new_tag(), contact)
            .map_err(|e| Refusal::BadDialog(e.to_string()))?;
        let peer = Target {
            addr: dialog.next_hop().unwrap_or(peer_hint.addr),
            transport: peer_hint.transport,
        };
        let from = user_of(&request.head.from.uri).unwrap_or_else(|| "anonymous".into());
        let to = user_of(&request.head.to.uri).unwrap_or_else(|| dialed.clone());
        let info = CallInfo {
            id: call_id.clone(),
            tenant: route.tenant.clone(),
            direction: Direction::Inbound,
            from: from.clone(),
            to: to.clone(),
            dialed: dialed.clone(),
            caller_name: request.head.from.display.clone(),
            source: None,
            headers: vec![],
        };
        let identity = CallIdentity {
            call_id,
            tenant: route.tenant.clone(),
            scenario: route.scenario.clone(),
            from,
            to,
            dialed,
            started_at: SystemTime::now(),
        };
        let task_parts = CallTask {
            identity: identity.clone(),
            book: SharedBook::default(),
            guard: None,
            parked_bye: ParkedBye::default(),
            scenario,
            services: tenant.services.clone(),
            config_json: route.config_json.clone(),
            fallback: route.fallback.clone(),
            slot,
        };
        Ok(Admitted {
            identity,
            task_parts,
            media,
            dialog,
            peer,
            prompts: tenant.prompts.clone(),
            info,
        })
    }

    /// Binds the leg's RTP ports and answers the caller's offer with the
    /// codecs the tenant's prompts are encoded for.
    fn negotiate(
        &self,
        request: &Request,
        prompts: &PromptLibrary,
    ) -> Result<PendingMedia, Refusal> {
        let text = std::str::from_utf8(&request.body)
            .map_err(|_| Refusal::BadOffer("not UTF-8".into()))?;
        if text.trim().is_empty() {
            // Offerless INVITEs (offer in the ACK) are not supported yet.
            return Err(Refusal::NoOffer);
        }
        let offer =
            SessionDescription::parse(text).map_err(|e| Refusal::BadOffer(e.to_string()))?;
        let session = RtpSession::bind(&self.context.ports, self.context.media_ip)
            .map_err(|e| Refusal::NoPorts(e.to_string()))?;
        let mut local = LocalMedia::new(self.context.media_ip, session.rtp_port());
        local.codecs.retain(|c| prompts.codecs().contains(c));
        let (answer, negotiated) =
            answer_offer(&offer, &local).map_err(|e| Refusal::BadOffer(e.to_string()))?;
        let config = LegConfig {
            format: LegFormat {
                codec: negotiated.codec,
                payload_type: negotiated.payload_type,
                telephone_event_pt: negotiated.telephone_event_pt,
            },
            remote: negotiated.remote_rtp,
            inband_dtmf: negotiated.telephone_event_pt.is_none(),
            silence: prompts.silence(),
        };
        let answer_sdp = Bytes::from(answer.to_string());
        Ok(PendingMedia {
            session,
            config,
            answer_sdp,
        })
    }
}

struct Admitted {
    identity: CallIdentity,
    task_parts: CallTask,
    media: PendingMedia,
    dialog: Dialog,
    peer: Target,
    prompts: Arc<PromptLibrary>,
    info: CallInfo,
}

/// Tells the call when its INVITE is CANCELled (the endpoint has answered
/// `487`). Ends with the call, or once the INVITE has its final answer.
async fn watch_cancel(
    live: LiveCalls,
    call_id: String,
    cancelled: tokio::sync::oneshot::Receiver<()>,
    mut gone: GoneReceiver,
) {
    tokio::select! {
        result = cancelled => {
            if result.is_ok() {
                live.caller_gone(&call_id, None, CallerGone::Cancel);
            }
        }
        _ = gone.wait_for(Option::is_some) => {}
    }
}

fn user_of(uri: &Uri) -> Option<String> {
    uri.user.clone().filter(|u| !u.is_empty())
}

async fn refuse(invite: &mut ServerTransaction, refusal: Refusal) {
    let status = refusal.status();
    tracing::info!(status = status.as_u16(), reason = %refusal, "INVITE refused");
    let _ = invite.respond_with(status).await;
}
