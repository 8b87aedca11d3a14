//! Received requests: new server transactions, retransmissions, ACK, CANCEL, OPTIONS.

use std::time::Instant;

use tokio::sync::{mpsc, oneshot};

use super::config::MAX_TRANSACTIONS;
use super::core::{Core, ServerEntry, ServerKind};
use super::counters::OverloadReason;
use super::messages::Incoming;
use super::server_transaction::ServerTransaction;
use super::target::TransportKind;
use crate::ids::new_tag;
use crate::message::{
    BRANCH_MAGIC_COOKIE, HeaderName, Method, Request, Response, StatusCode, response_to,
};
use crate::transaction::{ServerInvite, ServerNonInvite, TransactionKey};
use crate::transport::Flow;

/// Methods we advertise in Allow.
const ALLOW: &str = "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, INFO, REFER, NOTIFY, UPDATE";

/// Server transaction key; requests without an RFC 3261 branch get one made of the fields
/// RFC 3261 §17.2.3 says to match on for older peers.
fn server_key(request: &Request) -> TransactionKey {
    match TransactionKey::for_request(request) {
        Some(k) if k.branch.starts_with(BRANCH_MAGIC_COOKIE) => k,
        _ => {
            let h = &request.head;
            let sent_by = h
                .top_via()
                .map(|v| v.sent_by.to_string())
                .unwrap_or_default();
            let method = if request.method == Method::Ack {
                Method::Invite
            } else {
                request.method.clone()
            };
            TransactionKey {
                branch: format!(
                    "rfc2543|{}|{}|{}|{}|{}",
                    h.call_id,
                    h.cseq.seq,
                    h.from.tag().unwrap_or(""),
                    sent_by,
                    request.uri
                ),
                method,
            }
        }
    }
}

/// The flow answers go back on: the same socket, to `received`/`rport` (RFC 3581).
fn response_flow(flow: &Flow, request: &Request) -> Flow {
    match request.head.top_via().and_then(|v| v.response_address()) {
        Some(addr) => flow.with_peer(addr),
        None => flow.clone(),
    }
}

fn transport_of(flow: &Flow) -> TransportKind {
    if flow.is_reliable() {
        TransportKind::Tcp
    } else {
        TransportKind::Udp
    }
}

impl Core {
    pub(crate) fn on_request(&mut self, mut request: Request, flow: Flow, now: Instant) {
        let source = flow.peer();
        if let Some(via) = request.head.via.first_mut() {
            via.stamp_source(source);
        }
        let key = server_key(&request);
        if self.server.contains_key(&key) {
            self.counters.retransmission();
            self.on_retransmission(&key, &request, now);
            return;
        }
        if request.method == Method::Ack {
            // Never answered, but counted: a flood of stray ACKs must not fill the user's queue.
            if self.limiter.allow(source.ip(), now) {
                self.on_ack_for_2xx(request, source);
            }
            return;
        }
        let flow = response_flow(&flow, &request);
        let overload = if !self.limiter.allow(source.ip(), now) {
            Some(OverloadReason::RateLimit)
        } else if self.server.len() + self.client.len() >= MAX_TRANSACTIONS {
            Some(OverloadReason::Transactions)
        } else {
            None
        };
        if let Some(reason) = overload {
            self.counters.overload(reason);
            let mut r = response_to(&request, StatusCode::SERVICE_UNAVAILABLE);
            r.head.headers.push(
                HeaderName::RetryAfter,
                self.limiter.retry_after().as_secs().to_string(),
            );
            self.send_stateless(r, &flow);
            return;
        }
        if request.head.max_forwards == Some(0) && request.method != Method::Options {
            self.send_stateless(response_to(&request, StatusCode::TOO_MANY_HOPS), &flow);
            return;
        }
        match request.method {
            Method::Cancel => self.on_cancel(key, &request, flow, now),
            Method::Options => {
                let mut r = response_to(&request, StatusCode::OK);
                r.head.headers.push(HeaderName::Allow, ALLOW);
                r.head
                    .headers
                    .push(HeaderName::Other("Accept".into()), "application/sdp");
                self.start_non_invite(key.clone(), &request, flow);
                self.answer(&key, r, now);
            }
            Method::Invite => self.start_invite(key, request, flow, source, now),
            _ => {
                self.start_non_invite(key.clone(), &request, flow.clone());
                self.deliver(key, request, flow, source, None, now);
            }
        }
    }

    fn on_retransmission(&mut self, key: &TransactionKey, request: &Request, now: Instant) {
        let mut out = std::mem::take(&mut self.scratch);
        if let Some(e) = self.server.get_mut(key) {
            match &mut e.kind {
                ServerKind::Invite { tx, .. } => tx.on_request(request, now, &mut out),
                ServerKind::NonInvite(tx) => tx.on_request(&mut out),
            }
        }
        self.apply_server(key, &mut out);
        self.scratch = out;
    }

    fn on_ack_for_2xx(&mut self, request: Request, source: std::net::SocketAddr) {
        let id = (
            request.head.call_id.as_str().to_owned(),
            request.head.cseq.seq,
        );
        if let Some(key) = self.accepted.remove(&id)
            && let Some(ServerEntry {
                kind: ServerKind::Invite { tx, .. },
                ..
            }) = self.server.get_mut(&key)
        {
            tx.on_ack_for_2xx();
        }
        // ACK retransmissions reach the dialog layer too; it ignores duplicates.
        let _ = self.incoming.try_send(Incoming::Ack { request, source });
    }

    fn start_non_invite(&mut self, key: TransactionKey, request: &Request, flow: Flow) {
        let tx = ServerNonInvite::new(flow.is_reliable(), self.timers);
        self.server.insert(
            key,
            ServerEntry {
                kind: ServerKind::NonInvite(tx),
                request: Some(Box::new(request.clone())),
                flow,
                slot: None,
            },
        );
    }

    fn start_invite(
        &mut self,
        key: TransactionKey,
        request: Request,
        flow: Flow,
        source: std::net::SocketAddr,
        now: Instant,
    ) {
        let (cancel_tx, cancel_rx) = oneshot::channel();
        let tx = ServerInvite::new(flow.is_reliable(), self.timers);
        let kind = ServerKind::Invite {
            tx,
            cancel: Some(cancel_tx),
            to_tag: None,
            accepted: None,
        };
        self.server.insert(
            key.clone(),
            ServerEntry {
                kind,
                request: Some(Box::new(request.clone())),
                flow: flow.clone(),
                slot: None,
            },
        );
        // 100 Trying at once stops the caller's INVITE retransmissions (RFC 3261 §17.2.1).
        let trying = response_to(&request, StatusCode::TRYING);
        self.answer(&key, trying, now);
        self.deliver(key, request, flow, source, Some(cancel_rx), now);
    }

    /// Hands a new transaction to the user, or refuses it with 503 when they are overloaded.
    fn deliver(
        &mut self,
        key: TransactionKey,
        request: Request,
        flow: Flow,
        source: std::net::SocketAddr,
        cancelled: Option<oneshot::Receiver<()>>,
        now: Instant,
    ) {
        let st = ServerTransaction {
            request,
            source,
            transport: transport_of(&flow),
            key: key.clone(),
            commands: self.commands.clone(),
            cancelled,
            answered: false,
        };
        match self.incoming.try_send(Incoming::Request(st)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(Incoming::Request(mut st)))
            | Err(mpsc::error::TrySendError::Closed(Incoming::Request(mut st))) => {
                st.answered = true;
                self.counters.overload(OverloadReason::UserQueue);
                let mut r = st.response(StatusCode::SERVICE_UNAVAILABLE);
                r.head.headers.push(
                    HeaderName::RetryAfter,
                    self.limiter.retry_after().as_secs().to_string(),
                );
                self.answer(&key, r, now);
            }
            Err(_) => {}
        }
    }

    fn on_cancel(&mut self, key: TransactionKey, cancel: &Request, flow: Flow, now: Instant) {
        self.start_non_invite(key.clone(), cancel, flow);
        let invite_key = TransactionKey {
            branch: key.branch.clone(),
            method: Method::Invite,
        };
        // RFC 3261 §9.2: a CANCEL matching an INVITE gets 200 even when the INVITE already has
        // its final answer (the CANCEL then has no effect); only an unknown one gets 481.
        let found = self.server.contains_key(&invite_key);
        let mut terminated = None;
        if let Some(ServerEntry {
            kind:
                ServerKind::Invite {
                    tx,
                    cancel: signal,
                    to_tag,
                    ..
                },
            request: Some(request),
            ..
        }) = self.server.get_mut(&invite_key)
            && tx.is_proceeding()
        {
            let mut r = response_to(request, StatusCode::REQUEST_TERMINATED);
            r.head.to.set_tag(&to_tag.clone().unwrap_or_else(new_tag));
            if let Some(s) = signal.take() {
                let _ = s.send(());
            }
            terminated = Some(r);
        }
        let status = if found {
            StatusCode::OK
        } else {
            StatusCode::CALL_DOES_NOT_EXIST
        };
        self.answer(&key, response_to(cancel, status), now);
        if let Some(r) = terminated {
            self.answer(&invite_key, r, now);
        }
    }

    /// Sends a response through a server transaction (adds a To tag to non-100 answers).
    pub(crate) fn answer(&mut self, key: &TransactionKey, mut response: Response, now: Instant) {
        if response.status != StatusCode::TRYING && response.head.to.tag().is_none() {
            let tag = match self.server.get(key) {
                Some(ServerEntry {
                    kind:
                        ServerKind::Invite {
                            to_tag: Some(t), ..
                        },
                    ..
                }) => t.clone(),
                _ => new_tag(),
            };
            response.head.to.set_tag(&tag);
        }
        self.stamp_server(&mut response);
        self.counters.response_out(response.status);
        let mut out = std::mem::take(&mut self.scratch);
        let mut newly_accepted = None;
        if let Some(e) = self.server.get_mut(key) {
            match &mut e.kind {
                ServerKind::Invite {
                    tx,
                    to_tag,
                    accepted,
                    ..
                } => {
                    if tx.is_proceeding() {
                        if to_tag.is_none() {
                            *to_tag = response.head.to.tag().map(str::to_owned);
                        }
                        if response.status.is_success() {
                            let id = (
                                response.head.call_id.as_str().to_owned(),
                                response.head.cseq.seq,
                            );
                            *accepted = Some(id.clone());
                            newly_accepted = Some(id);
                        }
                    }
                    tx.respond(&response, now, &mut out);
                }
                ServerKind::NonInvite(tx) => tx.respond(&response, now, &mut out),
            }
            if response.status.is_final() {
                e.request = None;
            }
        }
        if let Some(id) = newly_accepted {
            self.accepted.insert(id, key.clone());
        }
        self.apply_server(key, &mut out);
        self.scratch = out;
    }

    pub(crate) fn respond(&mut self, key: &TransactionKey, response: Response, now: Instant) {
        self.answer(key, response, now);
    }

    /// The user dropped a transaction without a final answer: answer 500 for them.
    pub(crate) fn abandon(&mut self, key: &TransactionKey, now: Instant) {
        let unanswered = match self.server.get(key) {
            Some(ServerEntry {
                kind: ServerKind::Invite { tx, .. },
                request: Some(request),
                ..
            }) if tx.is_proceeding() => Some(request),
            Some(ServerEntry {
                kind: ServerKind::NonInvite(tx),
                request: Some(request),
                ..
            }) if tx.awaits_final() => Some(request),
            _ => None,
        };
        if let Some(request) = unanswered {
            tracing::debug!(call_id = %request.head.call_id, method = %request.method, "request dropped unanswered; sending 500");
            let response = response_to(request, StatusCode::SERVER_INTERNAL_ERROR);
            self.answer(key, response, now);
        }
    }

    /// A response outside any transaction (overload, loops): sent once.
    pub(crate) fn send_stateless(&self, mut response: Response, flow: &Flow) {
        if response.head.to.tag().is_none() {
            response.head.to.set_tag(&new_tag());
        }
        self.stamp_server(&mut response);
        self.counters.response_out(response.status);
        flow.send(response.to_bytes());
    }
}
