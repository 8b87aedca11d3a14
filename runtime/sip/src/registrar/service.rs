//! REGISTER handling: authenticate, then update bindings, then answer.

use std::net::SocketAddr;
use std::time::Instant;

use super::bindings::{Registrar, RegistrarError, aor_of};
use crate::auth::{AuthOutcome, Credentials, DigestServer};
use crate::message::{HeaderName, Request, Response, StatusCode, response_to};

/// A registrar for one domain with digest authentication in front.
#[derive(Debug)]
pub struct RegistrarService {
    /// The bindings.
    pub registrar: Registrar,
    auth: DigestServer,
}

impl RegistrarService {
    /// A service answering for `auth`'s realm.
    pub fn new(registrar: Registrar, auth: DigestServer) -> RegistrarService {
        RegistrarService { registrar, auth }
    }

    /// The response to a REGISTER received from `source` at `now`, with `to_tag` as To tag
    /// unless the answer already has one.
    pub fn handle(
        &mut self,
        request: &Request,
        source: SocketAddr,
        credentials: &dyn Credentials,
        to_tag: &str,
        now: Instant,
    ) -> Response {
        let mut response = self.answer(request, source, credentials, now);
        if response.head.to.tag().is_none() {
            response.head.to.set_tag(to_tag);
        }
        response
    }

    fn answer(
        &mut self,
        request: &Request,
        source: SocketAddr,
        credentials: &dyn Credentials,
        now: Instant,
    ) -> Response {
        let username = match self.auth.verify(request, credentials, now) {
            AuthOutcome::Authenticated { username } => username,
            AuthOutcome::Challenge { stale } => return self.auth.challenge(request, stale, now),
        };
        // A user may only register their own address-of-record.
        if request.head.to.uri.user.as_deref() != Some(username.as_str())
            || !request
                .head
                .to
                .uri
                .host()
                .to_string()
                .eq_ignore_ascii_case(self.auth.realm())
        {
            return response_to(request, StatusCode::FORBIDDEN);
        }
        let aor = aor_of(request);
        match self.registrar.register(&aor, request, source, now) {
            Ok(bindings) => {
                let mut response = response_to(request, StatusCode::OK);
                for b in bindings {
                    response.head.headers.push(
                        HeaderName::Contact,
                        format!("<{}>;expires={}", b.contact, b.remaining_secs(now)),
                    );
                }
                response
            }
            Err(RegistrarError::IntervalTooBrief { min_expires }) => {
                let mut response = response_to(request, StatusCode::INTERVAL_TOO_BRIEF);
                response
                    .head
                    .headers
                    .push(HeaderName::MinExpires, min_expires.to_string());
                response
            }
            Err(RegistrarError::BadContact) => {
                let mut response = response_to(request, StatusCode::BAD_REQUEST);
                response.reason = "Bad Request - Malformed Contact".to_owned();
                response
            }
            Err(RegistrarError::OutOfOrder) => {
                response_to(request, StatusCode::SERVER_INTERNAL_ERROR)
            }
            Err(RegistrarError::Full) => response_to(request, StatusCode::SERVICE_UNAVAILABLE),
        }
    }
}
