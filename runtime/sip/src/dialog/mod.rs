//! Dialog state (RFC 3261 §12): Call-ID, tags, CSeq numbers, route set, remote target.
//!
//! Sans-IO: builds in-dialog requests and checks incoming ones; the endpoint sends them.

use std::net::SocketAddr;

use thiserror::Error;

use crate::message::{
    CSeq, CallId, Head, HeaderName, Headers, Method, NameAddr, Request, Response, Uri,
    split_outside_quotes,
};

/// Identifies a dialog from our side.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DialogId {
    /// Call-ID.
    pub call_id: String,
    /// Our tag.
    pub local_tag: String,
    /// The peer's tag.
    pub remote_tag: String,
}

impl DialogId {
    /// The id of the dialog a received in-dialog request belongs to (`None` without a To tag).
    pub fn for_incoming(request: &Request) -> Option<DialogId> {
        Some(DialogId {
            call_id: request.head.call_id.as_str().to_owned(),
            local_tag: request.head.to.tag()?.to_owned(),
            remote_tag: request.head.from.tag()?.to_owned(),
        })
    }
}

/// Why a dialog could not be made or a request does not fit it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DialogError {
    /// A tag is missing where the dialog needs one.
    #[error("missing tag")]
    MissingTag,
    /// The peer gave no usable Contact.
    #[error("missing or malformed Contact")]
    MissingContact,
    /// A Record-Route entry is malformed.
    #[error("malformed Record-Route")]
    BadRecordRoute,
    /// The request's CSeq is not above the last one (a retransmission or out of order).
    #[error("CSeq {got} not above {last}")]
    CSeqOutOfOrder {
        /// Received.
        got: u32,
        /// Last seen.
        last: u32,
    },
    /// The request belongs to another dialog.
    #[error("request does not belong to this dialog")]
    NotThisDialog,
}

/// One dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    /// Call-ID and tags.
    pub id: DialogId,
    /// Our URI (From of our requests), with our tag.
    pub local: NameAddr,
    /// The peer's URI (To of our requests), with their tag.
    pub remote: NameAddr,
    /// CSeq of our last request.
    pub local_seq: u32,
    /// CSeq of the peer's last request.
    pub remote_seq: Option<u32>,
    /// Route set (URIs with their parameters), first hop first.
    pub route_set: Vec<NameAddr>,
    /// Where in-dialog requests go (the peer's Contact).
    pub remote_target: Uri,
    /// Our Contact.
    pub local_contact: Uri,
}

fn record_routes(headers: &Headers) -> Result<Vec<NameAddr>, DialogError> {
    let mut out = Vec::new();
    for value in headers.get_all(&HeaderName::RecordRoute) {
        for entry in split_outside_quotes(value, b',') {
            out.push(NameAddr::parse(entry).map_err(|_| DialogError::BadRecordRoute)?);
        }
    }
    Ok(out)
}

fn contact_uri(head: &Head) -> Result<Uri, DialogError> {
    head.contact()
        .map(|c| c.uri)
        .ok_or(DialogError::MissingContact)
}

impl Dialog {
    /// The dialog a UAS makes by answering `invite` with our `local_tag` (RFC 3261 §12.1.1).
    pub fn as_uas(
        invite: &Request,
        local_tag: &str,
        local_contact: Uri,
    ) -> Result<Dialog, DialogError> {
        let remote_tag = invite.head.from.tag().ok_or(DialogError::MissingTag)?;
        let mut local = invite.head.to.clone();
        local.set_tag(local_tag);
        Ok(Dialog {
            id: DialogId {
                call_id: invite.head.call_id.as_str().to_owned(),
                local_tag: local_tag.to_owned(),
                remote_tag: remote_tag.to_owned(),
            },
            local,
            remote: invite.head.from.clone(),
            local_seq: 0,
            remote_seq: Some(invite.head.cseq.seq),
            route_set: record_routes(&invite.head.headers)?,
            remote_target: contact_uri(&invite.head)?,
            local_contact,
        })
    }

    /// The dialog a UAC gets from a 2xx (or 1xx with a tag) to its `invite` (§12.1.2).
    pub fn as_uac(invite: &Request, response: &Response) -> Result<Dialog, DialogError> {
        let local_tag = invite.head.from.tag().ok_or(DialogError::MissingTag)?;
        let remote_tag = response.head.to.tag().ok_or(DialogError::MissingTag)?;
        let mut route_set = record_routes(&response.head.headers)?;
        route_set.reverse();
        let local_contact = contact_uri(&invite.head)?;
        Ok(Dialog {
            id: DialogId {
                call_id: invite.head.call_id.as_str().to_owned(),
                local_tag: local_tag.to_owned(),
                remote_tag: remote_tag.to_owned(),
            },
            local: invite.head.from.clone(),
            remote: response.head.to.clone(),
            local_seq: invite.head.cseq.seq,
            remote_seq: None,
            route_set,
            remote_target: contact_uri(&response.head)?,
            local_contact,
        })
    }

    /// A 2xx (or other answer) to the dialog-forming `invite`: To tag, Contact, Record-Route.
    pub fn answer(&self, invite: &Request, response: &mut Response) {
        response.head.to.set_tag(&self.id.local_tag);
        response
            .head
            .headers
            .set(HeaderName::Contact, format!("<{}>", self.local_contact));
        for rr in invite.head.headers.get_all(&HeaderName::RecordRoute) {
            response.head.headers.push(HeaderName::RecordRoute, rr);
        }
    }

    fn request(&self, method: Method, seq: u32) -> Request {
        let mut headers = Headers::default();
        for route in &self.route_set {
            headers.push(HeaderName::Route, route.to_string());
        }
        if !matches!(method, Method::Ack | Method::Cancel) {
            headers.push(HeaderName::Contact, format!("<{}>", self.local_contact));
        }
        let mut request = Request::new(
            method.clone(),
            self.remote_target.clone(),
            self.local.clone(),
            self.remote.clone(),
            CallId(self.id.call_id.clone()),
            seq,
        );
        request.head.headers = headers;
        request.head.cseq = CSeq { seq, method };
        request
    }

    /// A new in-dialog request (BYE, re-INVITE, INFO, REFER, ...) with the next CSeq.
    /// Loose routing (RFC 3261 §12.2.1.1 with `;lr` routes): Request-URI is the remote target.
    pub fn new_request(&mut self, method: Method) -> Request {
        self.local_seq = self.local_seq.saturating_add(1);
        self.request(method, self.local_seq)
    }

    /// The ACK for a 2xx to the INVITE with CSeq `invite_seq` (RFC 3261 §13.2.2.4).
    pub fn ack(&self, invite_seq: u32) -> Request {
        self.request(Method::Ack, invite_seq)
    }

    /// Checks an in-dialog request from the peer and records its CSeq (ACK and CANCEL reuse
    /// their INVITE's number and are not checked).
    pub fn on_remote_request(&mut self, request: &Request) -> Result<(), DialogError> {
        if DialogId::for_incoming(request).as_ref() != Some(&self.id) {
            return Err(DialogError::NotThisDialog);
        }
        if matches!(request.method, Method::Ack | Method::Cancel) {
            return Ok(());
        }
        let got = request.head.cseq.seq;
        if let Some(last) = self.remote_seq
            && got <= last
        {
            return Err(DialogError::CSeqOutOfOrder { got, last });
        }
        self.remote_seq = Some(got);
        if let Some(target) = request.head.contact() {
            // A target refresh (re-INVITE, UPDATE) may move the peer.
            if matches!(request.method, Method::Invite | Method::Update) {
                self.remote_target = target.uri;
            }
        }
        Ok(())
    }

    /// Where the next in-dialog request goes when the hop is an IP literal: the first route,
    /// else the remote target. `None` for host names (no DNS here yet).
    pub fn next_hop(&self) -> Option<SocketAddr> {
        let uri = self
            .route_set
            .first()
            .map(|r| &r.uri)
            .unwrap_or(&self.remote_target);
        uri.host_port.socket_addr(5060)
    }
}

#[cfg(test)]
mod tests;
