//! `;name=value` parameter lists shared by URIs, Via and name-addr headers.

use std::fmt;

use super::error::ParseError;
use super::method::is_token_char;

/// One `;name[=value]` parameter. The value keeps its quotes when it was quoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Parameter name as received (compared case-insensitively).
    pub name: String,
    /// Raw value, `None` for a flag such as `;lr` or `;rport`.
    pub value: Option<String>,
}

/// An ordered parameter list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(pub Vec<Param>);

impl Params {
    /// The value of `name` (`Some(None)` for a flag, `None` when absent).
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.0
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.value.as_deref())
    }

    /// The value of `name` when it has one.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).flatten()
    }

    /// True when `name` is present (flag or valued).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets (replacing) `name`.
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        let value = value.map(str::to_owned);
        match self
            .0
            .iter_mut()
            .find(|p| p.name.eq_ignore_ascii_case(name))
        {
            Some(p) => p.value = value,
            None => self.0.push(Param {
                name: name.to_owned(),
                value,
            }),
        }
    }

    /// Removes `name` if present.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|p| !p.name.eq_ignore_ascii_case(name));
    }

    /// Parses `;a=b;c` (the leading `;` optional on the first one). Quoted values may contain `;`.
    pub(crate) fn parse(input: &str) -> Result<Params, ParseError> {
        let mut params = Vec::new();
        for raw in split_outside_quotes(input, b';') {
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            let (name, value) = match raw.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v.trim())),
                None => (raw, None),
            };
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|c| is_token_char(c) || c == b'[' || c == b']')
            {
                return Err(ParseError::BadParam);
            }
            if let Some(v) = value
                && (v.is_empty() || !valid_param_value(v))
            {
                return Err(ParseError::BadParam);
            }
            params.push(Param {
                name: name.to_owned(),
                value: value.map(str::to_owned),
            });
        }
        Ok(Params(params))
    }
}

fn valid_param_value(v: &str) -> bool {
    if v.starts_with('"') {
        return is_quoted_string(v);
    }
    v.bytes()
        .all(|c| c > b' ' && c != b'"' && c != b';' && c != b',' && c != 0x7f)
}

/// True when `v` is exactly one `"..."` quoted string (escapes honoured).
pub(crate) fn is_quoted_string(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() < 2 || b[0] != b'"' {
        return false;
    }
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i == b.len() - 1,
            b'\r' | b'\n' => return false,
            _ => i += 1,
        }
    }
    false
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            match &p.value {
                Some(v) => write!(f, ";{}={}", p.name, v)?,
                None => write!(f, ";{}", p.name)?,
            }
        }
        Ok(())
    }
}

/// Splits `input` at `sep` bytes that are outside double quotes and angle brackets.
pub(crate) fn split_outside_quotes(input: &str, sep: u8) -> impl Iterator<Item = &str> {
    let bytes = input.as_bytes();
    let mut start = 0;
    let mut pos = 0;
    let mut in_quotes = false;
    let mut angle = 0u32;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        while pos < bytes.len() {
            let c = bytes[pos];
            if in_quotes {
                if c == b'\\' {
                    pos += 1;
                } else if c == b'"' {
                    in_quotes = false;
                }
            } else if c == b'"' {
                in_quotes = true;
            } else if c == b'<' {
                angle += 1;
            } else if c == b'>' {
                angle = angle.saturating_sub(1);
            } else if c == sep && angle == 0 {
                let piece = &input[start..pos];
                pos += 1;
                start = pos;
                return Some(piece);
            }
            pos += 1;
        }
        done = true;
        Some(&input[start.min(input.len())..])
    })
}
