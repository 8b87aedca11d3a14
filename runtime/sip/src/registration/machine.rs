//! The sans-IO outbound registration machine.

use std::time::{Duration, Instant};

use super::config::RegistrationConfig;
use super::state::{RegistrationFailure, RegistrationState};
use crate::auth::{DigestChallenge, DigestClient, read_challenge};
use crate::ids::{new_call_id, new_tag};
use crate::message::{
    CallId, HeaderName, Method, NameAddr, Request, Response, StatusCode, Uri, split_outside_quotes,
};

/// Challenges answered within one attempt: the first one, plus `stale=true` renewals. More
/// than this means the registrar is looping, and we back off.
const MAX_CHALLENGES_PER_ATTEMPT: usize = 3;

/// Where the machine is between events.
#[derive(Debug)]
enum Phase {
    /// Nothing in flight; a fresh REGISTER is due at `due`.
    Waiting { due: Instant },
    /// One attempt: `request` is ready (`sent == false`) or awaiting its final response.
    Attempt {
        // Boxed: a request is far larger than the other phases.
        request: Box<Request>,
        sent: bool,
        /// Nonces already answered in this attempt.
        answered: Vec<String>,
        /// The challenge last answered (re-answered when only the expiry changes).
        challenge: Option<DigestChallenge>,
    },
    /// Unregistered: nothing more to send.
    Stopped,
}

/// One registration's logic: which REGISTER to send and when, given the time and the
/// responses. Same Call-ID and From tag for its whole life, CSeq increasing
/// (RFC 3261 §10.2).
#[derive(Debug)]
pub struct RegistrationMachine {
    config: RegistrationConfig,
    call_id: CallId,
    from_tag: String,
    cseq: u32,
    /// Expiry asked for (raised by a `423`'s Min-Expires).
    expires: u32,
    auth: DigestClient,
    phase: Phase,
    state: RegistrationState,
    /// Failures since the last success (drives the backoff).
    failures: u32,
    /// The registrar may hold our binding (so stopping must unregister).
    bound: bool,
    unregistering: bool,
}

impl RegistrationMachine {
    /// A machine whose first REGISTER is due at `now`.
    pub fn new(config: RegistrationConfig, now: Instant) -> RegistrationMachine {
        RegistrationMachine {
            auth: DigestClient::new(config.credentials.clone()),
            expires: config.expires,
            config,
            call_id: CallId(new_call_id()),
            from_tag: new_tag(),
            cseq: 0,
            phase: Phase::Waiting { due: now },
            state: RegistrationState::Registering,
            failures: 0,
            bound: false,
            unregistering: false,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RegistrationConfig {
        &self.config
    }

    /// The state to show operators.
    pub fn state(&self) -> &RegistrationState {
        &self.state
    }

    /// The Call-ID of every REGISTER of this registration.
    pub fn call_id(&self) -> &CallId {
        &self.call_id
    }

    /// True once unregistered: the machine will send nothing more.
    pub fn is_stopped(&self) -> bool {
        matches!(self.phase, Phase::Stopped)
    }

    /// When [`poll_send`](Self::poll_send) will next have something, if not waiting for a
    /// response (the transaction layer bounds that wait and reports a timeout).
    pub fn next_wakeup(&self) -> Option<Instant> {
        match &self.phase {
            Phase::Waiting { due } => Some(*due),
            Phase::Attempt { .. } | Phase::Stopped => None,
        }
    }

    /// The REGISTER to send at `now`, if one is due. Send it through a new client transaction
    /// and report its outcome with [`on_response`](Self::on_response),
    /// [`on_timeout`](Self::on_timeout) or [`on_send_error`](Self::on_send_error).
    pub fn poll_send(&mut self, now: Instant) -> Option<Request> {
        match &mut self.phase {
            Phase::Waiting { due } if *due <= now => {
                let request = self.fresh_request(self.expires);
                if !matches!(self.state, RegistrationState::Registered { .. }) {
                    self.state = RegistrationState::Registering;
                }
                self.phase = Phase::Attempt {
                    request: Box::new(request.clone()),
                    sent: true,
                    answered: Vec::new(),
                    challenge: None,
                };
                Some(request)
            }
            Phase::Attempt {
                request,
                sent: sent @ false,
                ..
            } => {
                *sent = true;
                Some((**request).clone())
            }
            _ => None,
        }
    }

    /// A response to the REGISTER in flight (others, e.g. to an abandoned one, are ignored).
    pub fn on_response(&mut self, response: &Response, now: Instant) {
        let Phase::Attempt {
            request,
            sent: true,
            answered,
            challenge: last_challenge,
        } = &mut self.phase
        else {
            return;
        };
        if response.head.cseq.seq != request.head.cseq.seq
            || response.head.call_id != self.call_id
            || response.head.cseq.method != Method::Register
            || !response.status.is_final()
        {
            return;
        }
        let status = response.status;
        if status.is_success() {
            self.on_success(response, now);
            return;
        }
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::PROXY_AUTHENTICATION_REQUIRED
        {
            let challenge = match read_challenge(response) {
                Ok(c) => c,
                Err(e) => return self.fail(RegistrationFailure::BadChallenge(e), now),
            };
            // A fresh nonce after we answered means our answer was wrong, unless the
            // registrar says the answer was right but its nonce had expired (stale).
            let wrong = answered.contains(&challenge.nonce)
                || (!answered.is_empty() && !challenge.stale)
                || answered.len() >= MAX_CHALLENGES_PER_ATTEMPT;
            if wrong {
                return self.fail(RegistrationFailure::WrongCredentials, now);
            }
            let mut retry = (**request).clone();
            self.auth.answer(&mut retry, &challenge);
            self.cseq = retry.head.cseq.seq;
            answered.push(challenge.nonce.clone());
            *last_challenge = Some(challenge);
            **request = retry;
            self.phase_mark_unsent();
            return;
        }
        if status == StatusCode::INTERVAL_TOO_BRIEF && !self.unregistering {
            let min = response
                .head
                .headers
                .get(&HeaderName::MinExpires)
                .and_then(|v| v.trim().parse::<u32>().ok());
            let Some(min) = min.filter(|m| *m > self.expires) else {
                return self.fail(RegistrationFailure::IntervalTooBrief, now);
            };
            self.expires = min;
            // Same attempt and credentials: the expiry changes, and the challenge is answered
            // again with the next nonce count (a registrar checking nc refuses a replay).
            request
                .head
                .headers
                .set(HeaderName::Expires, min.to_string());
            match last_challenge {
                Some(challenge) => self.auth.answer(request, challenge),
                None => {
                    request.head.cseq.seq = request.head.cseq.seq.saturating_add(1);
                    request.head.via.clear();
                }
            }
            self.cseq = request.head.cseq.seq;
            self.phase_mark_unsent();
            return;
        }
        let retry_after = response
            .head
            .headers
            .get(&HeaderName::RetryAfter)
            .and_then(|v| v.split(';').next())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let reason = RegistrationFailure::Rejected {
            status: status.as_u16(),
            reason: response.reason.clone(),
        };
        self.fail_after(reason, retry_after, now);
    }

    /// The REGISTER in flight got no final response in time.
    pub fn on_timeout(&mut self, now: Instant) {
        if matches!(self.phase, Phase::Attempt { sent: true, .. }) {
            self.fail(RegistrationFailure::Timeout, now);
        }
    }

    /// The REGISTER returned by [`poll_send`](Self::poll_send) could not be sent.
    pub fn on_send_error(&mut self, error: &str, now: Instant) {
        if matches!(self.phase, Phase::Attempt { sent: true, .. }) {
            self.fail(RegistrationFailure::Transport(error.to_owned()), now);
        }
    }

    /// Starts removing our binding: the REGISTER with `Expires: 0` to send, or `None` when
    /// the registrar holds nothing of ours (then the machine is stopped at once). Whatever
    /// was in flight is forgotten.
    pub fn unregister(&mut self, _now: Instant) -> Option<Request> {
        if !self.bound || self.is_stopped() {
            self.stop();
            return None;
        }
        self.unregistering = true;
        self.state = RegistrationState::Unregistering;
        let request = self.fresh_request(0);
        self.phase = Phase::Attempt {
            request: Box::new(request.clone()),
            sent: true,
            answered: Vec::new(),
            challenge: None,
        };
        Some(request)
    }

    fn phase_mark_unsent(&mut self) {
        if let Phase::Attempt { sent, .. } = &mut self.phase {
            *sent = false;
        }
    }

    fn stop(&mut self) {
        self.phase = Phase::Stopped;
        self.state = RegistrationState::Unregistered;
        self.bound = false;
    }

    fn on_success(&mut self, response: &Response, now: Instant) {
        if self.unregistering {
            self.stop();
            return;
        }
        let granted = granted_secs(response, &self.config.contact).unwrap_or(self.expires);
        if granted == 0 {
            return self.fail(RegistrationFailure::NothingGranted, now);
        }
        let granted = Duration::from_secs(u64::from(granted));
        let refresh_in = (granted / 2)
            .max(self.config.timing.min_refresh)
            .min(granted);
        self.bound = true;
        self.failures = 0;
        self.state = RegistrationState::Registered {
            until: now + granted,
        };
        self.phase = Phase::Waiting {
            due: now + refresh_in,
        };
    }

    fn fail(&mut self, reason: RegistrationFailure, now: Instant) {
        self.fail_after(reason, None, now);
    }

    /// Records a failed attempt; the next is after the backoff (or the registrar's
    /// Retry-After when longer), capped at `max_retry`.
    fn fail_after(
        &mut self,
        reason: RegistrationFailure,
        at_least: Option<Duration>,
        now: Instant,
    ) {
        if self.unregistering {
            // Stopping: nothing more to try; the binding lapses by itself.
            self.stop();
            return;
        }
        self.failures = self.failures.saturating_add(1);
        let timing = self.config.timing;
        let doublings = self.failures.saturating_sub(1).min(16);
        let backoff = timing
            .first_retry
            .saturating_mul(1 << doublings)
            .max(at_least.unwrap_or_default())
            .min(timing.max_retry);
        let retry_at = now + backoff;
        self.state = RegistrationState::Failed { reason, retry_at };
        self.phase = Phase::Waiting { due: retry_at };
    }

    /// A new REGISTER (next CSeq, no credentials) asking for `expires` seconds.
    fn fresh_request(&mut self, expires: u32) -> Request {
        self.cseq = self.cseq.saturating_add(1);
        let mut from = NameAddr::new(self.config.aor.clone());
        from.set_tag(&self.from_tag);
        let mut request = Request::new(
            Method::Register,
            self.config.registrar_uri.clone(),
            from,
            NameAddr::new(self.config.aor.clone()),
            self.call_id.clone(),
            self.cseq,
        );
        request
            .head
            .headers
            .push(HeaderName::Contact, format!("<{}>", self.config.contact));
        request
            .head
            .headers
            .push(HeaderName::Expires, expires.to_string());
        request
    }
}

/// The expiry granted to `ours` by a `2xx` to REGISTER: its Contact's `expires` parameter,
/// else the Expires header (RFC 3261 §10.2.4).
fn granted_secs(response: &Response, ours: &Uri) -> Option<u32> {
    let from_contact = response
        .head
        .headers
        .get_all(&HeaderName::Contact)
        .flat_map(|v| split_outside_quotes(v, b','))
        .filter_map(|entry| NameAddr::parse(entry).ok())
        .find(|na| same_contact(&na.uri, ours))
        .and_then(|na| na.params.value("expires")?.trim().parse().ok());
    from_contact.or_else(|| response.head.expires())
}

/// Registrars may rewrite parameters or case; user, host and port identify our contact.
fn same_contact(theirs: &Uri, ours: &Uri) -> bool {
    let default_port = |u: &Uri| u.host_port.port.unwrap_or(5060);
    theirs.user == ours.user
        && theirs
            .host()
            .to_string()
            .eq_ignore_ascii_case(&ours.host().to_string())
        && default_port(theirs) == default_port(ours)
}
