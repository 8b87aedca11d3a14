//! The Via header (RFC 3261 §20.42, with RFC 3581 `rport`).

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use super::error::ParseError;
use super::host::HostPort;
use super::params::Params;

/// RFC 3261 §8.1.1.7: branches starting with this cookie are globally unique.
pub const BRANCH_MAGIC_COOKIE: &str = "z9hG4bK";

/// Transport named in a Via.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ViaTransport {
    /// UDP
    Udp,
    /// TCP
    Tcp,
    /// TLS
    Tls,
    /// WS
    Ws,
    /// WSS
    Wss,
    /// Anything else, upper-cased.
    Other(String),
}

impl ViaTransport {
    fn parse(s: &str) -> ViaTransport {
        match s.to_ascii_uppercase().as_str() {
            "UDP" => ViaTransport::Udp,
            "TCP" => ViaTransport::Tcp,
            "TLS" => ViaTransport::Tls,
            "WS" => ViaTransport::Ws,
            "WSS" => ViaTransport::Wss,
            other => ViaTransport::Other(other.to_owned()),
        }
    }

    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            ViaTransport::Udp => "UDP",
            ViaTransport::Tcp => "TCP",
            ViaTransport::Tls => "TLS",
            ViaTransport::Ws => "WS",
            ViaTransport::Wss => "WSS",
            ViaTransport::Other(s) => s,
        }
    }

    /// True for transports that retransmit themselves (no SIP-level retransmission timers).
    pub fn is_reliable(&self) -> bool {
        !matches!(self, ViaTransport::Udp)
    }
}

/// One Via entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    /// Transport.
    pub transport: ViaTransport,
    /// sent-by.
    pub sent_by: HostPort,
    /// Parameters (`branch`, `rport`, `received`, ...).
    pub params: Params,
}

impl Via {
    /// A new Via with a branch and an empty `rport` (RFC 3581 asks the server to fill it in).
    pub fn new(transport: ViaTransport, sent_by: HostPort, branch: &str) -> Via {
        let mut params = Params::default();
        params.set("branch", Some(branch));
        params.set("rport", None);
        Via {
            transport,
            sent_by,
            params,
        }
    }

    /// The `branch` parameter.
    pub fn branch(&self) -> Option<&str> {
        self.params.value("branch")
    }

    /// The `received` parameter.
    pub fn received(&self) -> Option<&str> {
        self.params.value("received")
    }

    /// `rport`: `None` absent, `Some(None)` requested, `Some(Some(p))` filled in.
    pub fn rport(&self) -> Option<Option<u16>> {
        self.params
            .get("rport")
            .map(|v| v.and_then(|p| p.parse().ok()))
    }

    /// Server side of RFC 3261 §18.2.1 and RFC 3581 §4: records where the request came from.
    pub fn stamp_source(&mut self, source: SocketAddr) {
        let sent_by_ip = self.sent_by.host.ip();
        if sent_by_ip != Some(source.ip()) || self.rport().is_some() {
            self.params.set("received", Some(&ip_text(source.ip())));
        }
        if self.rport().is_some() {
            self.params.set("rport", Some(&source.port().to_string()));
        }
    }

    /// Where responses go (RFC 3261 §18.2.2 + RFC 3581): `received`/`rport` over sent-by.
    pub fn response_address(&self) -> Option<SocketAddr> {
        let ip = match self.received() {
            Some(r) => r
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .ok()?,
            None => self.sent_by.host.ip()?,
        };
        let default = if self.transport == ViaTransport::Tls {
            5061
        } else {
            5060
        };
        let port = self
            .rport()
            .flatten()
            .or(self.sent_by.port)
            .unwrap_or(default);
        Some(SocketAddr::new(ip, port))
    }

    /// Parses one Via entry (`SIP/2.0/UDP host:port;params`).
    pub fn parse(s: &str) -> Result<Via, ParseError> {
        let bad = || ParseError::BadHeader("Via");
        let s = s.trim();
        let mut parts = s.splitn(3, '/');
        let name = parts.next().ok_or_else(bad)?.trim();
        let version = parts.next().ok_or_else(bad)?.trim();
        let rest = parts.next().ok_or_else(bad)?.trim_start();
        if !name.eq_ignore_ascii_case("SIP") || version != "2.0" {
            return Err(bad());
        }
        let split = rest
            .find(|c: char| c.is_ascii_whitespace())
            .ok_or_else(bad)?;
        let transport = &rest[..split];
        if transport.is_empty() || !transport.bytes().all(super::method::is_token_char) {
            return Err(bad());
        }
        let rest = rest[split..].trim_start();
        let (sent_by, params) = match rest.split_once(';') {
            Some((h, p)) => (h, Params::parse(p).map_err(|_| bad())?),
            None => (rest, Params::default()),
        };
        let sent_by = HostPort::parse(sent_by).map_err(|_| bad())?;
        Ok(Via {
            transport: ViaTransport::parse(transport),
            sent_by,
            params,
        })
    }
}

fn ip_text(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => format!("[{a}]"),
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SIP/2.0/{} {}{}",
            self.transport.as_str(),
            self.sent_by,
            self.params
        )
    }
}
