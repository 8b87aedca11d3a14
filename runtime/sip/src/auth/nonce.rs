//! Stateless nonces: issue time plus an HMAC-SHA256 tag keyed by a server secret.

use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the HMAC tag kept in a nonce (128 bits is plenty against forgery).
const TAG_LEN: usize = 16;

/// What a received nonce turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceState {
    /// Ours and within its lifetime.
    Fresh,
    /// Ours but older than its lifetime (answer with `stale=true` if the digest is right).
    Stale,
    /// Not issued by us (forged, mangled, from another secret or realm, or from the future).
    Invalid,
}

/// Issues and checks nonces for one realm.
pub struct NonceSigner {
    secret: [u8; 32],
    epoch: Instant,
    ttl: Duration,
}

impl std::fmt::Debug for NonceSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NonceSigner")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl NonceSigner {
    /// A signer with `secret`; nonce times count from `epoch` (a restart with a new secret
    /// simply makes old nonces invalid, and clients are challenged again).
    pub fn new(secret: [u8; 32], epoch: Instant, ttl: Duration) -> NonceSigner {
        NonceSigner { secret, epoch, ttl }
    }

    /// Changes the lifetime of nonces (issued ones included).
    pub fn set_ttl(&mut self, ttl: Duration) {
        self.ttl = ttl;
    }

    fn tag(&self, millis: u64, realm: &str) -> Option<[u8; TAG_LEN]> {
        let mut mac = HmacSha256::new_from_slice(&self.secret).ok()?;
        mac.update(&millis.to_be_bytes());
        mac.update(realm.as_bytes());
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(full.get(..TAG_LEN)?);
        Some(tag)
    }

    /// A nonce for `realm` issued at `now`: hex(issue time in ms) + hex(tag).
    pub fn issue(&self, realm: &str, now: Instant) -> String {
        let millis = u64::try_from(now.saturating_duration_since(self.epoch).as_millis())
            .unwrap_or(u64::MAX);
        let tag = self.tag(millis, realm).unwrap_or([0; TAG_LEN]);
        format!("{}{}", hex::encode(millis.to_be_bytes()), hex::encode(tag))
    }

    /// Checks a nonce received for `realm` at `now`.
    pub fn check(&self, nonce: &str, realm: &str, now: Instant) -> NonceState {
        let Ok(bytes) = hex::decode(nonce) else {
            return NonceState::Invalid;
        };
        if bytes.len() != 8 + TAG_LEN {
            return NonceState::Invalid;
        }
        let (time, tag) = bytes.split_at(8);
        let Ok(time) = <[u8; 8]>::try_from(time) else {
            return NonceState::Invalid;
        };
        let millis = u64::from_be_bytes(time);
        let Some(expected) = self.tag(millis, realm) else {
            return NonceState::Invalid;
        };
        if !super::algorithm::constant_time_eq(&expected, tag) {
            return NonceState::Invalid;
        }
        let Some(issued) = self.epoch.checked_add(Duration::from_millis(millis)) else {
            return NonceState::Invalid;
        };
        if issued > now {
            return NonceState::Invalid;
        }
        if now.duration_since(issued) > self.ttl {
            NonceState::Stale
        } else {
            NonceState::Fresh
        }
    }
}
