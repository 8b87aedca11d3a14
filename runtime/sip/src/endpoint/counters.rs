//! The endpoint's traffic counters: messages in and out by method and status class,
//! malformed input, overload refusals, absorbed retransmissions and timeouts.
//!
//! Only the core task and the handles write them, with relaxed atomic adds (no lock per
//! message); whoever monitors the endpoint reads a [`SipCountersSnapshot`] when it wants.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::message::{Method, StatusCode};

/// Method labels, in the order of the per-method counters; unknown methods share `other`.
pub const METHOD_LABELS: [&str; 15] = [
    "INVITE",
    "ACK",
    "BYE",
    "CANCEL",
    "OPTIONS",
    "REGISTER",
    "INFO",
    "REFER",
    "NOTIFY",
    "SUBSCRIBE",
    "UPDATE",
    "PRACK",
    "MESSAGE",
    "PUBLISH",
    "other",
];

/// Status class labels, in the order of the per-class counters.
pub const STATUS_CLASS_LABELS: [&str; 6] = ["1xx", "2xx", "3xx", "4xx", "5xx", "6xx"];

/// Why the endpoint itself answered `503` + Retry-After.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverloadReason {
    /// The source sent new requests faster than its rate limit.
    RateLimit,
    /// The transaction table is full ([`super::MAX_TRANSACTIONS`]).
    Transactions,
    /// The user's channel of new requests is full (or closed).
    UserQueue,
}

impl OverloadReason {
    /// Every reason, in label order.
    pub const ALL: [OverloadReason; 3] = [
        OverloadReason::RateLimit,
        OverloadReason::Transactions,
        OverloadReason::UserQueue,
    ];

    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            OverloadReason::RateLimit => "rate_limit",
            OverloadReason::Transactions => "transactions",
            OverloadReason::UserQueue => "user_queue",
        }
    }
}

/// Which side of a transaction timed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Server,
    Client,
}

#[derive(Debug, Default)]
struct PerMessage {
    requests: [AtomicU64; METHOD_LABELS.len()],
    responses: [AtomicU64; STATUS_CLASS_LABELS.len()],
}

impl PerMessage {
    fn request(&self, method: &Method) {
        bump(&self.requests[method_index(method)]);
    }

    fn response(&self, status: StatusCode) {
        bump(&self.responses[class_index(status)]);
    }

    fn snapshot(&self) -> MessageCounts {
        MessageCounts {
            requests: std::array::from_fn(|i| load(&self.requests[i])),
            responses: std::array::from_fn(|i| load(&self.responses[i])),
        }
    }
}

/// The endpoint's counters. Shared (`Arc`) between the endpoint and its monitors.
#[derive(Debug, Default)]
pub struct SipCounters {
    received: PerMessage,
    sent: PerMessage,
    malformed_answered: AtomicU64,
    malformed_dropped: AtomicU64,
    overload: [AtomicU64; OverloadReason::ALL.len()],
    retransmissions: AtomicU64,
    server_timeouts: AtomicU64,
    client_timeouts: AtomicU64,
}

/// Requests by method (in [`METHOD_LABELS`] order) and responses by class (in
/// [`STATUS_CLASS_LABELS`] order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MessageCounts {
    /// Requests per method.
    pub requests: [u64; METHOD_LABELS.len()],
    /// Responses per status class.
    pub responses: [u64; STATUS_CLASS_LABELS.len()],
}

/// A plain copy of [`SipCounters`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SipCountersSnapshot {
    /// Messages that parsed, as received (retransmissions included).
    pub received: MessageCounts,
    /// Messages sent, each counted once (transaction retransmissions excluded).
    pub sent: MessageCounts,
    /// Malformed messages answered `400 Bad Request`.
    pub malformed_answered: u64,
    /// Malformed messages dropped (no readable Via, or the source over its rate).
    pub malformed_dropped: u64,
    /// `503` answered by the endpoint itself, per [`OverloadReason::ALL`].
    pub overload: [u64; OverloadReason::ALL.len()],
    /// Request retransmissions absorbed by their server transaction.
    pub retransmissions: u64,
    /// Server transactions that timed out (no ACK for a final answer).
    pub server_timeouts: u64,
    /// Client transactions that timed out (no final answer).
    pub client_timeouts: u64,
}

impl SipCounters {
    /// Reads every counter.
    pub fn snapshot(&self) -> SipCountersSnapshot {
        SipCountersSnapshot {
            received: self.received.snapshot(),
            sent: self.sent.snapshot(),
            malformed_answered: load(&self.malformed_answered),
            malformed_dropped: load(&self.malformed_dropped),
            overload: std::array::from_fn(|i| load(&self.overload[i])),
            retransmissions: load(&self.retransmissions),
            server_timeouts: load(&self.server_timeouts),
            client_timeouts: load(&self.client_timeouts),
        }
    }

    pub(crate) fn request_in(&self, method: &Method) {
        self.received.request(method);
    }

    pub(crate) fn response_in(&self, status: StatusCode) {
        self.received.response(status);
    }

    pub(crate) fn request_out(&self, method: &Method) {
        self.sent.request(method);
    }

    pub(crate) fn response_out(&self, status: StatusCode) {
        self.sent.response(status);
    }

    pub(crate) fn malformed(&self, answered: bool) {
        if answered {
            bump(&self.malformed_answered);
            self.sent.response(StatusCode::BAD_REQUEST);
        } else {
            bump(&self.malformed_dropped);
        }
    }

    pub(crate) fn overload(&self, reason: OverloadReason) {
        let index = OverloadReason::ALL
            .iter()
            .position(|r| *r == reason)
            .unwrap_or(0);
        bump(&self.overload[index]);
    }

    pub(crate) fn retransmission(&self) {
        bump(&self.retransmissions);
    }

    pub(crate) fn timeout(&self, side: Side) {
        match side {
            Side::Server => bump(&self.server_timeouts),
            Side::Client => bump(&self.client_timeouts),
        }
    }
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

fn load(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

fn method_index(method: &Method) -> usize {
    match method {
        Method::Invite => 0,
        Method::Ack => 1,
        Method::Bye => 2,
        Method::Cancel => 3,
        Method::Options => 4,
        Method::Register => 5,
        Method::Info => 6,
        Method::Refer => 7,
        Method::Notify => 8,
        Method::Subscribe => 9,
        Method::Update => 10,
        Method::Prack => 11,
        Method::Message => 12,
        Method::Publish => 13,
        Method::Other(_) => 14,
    }
}

fn class_index(status: StatusCode) -> usize {
    usize::from(status.as_u16() / 100)
        .saturating_sub(1)
        .min(STATUS_CLASS_LABELS.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_line_up_with_the_counters() {
        for label in &METHOD_LABELS[..METHOD_LABELS.len() - 1] {
            let method = Method::from_token(label).expect("a method");
            assert_eq!(METHOD_LABELS[method_index(&method)], *label);
        }
        assert_eq!(
            METHOD_LABELS[method_index(&Method::Other("FOO".into()))],
            "other"
        );
        for (code, class) in [
            (100, "1xx"),
            (200, "2xx"),
            (487, "4xx"),
            (503, "5xx"),
            (699, "6xx"),
        ] {
            let status = StatusCode::new(code).expect("a status");
            assert_eq!(STATUS_CLASS_LABELS[class_index(status)], class);
        }
    }

    #[test]
    fn a_malformed_message_answered_400_is_sent_4xx_too() {
        let counters = SipCounters::default();
        counters.malformed(true);
        counters.malformed(false);
        counters.overload(OverloadReason::UserQueue);
        let snapshot = counters.snapshot();
        assert_eq!(snapshot.malformed_answered, 1);
        assert_eq!(snapshot.malformed_dropped, 1);
        assert_eq!(snapshot.sent.responses[3], 1);
        assert_eq!(snapshot.overload, [0, 0, 1]);
    }
}
