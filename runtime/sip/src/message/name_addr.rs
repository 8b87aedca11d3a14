//! `name-addr` / `addr-spec` values of From, To, Contact, Refer-To.

use std::fmt;

use super::error::ParseError;
use super::method::is_token_char;
use super::params::{Params, is_quoted_string};
use super::uri::Uri;

/// `["Display"] <uri>;params` (From, To, Contact entries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    /// Display name, unquoted (escapes kept as received).
    pub display: Option<String>,
    /// The address.
    pub uri: Uri,
    /// Header parameters (`tag`, `expires`, `q`, ...).
    pub params: Params,
}

impl NameAddr {
    /// A bare `<uri>`.
    pub fn new(uri: Uri) -> NameAddr {
        NameAddr {
            display: None,
            uri,
            params: Params::default(),
        }
    }

    /// The `tag` parameter.
    pub fn tag(&self) -> Option<&str> {
        self.params.value("tag")
    }

    /// Sets the `tag` parameter.
    pub fn set_tag(&mut self, tag: &str) {
        self.params.set("tag", Some(tag));
    }

    /// Parses `"Name" <sip:..>;p`, `Name <sip:..>` or `sip:..;p`.
    pub fn parse(s: &str) -> Result<NameAddr, ParseError> {
        let s = s.trim();
        if let Some(lt) = find_unquoted(s, b'<') {
            let display = parse_display(s[..lt].trim())?;
            let after = &s[lt + 1..];
            let gt = after.find('>').ok_or(ParseError::BadUri)?;
            let uri = Uri::parse(&after[..gt])?;
            let rest = after[gt + 1..].trim();
            let params = parse_trailing_params(rest)?;
            Ok(NameAddr {
                display,
                uri,
                params,
            })
        } else {
            // addr-spec form: parameters after the URI belong to the header, not the URI.
            let (u, p) = match s.split_once(';') {
                Some((u, p)) => (u, p),
                None => (s, ""),
            };
            if u.contains('?') {
                return Err(ParseError::BadUri);
            }
            Ok(NameAddr {
                display: None,
                uri: Uri::parse(u)?,
                params: Params::parse(p)?,
            })
        }
    }
}

fn parse_display(d: &str) -> Result<Option<String>, ParseError> {
    if d.is_empty() {
        return Ok(None);
    }
    if d.starts_with('"') {
        if !is_quoted_string(d) {
            return Err(ParseError::BadUri);
        }
        return Ok(Some(d[1..d.len() - 1].to_owned()));
    }
    // RFC 3261: an unquoted display name is tokens separated by whitespace. Anything else
    // (a backslash, a quote) would change meaning once we write it back quoted.
    if !d
        .bytes()
        .all(|c| is_token_char(c) || c == b' ' || c == b'\t')
    {
        return Err(ParseError::BadUri);
    }
    // Collapse runs of whitespace in token display names so re-serialising is stable.
    Ok(Some(d.split_whitespace().collect::<Vec<_>>().join(" ")))
}

fn parse_trailing_params(rest: &str) -> Result<Params, ParseError> {
    if rest.is_empty() {
        return Ok(Params::default());
    }
    let p = rest.strip_prefix(';').ok_or(ParseError::BadParam)?;
    Params::parse(p)
}

fn find_unquoted(s: &str, needle: u8) -> Option<usize> {
    let mut in_q = false;
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if in_q => i += 1,
            b'"' => in_q = !in_q,
            c if c == needle && !in_q => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.display {
            write!(f, "\"{d}\" ")?;
        }
        write!(f, "<{}>{}", self.uri, self.params)
    }
}
