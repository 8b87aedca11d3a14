//! Hosts and `host[:port]` pairs (IPv4, IPv6 references, domain names).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::error::ParseError;

/// A host: a domain name or an IP address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// A domain name (kept as received; compare with `eq_ignore_ascii_case`).
    Domain(String),
    /// An IPv4 address.
    V4(Ipv4Addr),
    /// An IPv6 address (written `[..]` on the wire).
    V6(Ipv6Addr),
}

impl Host {
    /// The IP address when the host is a literal address.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Host::Domain(_) => None,
            Host::V4(a) => Some(IpAddr::V4(*a)),
            Host::V6(a) => Some(IpAddr::V6(*a)),
        }
    }

    /// Parses a host (IPv6 must be bracketed).
    pub fn parse(s: &str) -> Result<Host, ParseError> {
        if let Some(inner) = s.strip_prefix('[') {
            let inner = inner.strip_suffix(']').ok_or(ParseError::BadUri)?;
            return inner.parse().map(Host::V6).map_err(|_| ParseError::BadUri);
        }
        if s.is_empty() {
            return Err(ParseError::BadUri);
        }
        if let Ok(v4) = s.parse::<Ipv4Addr>() {
            return Ok(Host::V4(v4));
        }
        let valid = s
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_');
        if !valid {
            return Err(ParseError::BadUri);
        }
        Ok(Host::Domain(s.to_owned()))
    }
}

impl From<IpAddr> for Host {
    fn from(ip: IpAddr) -> Host {
        match ip {
            IpAddr::V4(a) => Host::V4(a),
            IpAddr::V6(a) => Host::V6(a),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => f.write_str(d),
            Host::V4(a) => write!(f, "{a}"),
            Host::V6(a) => write!(f, "[{a}]"),
        }
    }
}

/// `host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostPort {
    /// The host.
    pub host: Host,
    /// The port, when written.
    pub port: Option<u16>,
}

impl HostPort {
    /// Parses `host[:port]`, including `[v6]:port`.
    pub fn parse(s: &str) -> Result<HostPort, ParseError> {
        let s = s.trim();
        let (host, port) = if s.starts_with('[') {
            let end = s.find(']').ok_or(ParseError::BadUri)?;
            let rest = &s[end + 1..];
            let port = match rest.strip_prefix(':') {
                Some(p) => Some(parse_port(p)?),
                None if rest.is_empty() => None,
                None => return Err(ParseError::BadUri),
            };
            (&s[..=end], port)
        } else {
            match s.rsplit_once(':') {
                Some((h, p)) => (h, Some(parse_port(p)?)),
                None => (s, None),
            }
        };
        Ok(HostPort {
            host: Host::parse(host)?,
            port,
        })
    }

    /// The socket address when the host is an IP literal (`default_port` if no port).
    pub fn socket_addr(&self, default_port: u16) -> Option<SocketAddr> {
        self.host
            .ip()
            .map(|ip| SocketAddr::new(ip, self.port.unwrap_or(default_port)))
    }
}

impl From<SocketAddr> for HostPort {
    fn from(a: SocketAddr) -> HostPort {
        HostPort {
            host: a.ip().into(),
            port: Some(a.port()),
        }
    }
}

fn parse_port(p: &str) -> Result<u16, ParseError> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|c| c.is_ascii_digit()) {
        return Err(ParseError::BadUri);
    }
    p.parse().map_err(|_| ParseError::BadUri)
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(p) => write!(f, "{}:{p}", self.host),
            None => write!(f, "{}", self.host),
        }
    }
}
