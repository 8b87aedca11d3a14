//! Bearer secret generation and hashing: API keys and login session tokens. Each is 256
//! random bits shown once (at key creation, at login); only its SHA-256 is stored, so a
//! copy of the database holds no working key or session.

use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// What every key starts with, so leaked keys are easy to recognise (secret scanners).
pub const KEY_PREFIX: &str = "wpk_";

/// What every login session token starts with; tells a session from a key at a glance.
pub const SESSION_PREFIX: &str = "wps_";

/// How long a login session authenticates: one working day with room to spare.
pub const SESSION_LIFETIME_MS: i64 = 12 * 60 * 60 * 1000;

/// A freshly generated key: the secret for the caller, the hash for the store.
#[derive(Debug)]
pub struct NewKey {
    /// The bearer token to give to the caller once.
    pub secret: String,
    /// What is stored and looked up.
    pub hash: String,
}

/// Generates a random key from the operating system's generator.
pub fn generate_key() -> Result<NewKey, ApiError> {
    generate_secret(KEY_PREFIX)
}

/// Generates a random login session token (same strength as a key).
pub(crate) fn generate_session_token() -> Result<NewKey, ApiError> {
    generate_secret(SESSION_PREFIX)
}

fn generate_secret(prefix: &str) -> Result<NewKey, ApiError> {
    let mut random = [0_u8; 32];
    getrandom::fill(&mut random)
        .map_err(|_| ApiError::Internal("the random number generator failed".into()))?;
    let secret = format!("{prefix}{}", hex::encode(random));
    let hash = hash_key(&secret);
    Ok(NewKey { secret, hash })
}

/// The stored form of a key.
pub fn hash_key(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_only_their_hash_matches() {
        let one = generate_key().unwrap();
        let two = generate_key().unwrap();
        assert_ne!(one.secret, two.secret);
        assert!(one.secret.starts_with(KEY_PREFIX));
        assert_eq!(one.secret.len(), KEY_PREFIX.len() + 64);
        assert_eq!(hash_key(&one.secret), one.hash);
        assert_ne!(hash_key(&two.secret), one.hash);
        assert!(!one.hash.contains(&one.secret[KEY_PREFIX.len()..]));
        let session = generate_session_token().unwrap();
        assert!(session.secret.starts_with(SESSION_PREFIX));
        assert_eq!(hash_key(&session.secret), session.hash);
    }
}
