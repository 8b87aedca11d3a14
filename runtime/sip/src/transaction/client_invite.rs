//! INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 Accepted state).

use std::time::Instant;

use bytes::Bytes;

use super::TxAction;
use super::timer::{Backoff, Timers, due, earliest};
use crate::message::{CSeq, Head, HeaderName, Headers, Method, Request, Response};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Calling,
    Proceeding,
    Completed,
    Accepted,
    Terminated,
}

/// Client side of an INVITE. Timer A retransmits, B gives up, D absorbs retransmitted
/// non-2xx finals (each re-ACKed), M absorbs retransmitted 2xx (passed up for re-ACK).
#[derive(Debug)]
pub struct ClientInvite {
    state: State,
    request: Request,
    bytes: Bytes,
    ack: Option<Bytes>,
    timers: Timers,
    timer_a: Option<Backoff>,
    timer_b: Option<Instant>,
    timer_d: Option<Instant>,
    timer_m: Option<Instant>,
    reliable: bool,
}

impl ClientInvite {
    /// Starts the transaction and emits the first send of `request`.
    pub fn start(
        request: Request,
        reliable: bool,
        timers: Timers,
        now: Instant,
        out: &mut Vec<TxAction>,
    ) -> ClientInvite {
        let bytes = request.to_bytes();
        out.push(TxAction::Send(bytes.clone()));
        ClientInvite {
            state: State::Calling,
            request,
            bytes,
            ack: None,
            timers,
            timer_a: (!reliable)
                .then(|| Backoff::start(now, timers.t1, timers.transaction_timeout())),
            timer_b: Some(now + timers.transaction_timeout()),
            timer_d: None,
            timer_m: None,
            reliable,
        }
    }

    /// The INVITE this transaction sends.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// True once a provisional response arrived (CANCEL is allowed from then on, RFC 3261 §9.1).
    pub fn is_proceeding(&self) -> bool {
        self.state == State::Proceeding
    }

    /// True when the transaction can be dropped.
    pub fn is_terminated(&self) -> bool {
        self.state == State::Terminated
    }

    /// When `on_timer` must next be called.
    pub fn next_deadline(&self) -> Option<Instant> {
        earliest(&[
            self.timer_a.map(|a| a.at),
            self.timer_b,
            self.timer_d,
            self.timer_m,
        ])
    }

    /// Feeds a response matched to this transaction.
    pub fn on_response(&mut self, response: Response, now: Instant, out: &mut Vec<TxAction>) {
        let status = response.status;
        match self.state {
            State::Calling | State::Proceeding => {
                if status.is_provisional() {
                    self.state = State::Proceeding;
                    self.timer_a = None;
                    out.push(TxAction::Response(response));
                } else if status.is_success() {
                    self.state = State::Accepted;
                    self.timer_a = None;
                    self.timer_b = None;
                    self.timer_m = Some(now + self.timers.transaction_timeout());
                    out.push(TxAction::Response(response));
                } else {
                    let ack = build_ack(&self.request, &response).to_bytes();
                    out.push(TxAction::Send(ack.clone()));
                    self.ack = Some(ack);
                    self.state = State::Completed;
                    self.timer_a = None;
                    self.timer_b = None;
                    out.push(TxAction::Response(response));
                    let d = self.timers.timer_d(self.reliable);
                    if d.is_zero() {
                        self.terminate(out);
                    } else {
                        self.timer_d = Some(now + d);
                    }
                }
            }
            State::Completed => {
                // Retransmitted final: ACK again, do not bother the TU.
                if !status.is_provisional()
                    && let Some(ack) = &self.ack
                {
                    out.push(TxAction::Send(ack.clone()));
                }
            }
            State::Accepted => {
                if status.is_success() {
                    out.push(TxAction::Response(response));
                }
            }
            State::Terminated => {}
        }
    }

    /// Fires every timer that is due at `now`.
    pub fn on_timer(&mut self, now: Instant, out: &mut Vec<TxAction>) {
        if self.state == State::Terminated {
            return;
        }
        if due(self.timer_b, now) {
            out.push(TxAction::Timeout);
            self.terminate(out);
            return;
        }
        if due(self.timer_d, now) || due(self.timer_m, now) {
            self.terminate(out);
            return;
        }
        if let Some(a) = &mut self.timer_a
            && a.at <= now
        {
            out.push(TxAction::Send(self.bytes.clone()));
            a.fire(now);
        }
    }

    fn terminate(&mut self, out: &mut Vec<TxAction>) {
        self.state = State::Terminated;
        self.timer_a = None;
        self.timer_b = None;
        self.timer_d = None;
        self.timer_m = None;
        out.push(TxAction::Terminated);
    }
}

/// ACK for a non-2xx final (RFC 3261 §17.1.1.3): same branch and Request-URI, the response's To.
fn build_ack(invite: &Request, response: &Response) -> Request {
    let mut headers = Headers::default();
    for route in invite.head.headers.get_all(&HeaderName::Route) {
        headers.push(HeaderName::Route, route);
    }
    Request {
        method: Method::Ack,
        uri: invite.uri.clone(),
        head: Head {
            via: invite.head.via.iter().take(1).cloned().collect(),
            from: invite.head.from.clone(),
            to: response.head.to.clone(),
            call_id: invite.head.call_id.clone(),
            cseq: CSeq {
                seq: invite.head.cseq.seq,
                method: Method::Ack,
            },
            max_forwards: Some(70),
            headers,
        },
        body: Bytes::new(),
    }
}
