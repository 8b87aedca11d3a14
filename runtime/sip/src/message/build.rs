//! Building responses from requests, and 400s for requests we could not parse.

use std::io::Write;

use bytes::Bytes;

use super::error::ParseError;
use super::headers::{HeaderName, Headers};
use super::status::StatusCode;
use super::{CSeq, CallId, Head, Method, NameAddr, Request, Response, Uri};

/// A response to `request` (RFC 3261 §8.2.6.2): copies Via, From, To, Call-ID and CSeq.
/// The caller adds a To tag where a dialog is created.
pub fn response_to(request: &Request, status: StatusCode) -> Response {
    let h = &request.head;
    Response {
        status,
        reason: status.default_reason().to_owned(),
        head: Head {
            via: h.via.clone(),
            from: h.from.clone(),
            to: h.to.clone(),
            call_id: h.call_id.clone(),
            cseq: h.cseq.clone(),
            max_forwards: None,
            headers: Headers::default(),
        },
        body: Bytes::new(),
    }
}

/// Best-effort `400` for bytes that failed to parse, with the error's reason phrase.
///
/// Returns `None` when no answer is possible: a response, an ACK, or a request missing one of
/// Via/From/To/Call-ID/CSeq (RFC 3261 §8.2.6 needs them to route and match the answer).
pub fn bad_request_for_raw(data: &[u8], error: &ParseError) -> Option<Bytes> {
    let data = &data[..data.len().min(super::MAX_MESSAGE_SIZE)];
    let text = String::from_utf8_lossy(data);
    let mut lines = text
        .split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .skip_while(|l| l.is_empty());
    let start = lines.next()?;
    if start.starts_with("SIP/") || start.starts_with("ACK ") || !start.ends_with("SIP/2.0") {
        return None;
    }
    let wanted = [
        HeaderName::Via,
        HeaderName::From,
        HeaderName::To,
        HeaderName::CallId,
        HeaderName::CSeq,
    ];
    let mut found = [false; 5];
    let mut out = Vec::with_capacity(512);
    let _ = write!(out, "SIP/2.0 400 {}\r\n", error.reason_phrase());
    for line in lines {
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = HeaderName::parse(name.trim());
        let Some(idx) = wanted.iter().position(|w| *w == name) else {
            continue;
        };
        let value = value.trim();
        // Echo only printable ASCII so a broken request cannot inject lines into our answer.
        if value.is_empty() || !value.bytes().all(|c| (b' '..0x7f).contains(&c)) {
            continue;
        }
        found[idx] = true;
        let _ = write!(out, "{}: {}\r\n", name, value);
    }
    if !found.iter().all(|f| *f) {
        return None;
    }
    out.extend_from_slice(b"Content-Length: 0\r\n\r\n");
    Some(out.into())
}

impl Request {
    /// A new request outside any dialog state: no Via yet (the endpoint adds it when sending),
    /// `Max-Forwards: 70`, empty body.
    pub fn new(
        method: Method,
        uri: Uri,
        from: NameAddr,
        to: NameAddr,
        call_id: CallId,
        seq: u32,
    ) -> Request {
        let cseq = CSeq {
            seq,
            method: method.clone(),
        };
        Request {
            method,
            uri,
            head: Head {
                via: Vec::new(),
                from,
                to,
                call_id,
                cseq,
                max_forwards: Some(70),
                headers: Headers::default(),
            },
            body: Bytes::new(),
        }
    }

    /// Sets an opaque body (SDP or anything else) with its Content-Type.
    pub fn set_body(&mut self, content_type: &str, body: Bytes) {
        self.head.headers.set(HeaderName::ContentType, content_type);
        self.body = body;
    }
}

impl Response {
    /// Sets an opaque body with its Content-Type.
    pub fn set_body(&mut self, content_type: &str, body: Bytes) {
        self.head.headers.set(HeaderName::ContentType, content_type);
        self.body = body;
    }
}
