//! SIP message layer: typed values, parsing and serialisation, framing.
//!
//! This is our seam over the wire format. A small hand-written parser is used instead of
//! `rsip` so that Content-Length is checked, malformed input yields typed errors (never a
//! panic), and only the core headers (Via, From, To, Call-ID, CSeq, Max-Forwards,
//! Content-Length) are parsed eagerly; every other header is kept as text and typed on demand.

mod build;
mod cseq;
mod error;
mod framing;
mod headers;
mod host;
mod method;
mod name_addr;
mod params;
mod parse;
mod status;
mod uri;
mod via;
mod write;

pub use build::{bad_request_for_raw, response_to};
pub use cseq::{CSeq, CallId};
pub use error::ParseError;
pub use framing::{MAX_HEADERS, MAX_MESSAGE_SIZE, StreamFramer, parse_datagram};
pub use headers::{Header, HeaderName, Headers};
pub use host::{Host, HostPort};
pub use method::Method;
pub use name_addr::NameAddr;
pub(crate) use params::split_outside_quotes;
pub use params::{Param, Params};
pub use status::StatusCode;
pub use uri::{Scheme, Uri};
pub use via::{BRANCH_MAGIC_COOKIE, Via, ViaTransport};

use bytes::Bytes;

/// The headers every request and response carries, typed, plus the other headers as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Via entries, topmost first (never empty in a parsed message).
    pub via: Vec<Via>,
    /// From.
    pub from: NameAddr,
    /// To.
    pub to: NameAddr,
    /// Call-ID.
    pub call_id: CallId,
    /// CSeq.
    pub cseq: CSeq,
    /// Max-Forwards (optional on receipt; we always send it on requests).
    pub max_forwards: Option<u32>,
    /// All other headers in order.
    pub headers: Headers,
}

impl Head {
    /// The topmost Via.
    pub fn top_via(&self) -> Option<&Via> {
        self.via.first()
    }

    /// The `branch` of the topmost Via.
    pub fn branch(&self) -> Option<&str> {
        self.top_via().and_then(Via::branch)
    }

    /// The first Contact as a name-addr (`None` if absent, `*`, or malformed).
    pub fn contact(&self) -> Option<NameAddr> {
        let v = self.headers.get(&HeaderName::Contact)?;
        let first = params::split_outside_quotes(v, b',').next()?;
        NameAddr::parse(first).ok()
    }

    /// The Content-Type value.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(&HeaderName::ContentType)
    }

    /// The Expires header as seconds.
    pub fn expires(&self) -> Option<u32> {
        self.headers.get(&HeaderName::Expires)?.trim().parse().ok()
    }
}

/// A SIP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Method.
    pub method: Method,
    /// Request-URI.
    pub uri: Uri,
    /// Headers.
    pub head: Head,
    /// Body (Content-Length is derived from it when serialising).
    pub body: Bytes,
}

/// A SIP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: StatusCode,
    /// Reason phrase.
    pub reason: String,
    /// Headers.
    pub head: Head,
    /// Body.
    pub body: Bytes,
}

/// A request or a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Request.
    Request(Request),
    /// Response.
    Response(Response),
}

impl Message {
    /// The head of either kind.
    pub fn head(&self) -> &Head {
        match self {
            Message::Request(r) => &r.head,
            Message::Response(r) => &r.head,
        }
    }

    /// Serialises to wire bytes.
    pub fn to_bytes(&self) -> Bytes {
        match self {
            Message::Request(r) => r.to_bytes(),
            Message::Response(r) => r.to_bytes(),
        }
    }
}

#[cfg(test)]
mod edge_tests;
#[cfg(test)]
mod tests;
