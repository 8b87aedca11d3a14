//! Requests we send: client transactions, their responses, CANCEL.

use std::time::Instant;

use bytes::Bytes;
use tokio::sync::mpsc;

use super::client_transaction::ClientEvent;
use super::core::{ClientEntry, ClientKind, Core};
use crate::message::{CSeq, Head, HeaderName, Headers, Method, Request, Response};
use crate::transaction::{ClientInvite, ClientNonInvite, TransactionKey};
use crate::transport::Flow;

/// CANCEL for `invite` (RFC 3261 §9.1): same branch, Request-URI, Call-ID, From, To, CSeq
/// number and Route set.
fn build_cancel(invite: &Request) -> Request {
    let mut headers = Headers::default();
    for route in invite.head.headers.get_all(&HeaderName::Route) {
        headers.push(HeaderName::Route, route);
    }
    Request {
        method: Method::Cancel,
        uri: invite.uri.clone(),
        head: Head {
            via: invite.head.via.iter().take(1).cloned().collect(),
            from: invite.head.from.clone(),
            to: invite.head.to.clone(),
            call_id: invite.head.call_id.clone(),
            cseq: CSeq {
                seq: invite.head.cseq.seq,
                method: Method::Cancel,
            },
            max_forwards: Some(70),
            headers,
        },
        body: Bytes::new(),
    }
}

impl Core {
    pub(crate) fn start_client(
        &mut self,
        request: Request,
        flow: Flow,
        events: Option<mpsc::Sender<ClientEvent>>,
        now: Instant,
    ) {
        let Some(key) = TransactionKey::for_request(&request) else {
            return;
        };
        if self.client.contains_key(&key) {
            return;
        }
        self.counters.request_out(&request.method);
        let reliable = flow.is_reliable();
        let mut out = std::mem::take(&mut self.scratch);
        let kind = if request.method == Method::Invite {
            ClientKind::Invite {
                tx: Box::new(ClientInvite::start(
                    request,
                    reliable,
                    self.timers,
                    now,
                    &mut out,
                )),
                cancel_pending: false,
            }
        } else {
            ClientKind::NonInvite(ClientNonInvite::start(
                &request,
                reliable,
                self.timers,
                now,
                &mut out,
            ))
        };
        self.client.insert(
            key.clone(),
            ClientEntry {
                kind,
                flow,
                events,
                slot: None,
            },
        );
        self.apply_client(&key, &mut out, now);
        self.scratch = out;
    }

    pub(crate) fn on_response(&mut self, response: Response, now: Instant) {
        let Some(key) = TransactionKey::for_response(&response) else {
            return;
        };
        let mut out = std::mem::take(&mut self.scratch);
        match self.client.get_mut(&key).map(|e| &mut e.kind) {
            Some(ClientKind::Invite { tx, .. }) => tx.on_response(response, now, &mut out),
            Some(ClientKind::NonInvite(tx)) => tx.on_response(response, now, &mut out),
            None => {
                tracing::trace!(status = %response.status, "response matches no transaction; dropped")
            }
        }
        self.apply_client(&key, &mut out, now);
        self.scratch = out;
    }

    pub(crate) fn cancel_client(&mut self, key: &TransactionKey, now: Instant) {
        let Some(ClientEntry {
            kind: ClientKind::Invite { tx, cancel_pending },
            ..
        }) = self.client.get_mut(key)
        else {
            return;
        };
        if tx.is_terminated() {
            return;
        }
        if tx.is_proceeding() {
            self.send_cancel(key, now);
        } else {
            *cancel_pending = true;
        }
    }

    pub(crate) fn send_cancel(&mut self, key: &TransactionKey, now: Instant) {
        let Some(ClientEntry {
            kind: ClientKind::Invite { tx, .. },
            flow,
            ..
        }) = self.client.get(key)
        else {
            return;
        };
        let cancel = build_cancel(tx.request());
        let flow = flow.clone();
        self.start_client(cancel, flow, None, now);
    }
}
