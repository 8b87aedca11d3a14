//! CSeq and Call-ID.

use std::fmt;

use super::error::ParseError;
use super::method::Method;

/// `CSeq: 1 INVITE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CSeq {
    /// Sequence number (< 2^31, RFC 3261 §8.1.1.5).
    pub seq: u32,
    /// Method.
    pub method: Method,
}

impl CSeq {
    /// Parses `number method`.
    pub fn parse(s: &str) -> Result<CSeq, ParseError> {
        let bad = ParseError::BadHeader("CSeq");
        let mut it = s.split_ascii_whitespace();
        let seq = it.next().ok_or(bad.clone())?;
        let method = it.next().ok_or(bad.clone())?;
        if it.next().is_some() || seq.len() > 10 || !seq.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad);
        }
        let seq: u32 = seq.parse().map_err(|_| bad.clone())?;
        if seq >= 1 << 31 {
            return Err(bad);
        }
        Ok(CSeq {
            seq,
            method: Method::from_token(method).ok_or(bad)?,
        })
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

/// A Call-ID (opaque, compared byte for byte).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallId(pub String);

impl CallId {
    /// Parses a Call-ID: non-empty, no whitespace or control characters.
    pub fn parse(s: &str) -> Result<CallId, ParseError> {
        let s = s.trim();
        if s.is_empty() || s.bytes().any(|c| c <= b' ' || c == 0x7f) {
            return Err(ParseError::BadHeader("Call-ID"));
        }
        Ok(CallId(s.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
