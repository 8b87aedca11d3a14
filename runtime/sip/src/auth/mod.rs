//! Digest authentication (RFC 3261 §22, RFC 7616, RFC 8760): MD5 and SHA-256 with `qop=auth`.
//! The server side verifies requests and issues challenges; the client side
//! ([`DigestClient`], [`authorize`]) answers challenges from registrars and trunks (also
//! RFC 2617 answers without `qop`).
//!
//! Nonces are stateless: each carries its issue time and an HMAC over it keyed by a server
//! secret, so no state is kept per challenge and any node sharing the secret can verify it.
//! Replays are bounded by the nonce lifetime (no per-nonce `nc` tracking).
//! Unknown users and wrong passwords get the same answer, computed the same way.

mod algorithm;
mod challenge_params;
mod client;
mod nonce;
mod server;

pub use algorithm::DigestAlgorithm;
pub use challenge_params::{DigestParams, parse_digest_params};
pub use client::{
    ChallengeError, ClientCredentials, DigestChallenge, DigestClient, Qop, apply_challenge,
    authorize, credentials_value, digest_response, read_challenge,
};
pub use nonce::{NonceSigner, NonceState};
pub use server::{AuthMode, AuthOutcome, Credentials, DEFAULT_NONCE_TTL, DigestServer};

#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod tests;
