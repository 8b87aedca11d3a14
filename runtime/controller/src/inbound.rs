//! A new INVITE: route it (a routed number runs its scenario; anything else
//! within a tenant's domain is a staff phone's call), negotiate media, and
//! start its call task; or refuse it with the right final response.

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use wasmphony_engine::api::{CallInfo, Direction};
use wasmphony_media::bridge::LegFormat;
use wasmphony_media::leg::LegConfig;
use wasmphony_media::play::PromptLibrary;
use wasmphony_media::sdp::{LocalMedia, SessionDescription, answer_offer};
use wasmphony_sip::dialog::Dialog;
use wasmphony_sip::endpoint::{ServerTransaction, Target};
use wasmphony_sip::ids::new_tag;
use wasmphony_sip::message::{Request, Uri};

use tokio::sync::OwnedSemaphorePermit;
use wasmphony_engine::api::DialOptions;
use wasmphony_engine::{CompiledScenario, Fallback, TenantServices};
use wasmphony_sip::message::HeaderName;

use crate::call_book::{CallIdentity, SharedBook};
use crate::call_task::{CallTask, run_call_task};
use crate::controller::Controller;
use crate::direct_call::{DirectCall, PhoneRefusal, run_direct_call};
use crate::in_dialog::SessionMedia;
use crate::live_calls::{CallerGone, GoneReceiver, LiveCalls, Registered};
use crate::media_thread::in_call;
use crate::refusal::Refusal;
use crate::sip_call::{PendingMedia, SipCall, SipCallParts};

impl Controller {
    pub(crate) async fn on_invite(self: &Arc<Self>, mut invite: ServerTransaction) {
        let admitted = match self.admit(&invite) {
            Ok(admitted) => admitted,
            Err(Refusal::UnknownNumber(dialed)) => match self.phone_tenant(&invite) {
                // Not a routed number, but addressed within a tenant's domain: a staff
                // phone calling an extension or out.
                Some(tenant) => match self.admit_phone_call(&invite, &tenant, &dialed) {
                    Ok(admitted) => admitted,
                    Err(PhoneRefusal::Challenge(challenge)) => {
                        let _ = invite.respond(*challenge).await;
                        return;
                    }
                    Err(PhoneRefusal::Refused(refusal)) => {
                        self.refuse(&mut invite, refusal).await;
                        return;
                    }
                },
                None => {
                    self.refuse(&mut invite, Refusal::UnknownNumber(dialed))
                        .await;
                    return;
                }
            },
            Err(refusal) => {
                self.refuse(&mut invite, refusal).await;
                return;
            }
        };
        let Admitted {
            identity,
            media,
            dialog,
            peer,
            prompts,
            info,
            slot,
            plan,
        } = admitted;
        let Some(Registered {
            guard,
            gone,
            info_digits,
            parked_bye,
        }) = self.live.insert(&identity.call_id, &dialog.id.local_tag)
        else {
            self.refuse(&mut invite, Refusal::DuplicateCall).await;
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
        let source = invite.source().ip();
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
        match plan {
            Plan::Scenario {
                scenario,
                services,
                config_json,
                fallback,
            } => {
                let task = CallTask {
                    identity,
                    book,
                    guard: Some(guard),
                    parked_bye,
                    scenario,
                    services,
                    config_json,
                    fallback,
                    slot,
                };
                let thread = call.media_thread();
                tokio::spawn(in_call(
                    thread,
                    run_call_task(self.clone(), task, Box::new(call)),
                ));
            }
            Plan::Direct(options) => {
                let task = DirectCall {
                    identity,
                    book,
                    guard,
                    parked_bye,
                    slot,
                    options,
                    phone: source,
                };
                let thread = call.media_thread();
                tokio::spawn(in_call(thread, run_direct_call(self.clone(), task, call)));
            }
        }
    }

    /// A routed number: its tenant's active scenario answers.
    fn admit(&self, invite: &ServerTransaction) -> Result<Admitted, Refusal> {
        let request = invite.request();
        let carriers = self.context.trunks.carriers_at(invite.source());
        let dialed = self
            .number_behind_registration(request, &carriers)
            .or_else(|| dialed_user(request))
            .ok_or(Refusal::NoNumber)?;
        let routes = self.route_table();
        let (route, tenant) = routes
            .resolve(&dialed)
            .ok_or_else(|| Refusal::UnknownNumber(dialed.clone()))?;
        let dialed = routes.canonical_number(&dialed);
        if !carriers.is_empty() {
            let Some((_, trunk)) = carriers.iter().find(|(t, _)| *t == route.tenant) else {
                // A carrier of other tenants cannot reach this tenant's numbers.
                return Err(Refusal::UnknownNumber(dialed));
            };
            tracing::debug!(trunk = %trunk.name, tenant = %route.tenant, "call from a trunk");
        }
        let slot = self.call_slot()?;
        let call_id = request.head.call_id.as_str().to_string();
        let scenario = self
            .registry
            .pick(&route.tenant, &route.scenario, &call_id)
            .map_err(|e| Refusal::NoScenario(e.to_string()))?;
        let plan = Plan::Scenario {
            scenario,
            services: tenant.services.clone(),
            config_json: route.config_json.clone(),
            fallback: route.fallback.clone(),
        };
        self.prepare(
            invite,
            &route.tenant,
            &route.scenario,
            dialed,
            &tenant.prompts,
            slot,
            plan,
        )
    }

    /// A carrier we register with sends calls to the contact we registered
    /// (`sip:<trunk user>@us`); the number dialled is then in the To.
    fn number_behind_registration(
        &self,
        request: &Request,
        carriers: &[(String, Arc<crate::trunks::Trunk>)],
    ) -> Option<String> {
        let user = user_of(&request.uri)?;
        carriers
            .iter()
            .any(|(_, trunk)| {
                trunk.register
                    && trunk
                        .credentials
                        .as_ref()
                        .is_some_and(|c| c.username == user)
            })
            .then(|| user_of(&request.head.to.uri))
            .flatten()
    }

    pub(crate) fn call_slot(&self) -> Result<OwnedSemaphorePermit, Refusal> {
        if let Some(rate) = &self.call_rate
            && !rate.lock().try_admit(std::time::Instant::now())
        {
            return Err(Refusal::Overloaded);
        }
        self.slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refusal::AtCapacity)
    }

    /// Media, dialog and identity of an admitted INVITE.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn prepare(
        &self,
        invite: &ServerTransaction,
        tenant: &str,
        scenario: &str,
        dialed: String,
        prompts: &Arc<PromptLibrary>,
        slot: OwnedSemaphorePermit,
        plan: Plan,
    ) -> Result<Admitted, Refusal> {
        let request = invite.request();
        let call_id = request.head.call_id.as_str().to_string();
        let media = self.negotiate(request, prompts)?;
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
            tenant: tenant.to_string(),
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
            tenant: tenant.to_string(),
            scenario: scenario.to_string(),
            from,
            to,
            dialed,
            started_at: SystemTime::now(),
        };
        Ok(Admitted {
            identity,
            media,
            dialog,
            peer,
            prompts: prompts.clone(),
            info,
            slot,
            plan,
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
        let media_ip = self.context.media.for_peer(offer.connection_for(0));
        let session = self
            .context
            .bind_session(media_ip)
            .map_err(|e| Refusal::NoPorts(e.to_string()))?;
        let mut local = LocalMedia::new(media_ip, session.rtp_port());
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
        let session_media = SessionMedia::new(local, config.format, answer);
        Ok(PendingMedia {
            session,
            config,
            answer_sdp,
            session_media,
        })
    }
}

pub(crate) struct Admitted {
    identity: CallIdentity,
    media: PendingMedia,
    dialog: Dialog,
    peer: Target,
    prompts: Arc<PromptLibrary>,
    info: CallInfo,
    /// The call's capacity slot.
    slot: OwnedSemaphorePermit,
    plan: Plan,
}

impl Admitted {
    /// Names the caller by their authenticated extension (a phone's From may say
    /// anything).
    pub(crate) fn set_caller(&mut self, extension: &str) {
        self.info.from = extension.to_string();
        self.identity.from = extension.to_string();
    }
}

/// What runs the call.
pub(crate) enum Plan {
    /// The route's scenario (and its fallback).
    Scenario {
        scenario: Arc<CompiledScenario>,
        services: Arc<dyn TenantServices>,
        config_json: Arc<str>,
        fallback: Fallback,
    },
    /// A staff phone's call, connected by the host (see [`crate::direct_call`]).
    Direct(DialOptions),
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

pub(crate) fn user_of(uri: &Uri) -> Option<String> {
    uri.user.clone().filter(|u| !u.is_empty())
}

/// The number or extension an INVITE asks for: the Request-URI's user, else the To's.
pub(crate) fn dialed_user(request: &Request) -> Option<String> {
    user_of(&request.uri).or_else(|| user_of(&request.head.to.uri))
}

impl Controller {
    /// Answers a refused INVITE with its status (and Retry-After when about load).
    async fn refuse(&self, invite: &mut ServerTransaction, refusal: Refusal) {
        self.counters.on_refusal(&refusal);
        let status = refusal.status();
        tracing::info!(status = status.as_u16(), reason = %refusal, "INVITE refused");
        let mut response = invite.response(status);
        if let Some(seconds) = refusal.retry_after() {
            response
                .head
                .headers
                .push(HeaderName::RetryAfter, seconds.to_string());
        }
        let _ = invite.respond(response).await;
    }
}
