//! The request loop's side of in-dialog offers: a re-INVITE or UPDATE on an
//! established leg is answered from its [`SessionMedia`](super::offer_answer::SessionMedia)
//! and the leg is told what changed; the ACK of a re-INVITE closes it (and carries
//! the answer when the re-INVITE had no SDP).

use bytes::Bytes;
use wasmphony_sip::dialog::DialogId;
use wasmphony_sip::endpoint::ServerTransaction;
use wasmphony_sip::message::{HeaderName, Method, Request, Response, StatusCode};

use super::media_dialogs::MediaDialog;
use super::offer_answer::{LegChange, OfferRefusal};
use crate::controller::Controller;
use crate::limits::SIGNALLING_WAIT;
use crate::sip_call::SDP_CONTENT_TYPE;

impl Controller {
    /// A re-INVITE or UPDATE: 200 with our SDP, 488/491 when refused, 481 when
    /// the dialog is not an established leg of ours.
    pub(crate) async fn on_offer_in_dialog(&self, mut transaction: ServerTransaction) {
        let request = transaction.request();
        let Some(dialog) = self.media_dialog(request) else {
            let _ = transaction
                .respond_with(StatusCode::CALL_DOES_NOT_EXIST)
                .await;
            return;
        };
        let cseq = request.head.cseq.seq;
        let is_invite = request.method == Method::Invite;
        let outcome = {
            let mut media = dialog.media.lock();
            if is_invite {
                media.on_invite(cseq, &request.body)
            } else {
                media
                    .on_update(&request.body)
                    .map(|answered| match answered {
                        Some((sdp, change)) => (sdp, Some(change)),
                        None => (String::new(), None),
                    })
            }
        };
        let (sdp, change) = match outcome {
            Ok(answered) => answered,
            Err(refusal) => {
                tracing::info!(method = %request.method, %refusal, "in-dialog offer refused");
                let response = refusal_response(&transaction, &refusal);
                let _ = transaction.respond(response).await;
                return;
            }
        };
        let mut ok = transaction.response(StatusCode::OK);
        ok.head
            .headers
            .set(HeaderName::Contact, format!("<{}>", dialog.local_contact));
        if !sdp.is_empty() {
            ok.set_body(SDP_CONTENT_TYPE, Bytes::from(sdp));
        }
        if transaction.respond(ok).await.is_err() {
            if is_invite {
                dialog.media.lock().abandon(cseq);
            }
            return;
        }
        if let Some(change) = change {
            apply(&dialog, change).await;
        }
    }

    /// An ACK for a 2xx: closes a re-INVITE, taking the answer it may carry.
    pub(crate) async fn on_dialog_ack(&self, ack: &Request) {
        let Some(dialog) = self.media_dialog(ack) else {
            return;
        };
        let change = dialog.media.lock().on_ack(ack.head.cseq.seq, &ack.body);
        if let Some(change) = change {
            apply(&dialog, change).await;
        }
    }

    fn media_dialog(&self, request: &Request) -> Option<std::sync::Arc<MediaDialog>> {
        let id = DialogId::for_incoming(request)?;
        self.context.media_dialogs.get(&id.call_id, &id.local_tag)
    }
}

/// 488 says why in a Warning (305 Incompatible media format, RFC 3261 §20.43).
fn refusal_response(transaction: &ServerTransaction, refusal: &OfferRefusal) -> Response {
    let mut response = transaction.response(refusal.status());
    if let OfferRefusal::NotAcceptable(why) = refusal {
        let text: String = why
            .chars()
            .filter(|c| *c != '"' && *c != '\\' && !c.is_control())
            .take(200)
            .collect();
        response.head.headers.push(
            HeaderName::Other("Warning".into()),
            format!("305 wasmphony \"{text}\""),
        );
    }
    response
}

/// Tells the leg; a leg that has ended (the call is closing) is left alone.
async fn apply(dialog: &MediaDialog, change: LegChange) {
    let told = tokio::time::timeout(
        SIGNALLING_WAIT,
        dialog.leg.renegotiated(change.remote, change.sending),
    )
    .await;
    if !matches!(told, Ok(Ok(()))) {
        tracing::debug!("renegotiated leg has ended");
    }
}
