//! Digest hash algorithms and the RFC 7616 response computation.

use md5::Md5;
use sha2::{Digest, Sha256};

/// A digest algorithm (RFC 8760 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// `MD5` (the default when a client names none).
    Md5,
    /// `SHA-256`.
    Sha256,
}

impl DigestAlgorithm {
    /// Parses the `algorithm` parameter (case-insensitive).
    pub fn parse(s: &str) -> Option<DigestAlgorithm> {
        if s.eq_ignore_ascii_case("MD5") {
            Some(DigestAlgorithm::Md5)
        } else if s.eq_ignore_ascii_case("SHA-256") {
            Some(DigestAlgorithm::Sha256)
        } else {
            None
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DigestAlgorithm::Md5 => "MD5",
            DigestAlgorithm::Sha256 => "SHA-256",
        }
    }

    /// Lower-case hex digest of `parts` joined by `:`.
    pub fn hash_hex(self, parts: &[&str]) -> String {
        fn run<D: Digest>(mut d: D, parts: &[&str]) -> String {
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    d.update(b":");
                }
                d.update(p.as_bytes());
            }
            hex::encode(d.finalize())
        }
        match self {
            DigestAlgorithm::Md5 => run(Md5::new(), parts),
            DigestAlgorithm::Sha256 => run(Sha256::new(), parts),
        }
    }

    /// `response` for `qop=auth` (RFC 7616 §3.4.1).
    #[allow(clippy::too_many_arguments)]
    pub fn response(
        self,
        username: &str,
        realm: &str,
        password: &str,
        method: &str,
        uri: &str,
        nonce: &str,
        nc: &str,
        cnonce: &str,
    ) -> String {
        let ha1 = self.hash_hex(&[username, realm, password]);
        let ha2 = self.hash_hex(&[method, uri]);
        self.hash_hex(&[&ha1, nonce, nc, cnonce, "auth", &ha2])
    }
}

/// Compares without an early exit, so timing does not reveal how much of a guess matched.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
