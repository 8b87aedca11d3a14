//! INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 Accepted state).

use std::time::Instant;

use bytes::Bytes;

use super::TxAction;
use super::timer::{Backoff, Timers, due, earliest};
use crate::message::{Method, Request, Response};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Proceeding,
    Completed,
    Confirmed,
    Accepted,
    Terminated,
}

/// Server side of an INVITE.
///
/// Timer G retransmits a non-2xx final until the ACK, H gives up waiting for it, I absorbs
/// ACK retransmissions. A 2xx is retransmitted here too (the UAS core's duty, RFC 3261
/// §13.3.1.4) until [`on_ack_for_2xx`](Self::on_ack_for_2xx); timer L then ends the
/// transaction, reporting [`TxAction::Timeout`] if no ACK came (the TU should send BYE).
#[derive(Debug)]
pub struct ServerInvite {
    state: State,
    timers: Timers,
    reliable: bool,
    last_response: Option<Bytes>,
    retransmit: Option<Backoff>,
    timer_h_or_l: Option<Instant>,
    timer_i: Option<Instant>,
    acked: bool,
}

impl ServerInvite {
    /// A transaction for a newly received INVITE. The TU should send 100 Trying at once.
    pub fn new(reliable: bool, timers: Timers) -> ServerInvite {
        ServerInvite {
            state: State::Proceeding,
            timers,
            reliable,
            last_response: None,
            retransmit: None,
            timer_h_or_l: None,
            timer_i: None,
            acked: false,
        }
    }

    /// True when the transaction can be dropped.
    pub fn is_terminated(&self) -> bool {
        self.state == State::Terminated
    }

    /// True while no final response was sent (CANCEL can still take effect).
    pub fn is_proceeding(&self) -> bool {
        self.state == State::Proceeding
    }

    /// When `on_timer` must next be called.
    pub fn next_deadline(&self) -> Option<Instant> {
        earliest(&[
            self.retransmit.map(|r| r.at),
            self.timer_h_or_l,
            self.timer_i,
        ])
    }

    /// A retransmitted INVITE, or the ACK for a non-2xx final (same branch).
    pub fn on_request(&mut self, request: &Request, now: Instant, out: &mut Vec<TxAction>) {
        let is_ack = request.method == Method::Ack;
        match (self.state, is_ack) {
            (State::Proceeding, false) | (State::Completed, false) => {
                if let Some(r) = &self.last_response {
                    out.push(TxAction::Send(r.clone()));
                }
            }
            (State::Completed, true) => {
                self.state = State::Confirmed;
                self.retransmit = None;
                self.timer_h_or_l = None;
                if self.reliable {
                    self.terminate(out);
                } else {
                    self.timer_i = Some(now + self.timers.t4);
                }
            }
            _ => {}
        }
    }

    /// The ACK for our 2xx arrived (matched by dialog, it has its own branch).
    pub fn on_ack_for_2xx(&mut self) {
        if self.state == State::Accepted {
            self.acked = true;
            self.retransmit = None;
            // Nothing sends the 2xx again (retransmitted INVITEs are absorbed), and the
            // entry lives on until timer L, 32 s, for every call answered in that time.
            self.last_response = None;
        }
    }

    /// Bytes of the last response kept for retransmission.
    #[cfg(test)]
    pub(crate) fn retained_response_bytes(&self) -> usize {
        self.last_response.as_ref().map_or(0, Bytes::len)
    }

    /// The TU answers. Responses after the final one are ignored.
    pub fn respond(&mut self, response: &Response, now: Instant, out: &mut Vec<TxAction>) {
        if self.state != State::Proceeding {
            return;
        }
        let bytes = response.to_bytes();
        out.push(TxAction::Send(bytes.clone()));
        self.last_response = Some(bytes);
        let status = response.status;
        if status.is_provisional() {
            return;
        }
        self.timer_h_or_l = Some(now + self.timers.transaction_timeout());
        self.retransmit =
            (!self.reliable).then(|| Backoff::start(now, self.timers.t1, self.timers.t2));
        self.state = if status.is_success() {
            State::Accepted
        } else {
            State::Completed
        };
    }

    /// Fires every timer that is due at `now`.
    pub fn on_timer(&mut self, now: Instant, out: &mut Vec<TxAction>) {
        if self.state == State::Terminated {
            return;
        }
        if due(self.timer_h_or_l, now) {
            let acked = self.state == State::Accepted && self.acked;
            if !acked {
                out.push(TxAction::Timeout);
            }
            self.terminate(out);
            return;
        }
        if due(self.timer_i, now) {
            self.terminate(out);
            return;
        }
        if let Some(r) = &mut self.retransmit
            && r.at <= now
        {
            if let Some(bytes) = &self.last_response {
                out.push(TxAction::Send(bytes.clone()));
            }
            r.fire(now);
        }
    }

    fn terminate(&mut self, out: &mut Vec<TxAction>) {
        self.state = State::Terminated;
        self.retransmit = None;
        self.timer_h_or_l = None;
        self.timer_i = None;
        out.push(TxAction::Terminated);
    }
}
