//! User passwords: stored only as an Argon2id hash (PHC string: algorithm, parameters and a
//! random salt in one text), checked in constant time by the argon2 crate. Hashing is slow
//! on purpose (tens of milliseconds), so it runs on the blocking pool, never on the
//! runtime's worker threads.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::{ApiError, ApiResult};

/// Shortest password an administrator may set.
pub const MIN_PASSWORD_LEN: usize = 8;

/// Longest password accepted (bytes): hashing cost must not grow with what a peer sends.
pub const MAX_PASSWORD_LEN: usize = 256;

/// Random bytes of salt per hash (the PHC recommendation is at least 16).
const SALT_BYTES: usize = 16;

/// Checks a new password's length; the message names the bound.
pub(crate) fn validate_new_password(password: &str) -> ApiResult<()> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LEN {
        return Err(ApiError::BadRequest(format!(
            "the password must have at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(ApiError::BadRequest(format!(
            "the password must be at most {MAX_PASSWORD_LEN} bytes"
        )));
    }
    Ok(())
}

/// Hashes `password` with a fresh random salt (Argon2id, the crate's OWASP defaults).
pub(crate) async fn hash_password(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|_| ApiError::Internal("password hashing failed".into()))?
}

fn hash_now(password: &str) -> ApiResult<String> {
    let mut random = [0_u8; SALT_BYTES];
    getrandom::fill(&mut random)
        .map_err(|_| ApiError::Internal("the random number generator failed".into()))?;
    let salt = SaltString::encode_b64(&random)
        .map_err(|_| ApiError::Internal("could not encode a salt".into()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|_| ApiError::Internal("password hashing failed".into()))
}

/// Whether `password` matches `stored` (a PHC string). An unreadable stored hash matches
/// nothing. Takes as long as hashing, whatever the answer.
pub(crate) async fn verify_password(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_matches_its_password_only_and_is_salted() {
        let one = hash_password("correct horse".into()).await.unwrap();
        let two = hash_password("correct horse".into()).await.unwrap();
        assert!(one.starts_with("$argon2id$"), "{one}");
        assert_ne!(one, two, "the same password hashes differently (salt)");
        assert!(!one.contains("correct horse"));
        assert!(verify_password("correct horse".into(), one.clone()).await);
        assert!(!verify_password("correct horsE".into(), one).await);
        assert!(!verify_password("x".into(), "not a hash".into()).await);
    }

    #[test]
    fn short_and_oversized_passwords_are_refused() {
        assert!(validate_new_password("1234567").is_err());
        assert!(validate_new_password("12345678").is_ok());
        assert!(validate_new_password(&"x".repeat(MAX_PASSWORD_LEN + 1)).is_err());
    }
}
