//! Verifying requests and building challenges.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::algorithm::{DigestAlgorithm, constant_time_eq};
use super::challenge_params::parse_digest_params;
use super::nonce::{NonceSigner, NonceState};
use crate::message::{HeaderName, Request, Response, StatusCode, response_to};

/// How long a nonce stays fresh. After that a correct answer gets `stale=true` and the client
/// retries with the new nonce without asking its user again.
pub const DEFAULT_NONCE_TTL: Duration = Duration::from_secs(300);

/// Where the challenge goes: a registrar/UAS (401) or a proxy/B2BUA front (407).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// `401` + `WWW-Authenticate`, credentials in `Authorization`.
    Www,
    /// `407` + `Proxy-Authenticate`, credentials in `Proxy-Authorization`.
    Proxy,
}

/// Looks up the password of a user in a realm.
pub trait Credentials {
    /// The password, `None` for an unknown user.
    fn password(&self, realm: &str, username: &str) -> Option<String>;
}

/// A fixed user → password table (tests, small configurations).
impl Credentials for HashMap<String, String> {
    fn password(&self, _realm: &str, username: &str) -> Option<String> {
        self.get(username).cloned()
    }
}

/// Result of checking a request's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthOutcome {
    /// The request proves knowledge of this user's password.
    Authenticated {
        /// The authenticated user name.
        username: String,
    },
    /// Challenge the request (no, bad or unverifiable credentials).
    Challenge {
        /// The credentials were right but the nonce had expired.
        stale: bool,
    },
}

/// The digest verifier for one realm.
#[derive(Debug)]
pub struct DigestServer {
    realm: String,
    algorithms: Vec<DigestAlgorithm>,
    mode: AuthMode,
    nonces: NonceSigner,
}

/// Password used for unknown users, so their check costs the same as a real one.
const DECOY_PASSWORD: &str = "\u{0}decoy-password-never-matches";

impl DigestServer {
    /// A verifier for `realm` offering `algorithms` in order of preference (RFC 8760: the
    /// client takes the first it supports). `secret` keys the nonces; share it between nodes.
    pub fn new(
        realm: &str,
        algorithms: Vec<DigestAlgorithm>,
        mode: AuthMode,
        secret: [u8; 32],
        epoch: Instant,
    ) -> DigestServer {
        DigestServer {
            realm: realm.to_owned(),
            algorithms,
            mode,
            nonces: NonceSigner::new(secret, epoch, DEFAULT_NONCE_TTL),
        }
    }

    /// Same with a random secret from the OS.
    pub fn with_random_secret(
        realm: &str,
        algorithms: Vec<DigestAlgorithm>,
        mode: AuthMode,
        epoch: Instant,
    ) -> std::io::Result<DigestServer> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(DigestServer::new(realm, algorithms, mode, secret, epoch))
    }

    /// Changes the nonce lifetime (default [`DEFAULT_NONCE_TTL`]).
    pub fn with_nonce_ttl(mut self, ttl: Duration) -> DigestServer {
        self.nonces.set_ttl(ttl);
        self
    }

    /// The realm.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    fn credentials_header(&self) -> HeaderName {
        match self.mode {
            AuthMode::Www => HeaderName::Authorization,
            AuthMode::Proxy => HeaderName::ProxyAuthorization,
        }
    }

    /// Checks the request's credentials for our realm at `now`.
    pub fn verify(
        &self,
        request: &Request,
        credentials: &dyn Credentials,
        now: Instant,
    ) -> AuthOutcome {
        let header = self.credentials_header();
        let ours = request
            .head
            .headers
            .get_all(&header)
            .filter_map(parse_digest_params)
            .find(|p| p.get("realm") == Some(self.realm.as_str()));
        let Some(p) = ours else {
            return AuthOutcome::Challenge { stale: false };
        };
        let fields = (
            p.get("username"),
            p.get("nonce"),
            p.get("uri"),
            p.get("response"),
            p.get("nc"),
            p.get("cnonce"),
        );
        let (Some(username), Some(nonce), Some(uri), Some(response), Some(nc), Some(cnonce)) =
            fields
        else {
            return AuthOutcome::Challenge { stale: false };
        };
        let algorithm = match p.get("algorithm") {
            None => Some(DigestAlgorithm::Md5),
            Some(a) => DigestAlgorithm::parse(a),
        };
        let Some(algorithm) = algorithm.filter(|a| self.algorithms.contains(a)) else {
            return AuthOutcome::Challenge { stale: false };
        };
        if !p.get("qop").is_some_and(|q| q.eq_ignore_ascii_case("auth")) {
            return AuthOutcome::Challenge { stale: false };
        }
        let nonce_state = self.nonces.check(nonce, &self.realm, now);
        if nonce_state == NonceState::Invalid {
            return AuthOutcome::Challenge { stale: false };
        }
        let known = credentials.password(&self.realm, username);
        let password = known.as_deref().unwrap_or(DECOY_PASSWORD);
        let expected = algorithm.response(
            username,
            &self.realm,
            password,
            request.method.as_str(),
            uri,
            nonce,
            nc,
            cnonce,
        );
        let matches = constant_time_eq(
            expected.as_bytes(),
            response.to_ascii_lowercase().as_bytes(),
        );
        match (known.is_some() && matches, nonce_state) {
            (true, NonceState::Fresh) => AuthOutcome::Authenticated {
                username: username.to_owned(),
            },
            (true, _) => AuthOutcome::Challenge { stale: true },
            (false, _) => AuthOutcome::Challenge { stale: false },
        }
    }

    /// The challenge header values, one per algorithm in preference order.
    pub fn challenge_values(&self, stale: bool, now: Instant) -> Vec<String> {
        let nonce = self.nonces.issue(&self.realm, now);
        let realm = self.realm.replace('\\', "\\\\").replace('"', "\\\"");
        self.algorithms
            .iter()
            .map(|a| {
                let stale = if stale { ", stale=true" } else { "" };
                format!("Digest realm=\"{realm}\", nonce=\"{nonce}\", algorithm={}, qop=\"auth\"{stale}", a.as_str())
            })
            .collect()
    }

    /// A `401`/`407` for `request` carrying fresh challenges.
    pub fn challenge(&self, request: &Request, stale: bool, now: Instant) -> Response {
        let (status, header) = match self.mode {
            AuthMode::Www => (StatusCode::UNAUTHORIZED, HeaderName::WwwAuthenticate),
            AuthMode::Proxy => (
                StatusCode::PROXY_AUTHENTICATION_REQUIRED,
                HeaderName::ProxyAuthenticate,
            ),
        };
        let mut response = response_to(request, status);
        if response.head.to.tag().is_none() {
            response.head.to.set_tag(&crate::ids::new_tag());
        }
        for value in self.challenge_values(stale, now) {
            response.head.headers.push(header.clone(), value);
        }
        response
    }
}
