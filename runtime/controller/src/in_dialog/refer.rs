//! REFER (RFC 3515) inside a call: blind transfer.
//!
//! **Who may transfer.** Only staff, and only from the address we know it at:
//! the party of a leg the host itself placed and bridged to a caller — a
//! registered phone of the tenant (an agent, a dialled extension) or a SIP URI
//! the tenant's own scenario named — from the address that leg was placed to;
//! and a phone that made a direct call (digest-authenticated, `direct_call.rs`)
//! on its own leg, from the address its INVITE came from, once the party it
//! called is bridged (`sip_call/caller_transfer.rs`). A REFER on any other
//! caller's leg (a customer from a trunk, a scenario's caller), on a leg placed
//! to a number through a trunk or the number gateway (an outside party), or
//! from another address is refused with `403` and a Warning before anything is
//! dialled: no unauthenticated request ever makes the host place a call (toll
//! fraud).
//!
//! **Answers.** Outside any established leg of ours: `481`. No Refer-To (or
//! more than one): `400`. A Refer-To with another scheme than sip/sips/tel, an
//! unparsable URI, `Replaces` or a host that is not reachable: `400` with the
//! reason in a Warning; a user of the tenant's domain that is no extension or
//! number: `404`. A REFER while a transfer of the same bridge runs, on either
//! of its legs (the phone's and the colleague's of a direct call): `491`.
//! Otherwise `202 Accepted`, and the bridge that owns the leg carries the
//! transfer out (`sip_call/transfer.rs`, `sip_call/caller_transfer.rs`,
//! `agent_transfer.rs`): NOTIFYs with sipfrag bodies, in the referrer's dialog
//! (ours as UAC or as UAS), report `100 Trying` and then the new leg's final
//! status.

use wasmphony_sip::dialog::DialogId;
use wasmphony_sip::endpoint::{ServerTransaction, TransportKind};
use wasmphony_sip::message::{HeaderName, Request, StatusCode};

use super::refer_to::{ReferScope, ReferToError, parse_refer_to};
use super::transfer_points::{TransferClaim, TransferOrder};
use crate::controller::Controller;

/// Why a REFER is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ReferRefusal {
    /// Not on an established leg of ours.
    #[error("no such call")]
    NoDialog,
    /// No Refer-To, or several.
    #[error("a REFER needs exactly one Refer-To")]
    ReferTo,
    /// The leg's party may not transfer (a customer's leg, an outside number).
    #[error("only the staff side of a call may transfer it")]
    NotStaff,
    /// The REFER did not come from where the leg was placed.
    #[error("REFER from another address than the leg's")]
    WrongSource,
    /// The Refer-To cannot be carried out.
    #[error(transparent)]
    Target(#[from] ReferToError),
    /// A transfer of this leg's bridge is already running.
    #[error("a transfer of this call is already in progress")]
    Busy,
}

impl ReferRefusal {
    /// The REFER's final response.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            ReferRefusal::NoDialog => StatusCode::CALL_DOES_NOT_EXIST,
            ReferRefusal::ReferTo => StatusCode::BAD_REQUEST,
            ReferRefusal::NotStaff | ReferRefusal::WrongSource => StatusCode::FORBIDDEN,
            ReferRefusal::Target(error) => error.status(),
            ReferRefusal::Busy => StatusCode::REQUEST_PENDING,
        }
    }
}

impl Controller {
    pub(crate) async fn on_refer(&self, mut transaction: ServerTransaction) {
        let judged = self.judge_refer(transaction.request(), transaction.source().ip());
        let (claim, order) = match judged {
            Ok(accepted) => accepted,
            Err(refusal) => {
                tracing::info!(%refusal, "REFER refused");
                let mut response = transaction.response(refusal.status());
                if refusal != ReferRefusal::NoDialog {
                    response
                        .head
                        .headers
                        .push(HeaderName::Other("Warning".into()), warning(&refusal));
                }
                let _ = transaction.respond(response).await;
                return;
            }
        };
        // 202 before the first NOTIFY can leave: the bridge hears of the order only now.
        if transaction
            .respond_with(StatusCode::ACCEPTED)
            .await
            .is_err()
        {
            return;
        }
        tracing::info!(target = ?order.target, "REFER accepted: blind transfer");
        if !claim.send(order) {
            tracing::info!("the call ended before its transfer could start");
        }
    }

    /// Accepts a REFER (the point claimed and the order to send) or says why not.
    fn judge_refer(
        &self,
        request: &Request,
        source: std::net::IpAddr,
    ) -> Result<(TransferClaim, TransferOrder), ReferRefusal> {
        let id = DialogId::for_incoming(request).ok_or(ReferRefusal::NoDialog)?;
        if self
            .context
            .media_dialogs
            .get(&id.call_id, &id.local_tag)
            .is_none()
        {
            return Err(ReferRefusal::NoDialog);
        }
        let refer_to_header = HeaderName::ReferTo;
        let mut refer_to = request.head.headers.get_all(&refer_to_header);
        let (Some(refer_to), None) = (refer_to.next(), refer_to.next()) else {
            return Err(ReferRefusal::ReferTo);
        };
        let point = self
            .context
            .transfer_points
            .get(&id.call_id, &id.local_tag)
            .ok_or(ReferRefusal::NotStaff)?;
        if point.peer != source {
            return Err(ReferRefusal::WrongSource);
        }
        let endpoint = &self.context.endpoint;
        let mut ours = endpoint.local_addrs(TransportKind::Udp);
        ours.extend(endpoint.local_addrs(TransportKind::Tcp));
        let has_extension =
            |extension: &str| self.context.phones.has_extension(&point.tenant, extension);
        let target = parse_refer_to(
            refer_to,
            &ReferScope {
                domain: &point.tenant,
                our_addrs: &ours,
                has_extension: &has_extension,
            },
        )?;
        let claim = point.claim().ok_or(ReferRefusal::Busy)?;
        if !claim.is_live() {
            return Err(ReferRefusal::NoDialog);
        }
        Ok((
            claim,
            TransferOrder {
                target,
                refer_cseq: request.head.cseq.seq,
            },
        ))
    }
}

/// The Warning (399, miscellaneous) that says why: quoted, so nothing a peer
/// wrote may end the quote early.
fn warning(refusal: &ReferRefusal) -> String {
    let text: String = refusal
        .to_string()
        .chars()
        .filter(|c| *c != '"' && *c != '\\' && !c.is_control())
        .take(200)
        .collect();
    format!("399 wasmphony \"{text}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_map_to_their_statuses() {
        assert_eq!(ReferRefusal::NoDialog.status().as_u16(), 481);
        assert_eq!(ReferRefusal::ReferTo.status().as_u16(), 400);
        assert_eq!(ReferRefusal::NotStaff.status().as_u16(), 403);
        assert_eq!(ReferRefusal::WrongSource.status().as_u16(), 403);
        assert_eq!(ReferRefusal::Busy.status().as_u16(), 491);
        assert_eq!(
            ReferRefusal::from(ReferToError::UnsupportedScheme("http".into()))
                .status()
                .as_u16(),
            400
        );
        assert_eq!(
            ReferRefusal::from(ReferToError::Unknown("x".into()))
                .status()
                .as_u16(),
            404
        );
        assert_eq!(
            warning(&ReferRefusal::from(ReferToError::UnreachableHost(
                "a\"b\\".into()
            ))),
            "399 wasmphony \"Refer-To host ab is not reachable (the tenant's domain, this server or an IP address)\""
        );
    }
}
