//! `sip:` and `sips:` URIs.

use std::fmt;

use super::error::ParseError;
use super::host::{Host, HostPort};
use super::params::Params;

/// URI scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `sip:`
    Sip,
    /// `sips:`
    Sips,
}

/// A SIP URI: `sip:user@host:port;params?headers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uri {
    /// `sip` or `sips`.
    pub scheme: Scheme,
    /// The user part (escapes kept as received), without any password.
    pub user: Option<String>,
    /// The password part, if a peer sent one (deprecated but legal).
    pub password: Option<String>,
    /// Host and optional port.
    pub host_port: HostPort,
    /// URI parameters (`;transport=tcp`, `;lr`, ...).
    pub params: Params,
    /// Raw `?headers` part, without the `?`.
    pub headers: Option<String>,
}

impl Uri {
    /// A `sip:` URI for `user@host:port`.
    pub fn sip(user: Option<&str>, host_port: HostPort) -> Uri {
        Uri {
            scheme: Scheme::Sip,
            user: user.map(str::to_owned),
            password: None,
            host_port,
            params: Params::default(),
            headers: None,
        }
    }

    /// Parses a SIP URI.
    pub fn parse(s: &str) -> Result<Uri, ParseError> {
        let s = s.trim();
        let (scheme, rest) = if let Some(r) = strip_prefix_ci(s, "sip:") {
            (Scheme::Sip, r)
        } else if let Some(r) = strip_prefix_ci(s, "sips:") {
            (Scheme::Sips, r)
        } else {
            return Err(ParseError::BadUri);
        };
        if rest
            .bytes()
            .any(|c| c <= b' ' || c == 0x7f || c == b'<' || c == b'>' || c == b'"')
        {
            return Err(ParseError::BadUri);
        }
        let (rest, headers) = match rest.split_once('?') {
            Some((r, h)) => (r, Some(h.to_owned())),
            None => (rest, None),
        };
        let (userinfo, hostpart) = match rest.rfind('@') {
            Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
            None => (None, rest),
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(ui) => {
                let (u, p) = match ui.split_once(':') {
                    Some((u, p)) => (u, Some(p.to_owned())),
                    None => (ui, None),
                };
                if u.is_empty() {
                    return Err(ParseError::BadUri);
                }
                (Some(u.to_owned()), p)
            }
        };
        let (hp, params) = match hostpart.split_once(';') {
            Some((h, p)) => (h, Params::parse(p).map_err(|_| ParseError::BadUri)?),
            None => (hostpart, Params::default()),
        };
        let host_port = HostPort::parse(hp)?;
        Ok(Uri {
            scheme,
            user,
            password,
            host_port,
            params,
            headers,
        })
    }

    /// The host.
    pub fn host(&self) -> &Host {
        &self.host_port.host
    }

    /// The `transport` parameter, lower-cased comparison left to the caller.
    pub fn transport_param(&self) -> Option<&str> {
        self.params.value("transport")
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.scheme {
            Scheme::Sip => "sip:",
            Scheme::Sips => "sips:",
        })?;
        if let Some(u) = &self.user {
            f.write_str(u)?;
            if let Some(p) = &self.password {
                write!(f, ":{p}")?;
            }
            f.write_str("@")?;
        }
        write!(f, "{}{}", self.host_port, self.params)?;
        if let Some(h) = &self.headers {
            write!(f, "?{h}")?;
        }
        Ok(())
    }
}
