//! Digest authentication, client side: answering a `401`/`407` challenge (RFC 3261 §22.2,
//! RFC 7616, RFC 8760, legacy RFC 2617 without `qop`).
//!
//! [`read_challenge`] picks the strongest challenge we can answer, [`authorize`] puts the
//! answer on the request to resend, [`DigestClient`] keeps the nonce count and makes cnonces.

use std::fmt;

use thiserror::Error;

use super::algorithm::DigestAlgorithm;
use super::challenge_params::parse_digest_params;
use crate::message::{HeaderName, Request, Response, StatusCode, split_outside_quotes};

/// Our user name and password at a registrar or trunk.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    /// User name (the `username` of the answer).
    pub username: String,
    /// Password (never logged).
    pub password: String,
}

impl ClientCredentials {
    /// Credentials for `username` with `password`.
    pub fn new(username: &str, password: &str) -> ClientCredentials {
        ClientCredentials {
            username: username.to_owned(),
            password: password.to_owned(),
        }
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Why a challenge could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChallengeError {
    /// The response is neither `401` nor `407`.
    #[error("status {0} is not an authentication challenge")]
    NotAChallenge(u16),
    /// A `401`/`407` without any Digest challenge header.
    #[error("no Digest challenge in the response")]
    NoChallenge,
    /// Every challenge asks for something we do not do (an `-sess` or unknown algorithm,
    /// `qop=auth-int` only).
    #[error("unsupported challenge: {0}")]
    Unsupported(String),
    /// A Digest challenge we could not read (bad syntax, no realm or nonce).
    #[error("malformed challenge: {0}")]
    Malformed(&'static str),
}

/// The protection we answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qop {
    /// `qop=auth` (RFC 7616): the answer covers nc and cnonce.
    Auth,
    /// No `qop` offered (RFC 2617 §3.2.2.1 compatibility with RFC 2069).
    Legacy,
}

/// The challenge chosen from a `401`/`407`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestChallenge {
    /// `401` (WWW) or `407` (proxy).
    pub proxy: bool,
    /// Realm.
    pub realm: String,
    /// Nonce.
    pub nonce: String,
    /// Opaque value to echo, if any.
    pub opaque: Option<String>,
    /// Algorithm (the strongest supported one offered).
    pub algorithm: DigestAlgorithm,
    /// How we answer.
    pub qop: Qop,
    /// The server says our previous answer was right but its nonce had expired.
    pub stale: bool,
}

impl DigestChallenge {
    /// The header the answer goes in.
    pub fn credentials_header(&self) -> HeaderName {
        if self.proxy {
            HeaderName::ProxyAuthorization
        } else {
            HeaderName::Authorization
        }
    }
}

/// Strength order: a higher rank is preferred (RFC 8760: SHA-256 over MD5).
fn rank(algorithm: DigestAlgorithm) -> u8 {
    match algorithm {
        DigestAlgorithm::Md5 => 1,
        DigestAlgorithm::Sha256 => 2,
    }
}

/// Reads one challenge value; `Ok(None)` for another scheme (Basic, Bearer...).
fn parse_one(value: &str, proxy: bool) -> Result<Option<DigestChallenge>, ChallengeError> {
    let scheme = value.split_ascii_whitespace().next().unwrap_or("");
    if !scheme.eq_ignore_ascii_case("Digest") {
        return Ok(None);
    }
    let params = parse_digest_params(value).ok_or(ChallengeError::Malformed("bad syntax"))?;
    let realm = params
        .get("realm")
        .ok_or(ChallengeError::Malformed("no realm"))?;
    let nonce = params
        .get("nonce")
        .filter(|n| !n.is_empty())
        .ok_or(ChallengeError::Malformed("no nonce"))?;
    let algorithm = match params.get("algorithm") {
        None => DigestAlgorithm::Md5,
        Some(a) => DigestAlgorithm::parse(a)
            .ok_or_else(|| ChallengeError::Unsupported(format!("algorithm {a}")))?,
    };
    let qop = match params.get("qop") {
        None => Qop::Legacy,
        Some(list) => {
            let offers_auth =
                split_outside_quotes(list, b',').any(|q| q.trim().eq_ignore_ascii_case("auth"));
            if !offers_auth {
                return Err(ChallengeError::Unsupported(format!("qop {list}")));
            }
            Qop::Auth
        }
    };
    let stale = params
        .get("stale")
        .is_some_and(|s| s.eq_ignore_ascii_case("true"));
    Ok(Some(DigestChallenge {
        proxy,
        realm: realm.to_owned(),
        nonce: nonce.to_owned(),
        opaque: params.get("opaque").map(str::to_owned),
        algorithm,
        qop,
        stale,
    }))
}

/// The strongest Digest challenge of a `401` (WWW-Authenticate) or `407`
/// (Proxy-Authenticate) we can answer.
pub fn read_challenge(response: &Response) -> Result<DigestChallenge, ChallengeError> {
    let (proxy, header) = match response.status {
        StatusCode::UNAUTHORIZED => (false, HeaderName::WwwAuthenticate),
        StatusCode::PROXY_AUTHENTICATION_REQUIRED => (true, HeaderName::ProxyAuthenticate),
        other => return Err(ChallengeError::NotAChallenge(other.as_u16())),
    };
    let mut best: Option<DigestChallenge> = None;
    let mut first_error = None;
    for value in response.head.headers.get_all(&header) {
        match parse_one(value, proxy) {
            Ok(Some(c))
                if best
                    .as_ref()
                    .is_none_or(|b| rank(c.algorithm) > rank(b.algorithm)) =>
            {
                best = Some(c)
            }
            Ok(_) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match (best, first_error) {
        (Some(c), _) => Ok(c),
        (None, Some(e)) => Err(e),
        (None, None) => Err(ChallengeError::NoChallenge),
    }
}

/// The `response` value (RFC 7616 §3.4.1 for `qop=auth`, RFC 2617 §3.2.2.1 without qop).
/// `nc` is the 8-hex-digit count; `nc` and `cnonce` are unused for [`Qop::Legacy`].
#[allow(clippy::too_many_arguments)]
pub fn digest_response(
    algorithm: DigestAlgorithm,
    qop: Qop,
    credentials: &ClientCredentials,
    realm: &str,
    method: &str,
    uri: &str,
    nonce: &str,
    nc: &str,
    cnonce: &str,
) -> String {
    match qop {
        Qop::Auth => algorithm.response(
            &credentials.username,
            realm,
            &credentials.password,
            method,
            uri,
            nonce,
            nc,
            cnonce,
        ),
        Qop::Legacy => {
            let ha1 = algorithm.hash_hex(&[&credentials.username, realm, &credentials.password]);
            let ha2 = algorithm.hash_hex(&[method, uri]);
            algorithm.hash_hex(&[&ha1, nonce, &ha2])
        }
    }
}

/// `"value"` with `\` and `"` escaped (RFC 3261 quoted-string).
fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The credentials header value answering `challenge` for `request`.
pub fn credentials_value(
    request: &Request,
    challenge: &DigestChallenge,
    credentials: &ClientCredentials,
    nc: u32,
    cnonce: &str,
) -> String {
    let uri = request.uri.to_string();
    let nc = format!("{nc:08x}");
    let response = digest_response(
        challenge.algorithm,
        challenge.qop,
        credentials,
        &challenge.realm,
        request.method.as_str(),
        &uri,
        &challenge.nonce,
        &nc,
        cnonce,
    );
    let mut value = format!(
        "Digest username={}, realm={}, nonce={}, uri={}, response=\"{response}\", algorithm={}",
        quoted(&credentials.username),
        quoted(&challenge.realm),
        quoted(&challenge.nonce),
        quoted(&uri),
        challenge.algorithm.as_str(),
    );
    if challenge.qop == Qop::Auth {
        value.push_str(&format!(", qop=auth, nc={nc}, cnonce={}", quoted(cnonce)));
    }
    if let Some(opaque) = &challenge.opaque {
        value.push_str(&format!(", opaque={}", quoted(opaque)));
    }
    value
}

/// Puts the answer to `challenge` on `request` and readies it to be sent again as a new
/// transaction (RFC 3261 §8.1.3.5, §22.2): replaces earlier credentials for the same realm,
/// increments CSeq and clears the Via (the endpoint stamps a fresh one with a new branch).
pub fn apply_challenge(
    request: &mut Request,
    challenge: &DigestChallenge,
    credentials: &ClientCredentials,
    nc: u32,
    cnonce: &str,
) {
    let header = challenge.credentials_header();
    let value = credentials_value(request, challenge, credentials, nc, cnonce);
    request.head.headers.0.retain(|h| {
        h.name != header
            || parse_digest_params(&h.value)
                .is_none_or(|p| p.get("realm") != Some(challenge.realm.as_str()))
    });
    request.head.headers.push(header, value);
    request.head.cseq.seq = request.head.cseq.seq.saturating_add(1);
    request.head.via.clear();
}

/// Answers the `401`/`407` `response` to `request` in place (see [`apply_challenge`]).
pub fn authorize(
    request: &mut Request,
    response: &Response,
    credentials: &ClientCredentials,
    nc: u32,
    cnonce: &str,
) -> Result<DigestChallenge, ChallengeError> {
    let challenge = read_challenge(response)?;
    apply_challenge(request, &challenge, credentials, nc, cnonce);
    Ok(challenge)
}

/// Answers challenges for one set of credentials: counts `nc` per nonce and makes a random
/// cnonce for each answer.
#[derive(Debug, Clone)]
pub struct DigestClient {
    credentials: ClientCredentials,
    last_nonce: Option<String>,
    nc: u32,
}

impl DigestClient {
    /// A client answering with `credentials`.
    pub fn new(credentials: ClientCredentials) -> DigestClient {
        DigestClient {
            credentials,
            last_nonce: None,
            nc: 0,
        }
    }

    /// The credentials.
    pub fn credentials(&self) -> &ClientCredentials {
        &self.credentials
    }

    /// Answers `response` (a `401`/`407` to `request`) in place; returns the challenge used.
    pub fn authorize(
        &mut self,
        request: &mut Request,
        response: &Response,
    ) -> Result<DigestChallenge, ChallengeError> {
        let challenge = read_challenge(response)?;
        self.answer(request, &challenge);
        Ok(challenge)
    }

    /// Answers an already read `challenge` in place.
    pub fn answer(&mut self, request: &mut Request, challenge: &DigestChallenge) {
        if self.last_nonce.as_deref() == Some(challenge.nonce.as_str()) {
            self.nc = self.nc.saturating_add(1);
        } else {
            self.last_nonce = Some(challenge.nonce.clone());
            self.nc = 1;
        }
        let cnonce = crate::ids::new_tag();
        apply_challenge(request, challenge, &self.credentials, self.nc, &cnonce);
    }
}
