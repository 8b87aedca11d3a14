//! Non-INVITE client transaction (RFC 3261 §17.1.2).

use std::time::Instant;

use bytes::Bytes;

use super::TxAction;
use super::timer::{Backoff, Timers, due, earliest};
use crate::message::{Request, Response};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Trying,
    Proceeding,
    Completed,
    Terminated,
}

/// Client side of a non-INVITE request: timer E retransmits, F gives up, K absorbs
/// retransmitted finals.
#[derive(Debug)]
pub struct ClientNonInvite {
    state: State,
    bytes: Bytes,
    timers: Timers,
    reliable: bool,
    timer_e: Option<Backoff>,
    timer_f: Option<Instant>,
    timer_k: Option<Instant>,
}

impl ClientNonInvite {
    /// Starts the transaction and emits the first send.
    pub fn start(
        request: &Request,
        reliable: bool,
        timers: Timers,
        now: Instant,
        out: &mut Vec<TxAction>,
    ) -> ClientNonInvite {
        let bytes = request.to_bytes();
        out.push(TxAction::Send(bytes.clone()));
        ClientNonInvite {
            state: State::Trying,
            bytes,
            timers,
            reliable,
            timer_e: (!reliable).then(|| Backoff::start(now, timers.t1, timers.t2)),
            timer_f: Some(now + timers.transaction_timeout()),
            timer_k: None,
        }
    }

    /// True when the transaction can be dropped.
    pub fn is_terminated(&self) -> bool {
        self.state == State::Terminated
    }

    /// When `on_timer` must next be called.
    pub fn next_deadline(&self) -> Option<Instant> {
        earliest(&[self.timer_e.map(|e| e.at), self.timer_f, self.timer_k])
    }

    /// Feeds a response matched to this transaction.
    pub fn on_response(&mut self, response: Response, now: Instant, out: &mut Vec<TxAction>) {
        match self.state {
            State::Trying | State::Proceeding => {
                if response.status.is_provisional() {
                    self.state = State::Proceeding;
                    out.push(TxAction::Response(response));
                } else {
                    self.state = State::Completed;
                    self.timer_e = None;
                    self.timer_f = None;
                    out.push(TxAction::Response(response));
                    if self.reliable {
                        self.terminate(out);
                    } else {
                        self.timer_k = Some(now + self.timers.t4);
                    }
                }
            }
            State::Completed | State::Terminated => {}
        }
    }

    /// Fires every timer that is due at `now`.
    pub fn on_timer(&mut self, now: Instant, out: &mut Vec<TxAction>) {
        if self.state == State::Terminated {
            return;
        }
        if due(self.timer_f, now) {
            out.push(TxAction::Timeout);
            self.terminate(out);
            return;
        }
        if due(self.timer_k, now) {
            self.terminate(out);
            return;
        }
        let proceeding = self.state == State::Proceeding;
        let t2 = self.timers.t2;
        if let Some(e) = &mut self.timer_e
            && e.at <= now
        {
            out.push(TxAction::Send(self.bytes.clone()));
            if proceeding {
                e.interval = t2;
                e.at = now + t2;
            } else {
                e.fire(now);
            }
        }
    }

    fn terminate(&mut self, out: &mut Vec<TxAction>) {
        self.state = State::Terminated;
        self.timer_e = None;
        self.timer_f = None;
        self.timer_k = None;
        out.push(TxAction::Terminated);
    }
}
