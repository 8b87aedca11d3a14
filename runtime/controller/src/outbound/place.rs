//! Placing one outbound INVITE and following its transaction.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use wasmphony_engine::api::{CallError, DialTarget};
use wasmphony_media::codec::Codec;
use wasmphony_media::leg::LegConfig;
use wasmphony_media::net::RtpSession;
use wasmphony_media::play::PromptLibrary;
use wasmphony_media::sdp::{LocalMedia, create_offer};
use wasmphony_sip::dialog::Dialog;
use wasmphony_sip::endpoint::{ClientEvent, ClientTransaction, Endpoint, Target};
use wasmphony_sip::ids::{new_call_id, new_tag};
use wasmphony_sip::message::{CallId, HeaderName, Method, NameAddr, Request, Uri};

use crate::context::ControllerContext;
use crate::limits::SIGNALLING_WAIT;

/// Events of one ringing leg, tagged with its index in the ring group.
pub(crate) type LegEvents = mpsc::Sender<(usize, ClientEvent)>;

/// What to ring and as whom.
pub(crate) struct DialRequest {
    /// Request-URI and To of the INVITE.
    pub(crate) uri: Uri,
    /// Where the INVITE goes.
    pub(crate) target: Target,
    /// How the scenario named the target (for `answered-by`).
    pub(crate) label: String,
}

/// Where a dial target is reached: SIP URIs with an IP literal directly,
/// numbers through the gateway, an extension at each of its user's registered
/// phones (rung together; none registered: an empty group).
pub(crate) fn resolve_target(
    target: &DialTarget,
    context: &ControllerContext,
    tenant: &str,
) -> Result<Vec<DialRequest>, CallError> {
    let gateway = context.number_gateway;
    let one = match target {
        DialTarget::SipUri(text) => {
            let uri = Uri::parse(text)
                .map_err(|e| CallError::Invalid(format!("SIP URI {text:?}: {e}")))?;
            let addr = uri.host_port.socket_addr(5060).ok_or_else(|| {
                CallError::NotFound(format!("{text}: only IP-literal hosts are reachable yet"))
            })?;
            Ok(DialRequest {
                uri,
                target: Target::udp(addr),
                label: text.clone(),
            })
        }
        DialTarget::Number(number) => {
            let gateway = gateway.ok_or_else(|| {
                CallError::NotFound(format!(
                    "no route for number {number}: no trunk or gateway configured"
                ))
            })?;
            if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '+') {
                return Err(CallError::Invalid(format!(
                    "not a phone number: {number:?}"
                )));
            }
            let uri = Uri::sip(Some(number), gateway.into());
            Ok(DialRequest {
                uri,
                target: Target::udp(gateway),
                label: number.clone(),
            })
        }
        DialTarget::Extension(extension) => {
            let phones = context.phones.contacts(tenant, extension, Instant::now());
            return Ok(phones
                .into_iter()
                .map(|phone| DialRequest {
                    uri: phone.uri,
                    target: Target::udp(phone.source),
                    label: extension.clone(),
                })
                .collect());
        }
        DialTarget::AssignedManager => Err(CallError::NotFound(
            "assigned manager: routing by customer card is not available yet".into(),
        )),
    };
    one.map(|request| vec![request])
}

/// A leg placed and ringing.
pub(crate) struct PlacedLeg {
    pub(crate) invite: Request,
    pub(crate) request: DialRequest,
    pub(crate) session: RtpSession,
    pub(crate) local: LocalMedia,
    /// Tells the leg's follower task what became of the leg.
    pub(crate) settle: Option<oneshot::Sender<Settle>>,
}

/// The leg that answered.
pub(crate) struct AnsweredLeg {
    pub(crate) dialog: Dialog,
    pub(crate) target: Target,
    pub(crate) label: String,
    pub(crate) session: RtpSession,
    pub(crate) config: LegConfig,
}

/// Sends the INVITE for `request` with an SDP offer preferring `caller_codec`
/// (so that the bridge can relay without transcoding).
pub(crate) async fn place(
    context: &Arc<ControllerContext>,
    prompts: &PromptLibrary,
    request: DialRequest,
    caller_id: &str,
    caller_codec: Codec,
    index: usize,
    events: LegEvents,
) -> Result<PlacedLeg, CallError> {
    let session = RtpSession::bind(&context.ports, context.media_ip)
        .map_err(|e| CallError::Limit(format!("RTP ports: {e}")))?;
    let mut local = LocalMedia::new(context.media_ip, session.rtp_port());
    local.codecs.retain(|c| prompts.codecs().contains(c));
    local.codecs.sort_by_key(|c| *c != caller_codec);
    let offer = create_offer(&local);
    let contact_host = context
        .endpoint
        .contact_host_port(request.target)
        .ok_or_else(|| CallError::Rejected("no local address for the target".into()))?;
    let caller = if caller_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '+')
        && !caller_id.is_empty()
    {
        caller_id
    } else {
        "anonymous"
    };
    let mut from = NameAddr::new(Uri::sip(Some(caller), contact_host.clone()));
    from.set_tag(&new_tag());
    let mut invite = Request::new(
        Method::Invite,
        request.uri.clone(),
        from,
        NameAddr::new(request.uri.clone()),
        CallId(new_call_id()),
        1,
    );
    invite.head.headers.push(
        HeaderName::Contact,
        format!("<{}>", Uri::sip(Some(caller), contact_host)),
    );
    invite.set_body("application/sdp", Bytes::from(offer.to_string()));
    let transaction = context
        .endpoint
        .send_request(invite, request.target)
        .await
        .map_err(|e| CallError::Rejected(format!("INVITE not sent: {e}")))?;
    let invite = transaction.request().clone();
    let (settle, settle_rx) = oneshot::channel();
    tokio::spawn(follow(
        context.endpoint.clone(),
        transaction,
        index,
        events,
        settle_rx,
    ));
    Ok(PlacedLeg {
        invite,
        request,
        session,
        local,
        settle: Some(settle),
    })
}

/// What the ring group decided about a leg.
pub(crate) enum Settle {
    /// Stop ringing it.
    Cancel,
    /// It won: ACK any retransmitted 2xx with this ACK.
    Answered { ack: Box<Request> },
}

/// Forwards a leg's responses to its ring group until the group settles the
/// leg. After that, a retransmitted 2xx of the winner is ACKed again, and a
/// 2xx of a leg the group gave up on is ACKed and ended with BYE, so no
/// callee is left connected to nobody.
async fn follow(
    endpoint: Endpoint,
    mut transaction: ClientTransaction,
    index: usize,
    events: LegEvents,
    mut settle: oneshot::Receiver<Settle>,
) {
    // None: still ringing; Some(None): given up; Some(Some(ack)): answered.
    let mut settled: Option<Option<Request>> = None;
    loop {
        tokio::select! {
            biased;
            decision = &mut settle, if settled.is_none() => {
                settled = Some(match decision {
                    Ok(Settle::Cancel) => {
                        let _ = transaction.cancel().await;
                        None
                    }
                    Ok(Settle::Answered { ack }) => Some(*ack),
                    Err(_) => None,
                });
            }
            event = transaction.next_event() => {
                let Some(event) = event else { return };
                let success = matches!(&event, ClientEvent::Response(r) if r.status.is_success());
                match (&settled, event) {
                    (None, event) => {
                        let delivered = events.send((index, event)).await.is_ok();
                        if !delivered {
                            settled = Some(None);
                            let _ = transaction.cancel().await;
                        }
                    }
                    (Some(Some(ack)), _) if success => {
                        let _ = endpoint.send_ack(ack.clone(), transaction.target()).await;
                    }
                    (Some(None), ClientEvent::Response(ok)) if success => {
                        hang_up_late_answer(&endpoint, transaction.request(), &ok, transaction.target()).await;
                    }
                    _ => {}
                }
            }
        }
    }
}

async fn hang_up_late_answer(
    endpoint: &Endpoint,
    invite: &Request,
    ok: &wasmphony_sip::message::Response,
    target: Target,
) {
    let Ok(mut dialog) = Dialog::as_uac(invite, ok) else {
        return;
    };
    let _ = endpoint
        .send_ack(dialog.ack(invite.head.cseq.seq), target)
        .await;
    send_bye(endpoint, &mut dialog, target).await;
}

/// Sends BYE in `dialog` and waits (bounded) for its answer.
pub(crate) async fn send_bye(endpoint: &Endpoint, dialog: &mut Dialog, target: Target) {
    let bye = dialog.new_request(Method::Bye);
    if let Ok(mut transaction) = endpoint.send_request(bye, target).await {
        let _ = tokio::time::timeout(SIGNALLING_WAIT, transaction.final_response()).await;
    }
}
