//! Non-INVITE server transaction (RFC 3261 §17.2.2).

use std::time::Instant;

use bytes::Bytes;

use super::TxAction;
use super::timer::{Timers, due};
use crate::message::Response;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Trying,
    Proceeding,
    Completed,
    Terminated,
}

/// Server side of a non-INVITE request: retransmitted requests get the last response again;
/// timer J keeps the transaction around to absorb them.
#[derive(Debug)]
pub struct ServerNonInvite {
    state: State,
    timers: Timers,
    reliable: bool,
    last_response: Option<Bytes>,
    timer_j: Option<Instant>,
}

impl ServerNonInvite {
    /// A transaction for a newly received request.
    pub fn new(reliable: bool, timers: Timers) -> ServerNonInvite {
        ServerNonInvite {
            state: State::Trying,
            timers,
            reliable,
            last_response: None,
            timer_j: None,
        }
    }

    /// True when the transaction can be dropped.
    pub fn is_terminated(&self) -> bool {
        self.state == State::Terminated
    }

    /// True until a final response was sent.
    pub fn awaits_final(&self) -> bool {
        matches!(self.state, State::Trying | State::Proceeding)
    }

    /// When `on_timer` must next be called.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.timer_j
    }

    /// A retransmission of the request.
    pub fn on_request(&mut self, out: &mut Vec<TxAction>) {
        if matches!(self.state, State::Proceeding | State::Completed)
            && let Some(r) = &self.last_response
        {
            out.push(TxAction::Send(r.clone()));
        }
    }

    /// The TU answers. Responses after the final one are ignored.
    pub fn respond(&mut self, response: &Response, now: Instant, out: &mut Vec<TxAction>) {
        if !self.awaits_final() {
            return;
        }
        let bytes = response.to_bytes();
        out.push(TxAction::Send(bytes.clone()));
        self.last_response = Some(bytes);
        if response.status.is_provisional() {
            self.state = State::Proceeding;
            return;
        }
        self.state = State::Completed;
        if self.reliable {
            self.terminate(out);
        } else {
            self.timer_j = Some(now + self.timers.transaction_timeout());
        }
    }

    /// Fires timer J when due.
    pub fn on_timer(&mut self, now: Instant, out: &mut Vec<TxAction>) {
        if self.state != State::Terminated && due(self.timer_j, now) {
            self.terminate(out);
        }
    }

    fn terminate(&mut self, out: &mut Vec<TxAction>) {
        self.state = State::Terminated;
        self.timer_j = None;
        out.push(TxAction::Terminated);
    }
}
