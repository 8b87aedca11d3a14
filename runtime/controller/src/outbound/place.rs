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
use wasmphony_sip::endpoint::{ClientEvent, Endpoint, Target};
use wasmphony_sip::ids::{new_call_id, new_tag};
use wasmphony_sip::message::{CallId, HeaderName, Method, NameAddr, Request, Uri};

use super::follow::Follower;
use crate::context::ControllerContext;
use crate::limits::SIGNALLING_WAIT;
use crate::trunks::Trunk;

/// What a ringing leg's follower tells its ring group.
// Events are moved once through a bounded channel; boxing them would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub(crate) enum LegNews {
    /// A response or timeout of the leg's current INVITE.
    Event(ClientEvent),
    /// The leg's INVITE was sent again (answering a digest challenge, or to the
    /// next trunk after a failure); later events are about this one.
    Resent {
        invite: Box<Request>,
        target: Target,
    },
}

/// Events of one ringing leg, tagged with its index in the ring group.
pub(crate) type LegEvents = mpsc::Sender<(usize, LegNews)>;

/// What to ring and as whom.
pub(crate) struct DialRequest {
    /// Request-URI and To of the INVITE.
    pub(crate) uri: Uri,
    /// Where the INVITE goes.
    pub(crate) target: Target,
    /// How the scenario named the target (for `answered-by`).
    pub(crate) label: String,
    /// The carrier trunk it goes through, for its credentials and caller id.
    pub(crate) trunk: Option<Arc<Trunk>>,
    /// Trunks to try next, in order, when this one fails (5xx, 408, no answer).
    pub(crate) failover: Vec<DialRequest>,
    /// The party is staff the tenant chose (a registered phone, a SIP URI its
    /// scenario named), not a number reached through a trunk: it may transfer
    /// the call with REFER once bridged.
    pub(crate) may_transfer: bool,
}

impl DialRequest {
    fn direct(uri: Uri, target: Target, label: &str, may_transfer: bool) -> DialRequest {
        DialRequest {
            uri,
            target,
            label: label.to_string(),
            trunk: None,
            failover: Vec::new(),
            may_transfer,
        }
    }

    fn through(trunk: &Arc<Trunk>, number: &str) -> DialRequest {
        DialRequest {
            uri: Uri::sip(Some(number), trunk.host.clone()),
            target: trunk.target,
            label: number.to_string(),
            trunk: Some(trunk.clone()),
            failover: Vec::new(),
            may_transfer: false,
        }
    }
}

/// Where a dial target is reached: SIP URIs with an IP literal directly,
/// numbers through the tenant's trunks (the best match first, the others as
/// failover) or, for a tenant without trunks, the configured gateway; an
/// extension at each of its user's registered phones (rung together; none
/// registered: an empty group).
pub(crate) fn resolve_target(
    target: &DialTarget,
    context: &ControllerContext,
    tenant: &str,
) -> Result<Vec<DialRequest>, CallError> {
    let one = match target {
        DialTarget::SipUri(text) => {
            let uri = Uri::parse(text)
                .map_err(|e| CallError::Invalid(format!("SIP URI {text:?}: {e}")))?;
            let addr = uri.host_port.socket_addr(5060).ok_or_else(|| {
                CallError::NotFound(format!("{text}: only IP-literal hosts are reachable yet"))
            })?;
            Ok(DialRequest::direct(uri, Target::udp(addr), text, true))
        }
        DialTarget::Number(number) => route_number(context, tenant, number),
        DialTarget::Extension(extension) => {
            let phones = context.phones.contacts(tenant, extension, Instant::now());
            return Ok(phones
                .into_iter()
                .map(|phone| {
                    DialRequest::direct(phone.uri, Target::udp(phone.source), extension, true)
                })
                .collect());
        }
        DialTarget::AssignedManager => Err(CallError::NotFound(
            "assigned manager: routing by customer card is not available yet".into(),
        )),
    };
    one.map(|request| vec![request])
}

fn route_number(
    context: &ControllerContext,
    tenant: &str,
    number: &str,
) -> Result<DialRequest, CallError> {
    let digits = number.strip_prefix('+').unwrap_or(number);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(CallError::Invalid(format!(
            "not a phone number: {number:?}"
        )));
    }
    let mut trunks = context.trunks.for_number(tenant, number).into_iter();
    if let Some(primary) = trunks.next() {
        let mut request = DialRequest::through(&primary, number);
        request.failover = trunks.map(|t| DialRequest::through(&t, number)).collect();
        return Ok(request);
    }
    let gateway = context.number_gateway.ok_or_else(|| {
        CallError::NotFound(format!(
            "no route for number {number}: no trunk of the tenant carries it"
        ))
    })?;
    let uri = Uri::sip(Some(number), gateway.into());
    Ok(DialRequest::direct(
        uri,
        Target::udp(gateway),
        number,
        false,
    ))
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
    /// Offer/answer state for the callee's re-INVITEs and UPDATEs.
    pub(crate) session_media: crate::in_dialog::SessionMedia,
    /// Its party may transfer the call ([`DialRequest::may_transfer`]).
    pub(crate) may_transfer: bool,
}

/// Sends the INVITE for `request` with an SDP offer preferring `caller_codec`
/// (so that the bridge can relay without transcoding).
pub(crate) async fn place(
    context: &Arc<ControllerContext>,
    prompts: &PromptLibrary,
    mut request: DialRequest,
    caller_id: &str,
    caller_codec: Codec,
    index: usize,
    events: LegEvents,
) -> Result<PlacedLeg, CallError> {
    // The callee's media is most likely of its signalling's family.
    let media_ip = context.media.for_peer(Some(request.target.addr.ip()));
    let session = context
        .bind_session(media_ip)
        .map_err(|e| CallError::Limit(format!("RTP ports: {e}")))?;
    let mut local = LocalMedia::new(media_ip, session.rtp_port());
    local.codecs.retain(|c| prompts.codecs().contains(c));
    local.codecs.sort_by_key(|c| *c != caller_codec);
    let offer = create_offer(&local);
    let invite = build_invite(
        context,
        &request,
        caller_id,
        CallId(new_call_id()),
        &new_tag(),
        1,
        Bytes::from(offer.to_string()),
    )?;
    let transaction = context
        .endpoint
        .send_request(invite.clone(), request.target)
        .await
        .map_err(|e| CallError::Rejected(format!("INVITE not sent: {e}")))?;
    let (settle, settle_rx) = oneshot::channel();
    let follower = Follower::new(
        context.clone(),
        transaction,
        invite.clone(),
        &mut request,
        caller_id,
        index,
        events,
    );
    // Boxed: this runs on a scenario's fiber (dial), where every copy `spawn` makes of a
    // large future stays resident for the call (see `MediaLeg::spawn`).
    tokio::spawn(Box::pin(follower.run(settle_rx)));
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

/// The INVITE for `request` (without Via: the endpoint adds it), presenting the
/// trunk's caller id when it has one, else `caller_id` when it is a plain
/// number or name, else `anonymous`.
pub(crate) fn build_invite(
    context: &ControllerContext,
    request: &DialRequest,
    caller_id: &str,
    call_id: CallId,
    from_tag: &str,
    cseq: u32,
    offer: Bytes,
) -> Result<Request, CallError> {
    let contact_host = context
        .endpoint
        .contact_host_port(request.target)
        .ok_or_else(|| CallError::Rejected("no local address for the target".into()))?;
    let presented = request
        .trunk
        .as_ref()
        .and_then(|trunk| trunk.caller_id.as_deref())
        .unwrap_or(caller_id);
    let caller = if !presented.is_empty()
        && presented
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+')
    {
        presented
    } else {
        "anonymous"
    };
    let mut from = NameAddr::new(Uri::sip(Some(caller), contact_host.clone()));
    from.set_tag(from_tag);
    let mut invite = Request::new(
        Method::Invite,
        request.uri.clone(),
        from,
        NameAddr::new(request.uri.clone()),
        call_id,
        cseq,
    );
    invite.head.headers.push(
        HeaderName::Contact,
        format!("<{}>", Uri::sip(Some(caller), contact_host)),
    );
    invite.set_body("application/sdp", offer);
    Ok(invite)
}

/// Sends BYE in `dialog` and waits (bounded) for its answer.
pub(crate) async fn send_bye(endpoint: &Endpoint, dialog: &mut Dialog, target: Target) {
    let bye = dialog.new_request(Method::Bye);
    if let Ok(mut transaction) = endpoint.send_request(bye, target).await {
        let _ = tokio::time::timeout(SIGNALLING_WAIT, transaction.final_response()).await;
    }
}
