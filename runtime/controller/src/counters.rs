//! The controller's own counters: INVITEs refused for load (by reason) and REGISTERs
//! whose credentials failed. Relaxed atomic adds, read by whoever monitors the server.

use std::sync::atomic::{AtomicU64, Ordering};

use wasmphony_sip::message::{HeaderName, Request, Response, StatusCode};

use crate::refusal::Refusal;

/// Why the controller answered an INVITE `503` for load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadRefusal {
    /// New calls arrived faster than `max_calls_per_second`.
    CallRate,
    /// Every call slot (`max_calls`) was taken.
    Capacity,
    /// No RTP port pair was free.
    Ports,
}

impl LoadRefusal {
    /// Every reason, in label order.
    pub const ALL: [LoadRefusal; 3] = [
        LoadRefusal::CallRate,
        LoadRefusal::Capacity,
        LoadRefusal::Ports,
    ];

    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            LoadRefusal::CallRate => "call_rate",
            LoadRefusal::Capacity => "capacity",
            LoadRefusal::Ports => "ports",
        }
    }

    fn of(refusal: &Refusal) -> Option<LoadRefusal> {
        match refusal {
            Refusal::Overloaded => Some(LoadRefusal::CallRate),
            Refusal::AtCapacity => Some(LoadRefusal::Capacity),
            Refusal::NoPorts(_) => Some(LoadRefusal::Ports),
            _ => None,
        }
    }
}

/// The controller's counters.
#[derive(Debug, Default)]
pub struct ControllerCounters {
    load_refusals: [AtomicU64; LoadRefusal::ALL.len()],
    register_auth_failures: AtomicU64,
}

/// A plain copy of [`ControllerCounters`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ControllerCountersSnapshot {
    /// INVITEs answered `503` for load, per [`LoadRefusal::ALL`].
    pub load_refusals: [u64; LoadRefusal::ALL.len()],
    /// REGISTERs that carried credentials which did not pass (a first, credential-less
    /// REGISTER's challenge and a stale nonce are not failures).
    pub register_auth_failures: u64,
}

impl ControllerCounters {
    /// Reads every counter.
    pub fn snapshot(&self) -> ControllerCountersSnapshot {
        ControllerCountersSnapshot {
            load_refusals: std::array::from_fn(|i| self.load_refusals[i].load(Ordering::Relaxed)),
            register_auth_failures: self.register_auth_failures.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn on_refusal(&self, refusal: &Refusal) {
        if let Some(reason) = LoadRefusal::of(refusal)
            && let Some(index) = LoadRefusal::ALL.iter().position(|r| *r == reason)
        {
            self.load_refusals[index].fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn on_register_answer(&self, request: &Request, response: &Response) {
        if is_auth_failure(request, response) {
            self.register_auth_failures.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A REGISTER's credentials failed: `403` (someone else's address-of-record), or a new
/// `401` challenge to a request that carried credentials, unless only its nonce was stale.
fn is_auth_failure(request: &Request, response: &Response) -> bool {
    if response.status == StatusCode::FORBIDDEN {
        return true;
    }
    let carried = request
        .head
        .headers
        .get(&HeaderName::Authorization)
        .is_some();
    let stale = response
        .head
        .headers
        .get_all(&HeaderName::WwwAuthenticate)
        .any(|challenge| challenge.to_ascii_lowercase().contains("stale=true"));
    response.status == StatusCode::UNAUTHORIZED && carried && !stale
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmphony_sip::message::{Message, parse_datagram, response_to};

    fn register(authorization: Option<&str>) -> Request {
        let auth = authorization
            .map(|a| format!("Authorization: {a}\r\n"))
            .unwrap_or_default();
        let text = format!(
            "REGISTER sip:demo SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKr1\r\n\
             Max-Forwards: 70\r\nFrom: <sip:101@demo>;tag=a\r\nTo: <sip:101@demo>\r\n\
             Call-ID: r1\r\nCSeq: 1 REGISTER\r\n{auth}Content-Length: 0\r\n\r\n"
        );
        match parse_datagram(text.as_bytes()) {
            Ok(Message::Request(request)) => request,
            other => panic!("a REGISTER: {other:?}"),
        }
    }

    fn challenge(request: &Request, stale: bool) -> Response {
        let mut response = response_to(request, StatusCode::UNAUTHORIZED);
        let stale = if stale { ", stale=true" } else { "" };
        response.head.headers.push(
            HeaderName::WwwAuthenticate,
            format!("Digest realm=\"demo\", nonce=\"n\"{stale}"),
        );
        response
    }

    #[test]
    fn only_credentials_that_fail_count() {
        let counters = ControllerCounters::default();
        let bare = register(None);
        let signed = register(Some("Digest username=\"101\", realm=\"demo\", nonce=\"n\""));
        counters.on_register_answer(&bare, &challenge(&bare, false));
        counters.on_register_answer(&signed, &challenge(&signed, true));
        counters.on_register_answer(&signed, &response_to(&signed, StatusCode::OK));
        assert_eq!(counters.snapshot().register_auth_failures, 0);
        counters.on_register_answer(&signed, &challenge(&signed, false));
        counters.on_register_answer(&signed, &response_to(&signed, StatusCode::FORBIDDEN));
        assert_eq!(counters.snapshot().register_auth_failures, 2);
    }

    #[test]
    fn load_refusals_count_by_reason_and_others_not_at_all() {
        let counters = ControllerCounters::default();
        counters.on_refusal(&Refusal::Overloaded);
        counters.on_refusal(&Refusal::NoPorts("none".into()));
        counters.on_refusal(&Refusal::NoPorts("none".into()));
        counters.on_refusal(&Refusal::UnknownNumber("1".into()));
        assert_eq!(counters.snapshot().load_refusals, [1, 0, 2]);
    }
}
