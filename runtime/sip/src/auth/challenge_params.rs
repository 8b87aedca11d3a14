//! The `Digest k=v, k="v"` parameter list of Authorization headers.

use crate::message::split_outside_quotes;

/// Longest Authorization value we look at; real ones are a few hundred bytes.
const MAX_CREDENTIALS_LEN: usize = 4096;

/// Parameters of a `Digest` credentials value, unquoted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestParams(pub Vec<(String, String)>);

impl DigestParams {
    /// The value of `name` (case-insensitive name).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses `Digest username="bob", realm="x", ...`; `None` for another scheme or bad syntax.
pub fn parse_digest_params(value: &str) -> Option<DigestParams> {
    if value.len() > MAX_CREDENTIALS_LEN {
        return None;
    }
    let value = value.trim();
    let scheme_end = value.find(|c: char| c.is_ascii_whitespace())?;
    if !value[..scheme_end].eq_ignore_ascii_case("Digest") {
        return None;
    }
    let mut out = Vec::new();
    for item in split_outside_quotes(&value[scheme_end..], b',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (name, raw) = item.split_once('=')?;
        out.push((name.trim().to_owned(), unquote(raw.trim())?));
    }
    Some(DigestParams(out))
}

fn unquote(raw: &str) -> Option<String> {
    let Some(inner) = raw.strip_prefix('"') else {
        return Some(raw.to_owned());
    };
    let inner = inner.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}
