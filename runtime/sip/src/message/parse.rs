//! Header-section parser (start line, folded lines, compact forms, typed core headers).

use bytes::Bytes;

use super::error::ParseError;
use super::framing::MAX_HEADERS;
use super::headers::{Header, HeaderName, Headers};
use super::method::{Method, is_token_char};
use super::name_addr::NameAddr;
use super::params::split_outside_quotes;
use super::status::StatusCode;
use super::uri::Uri;
use super::via::Via;
use super::{CSeq, CallId, Head, Message, Request, Response};

/// Start line of a message.
pub(crate) enum StartLine {
    Request(Method, Uri),
    Response(StatusCode, String),
}

/// A parsed header section waiting for its body.
pub(crate) struct ParsedHead {
    pub(crate) start: StartLine,
    pub(crate) head: Head,
    pub(crate) content_length: Option<usize>,
}

impl ParsedHead {
    pub(crate) fn into_message(self, body: Bytes) -> Message {
        match self.start {
            StartLine::Request(method, uri) => Message::Request(Request {
                method,
                uri,
                head: self.head,
                body,
            }),
            StartLine::Response(status, reason) => Message::Response(Response {
                status,
                reason,
                head: self.head,
                body,
            }),
        }
    }
}

/// Parses the header section (without the blank line that ends it).
pub(crate) fn parse_head(head: &[u8]) -> Result<ParsedHead, ParseError> {
    let text = std::str::from_utf8(head).map_err(|_| ParseError::NotUtf8)?;
    let mut lines = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .skip_while(|l| l.is_empty());
    let start_line = lines.next().ok_or(ParseError::Empty)?;
    let start = parse_start_line(start_line)?;

    let mut builder = HeadBuilder::default();
    let mut pending: Option<(&str, String)> = None;
    let mut count = 0usize;
    for line in lines {
        if line.bytes().any(|c| (c < b' ' && c != b'\t') || c == 0x7f) {
            return Err(ParseError::BadHeaderLine);
        }
        if line.starts_with([' ', '\t']) {
            // Folded continuation (RFC 3261 §7.3.1): joins the previous line with one space.
            let (_, value) = pending.as_mut().ok_or(ParseError::BadHeaderLine)?;
            let extra = line.trim();
            if !extra.is_empty() {
                if !value.is_empty() {
                    value.push(' ');
                }
                value.push_str(extra);
            }
            continue;
        }
        if let Some((name, value)) = pending.take() {
            builder.add(name, value)?;
        }
        count += 1;
        if count > MAX_HEADERS {
            return Err(ParseError::TooManyHeaders);
        }
        let (name, value) = line.split_once(':').ok_or(ParseError::BadHeaderLine)?;
        let name = name.trim_end_matches([' ', '\t']);
        if name.is_empty() || !name.bytes().all(is_token_char) {
            return Err(ParseError::BadHeaderLine);
        }
        pending = Some((name, value.trim().to_owned()));
    }
    if let Some((name, value)) = pending.take() {
        builder.add(name, value)?;
    }
    let (head, content_length) = builder.finish()?;
    if let StartLine::Request(method, _) = &start
        && method != &head.cseq.method
    {
        return Err(ParseError::CSeqMethodMismatch);
    }
    Ok(ParsedHead {
        start,
        head,
        content_length,
    })
}

fn parse_start_line(line: &str) -> Result<StartLine, ParseError> {
    if let Some(rest) = line.strip_prefix("SIP/") {
        let (version, rest) = rest.split_once(' ').ok_or(ParseError::BadStartLine)?;
        if version != "2.0" {
            return Err(ParseError::BadVersion);
        }
        let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
        if reason
            .bytes()
            .any(|c| (c < b' ' && c != b'\t') || c == 0x7f)
        {
            return Err(ParseError::BadStartLine);
        }
        if code.len() != 3 || !code.bytes().all(|c| c.is_ascii_digit()) {
            return Err(ParseError::BadStatusCode);
        }
        let status = code
            .parse()
            .ok()
            .and_then(StatusCode::new)
            .ok_or(ParseError::BadStatusCode)?;
        return Ok(StartLine::Response(status, reason.to_owned()));
    }
    let mut parts = line.split(' ');
    let (Some(method), Some(uri), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ParseError::BadStartLine);
    };
    let method = Method::from_token(method).ok_or(ParseError::BadMethod)?;
    if version != "SIP/2.0" {
        return Err(ParseError::BadVersion);
    }
    Ok(StartLine::Request(method, Uri::parse(uri)?))
}

#[derive(Default)]
struct HeadBuilder {
    via: Vec<Via>,
    from: Option<NameAddr>,
    to: Option<NameAddr>,
    call_id: Option<CallId>,
    cseq: Option<CSeq>,
    max_forwards: Option<u32>,
    content_length: Option<usize>,
    headers: Headers,
}

/// Upper bound on Via entries in one message (a loop or an attack beyond this).
const MAX_VIA: usize = 32;

impl HeadBuilder {
    fn add(&mut self, name: &str, value: String) -> Result<(), ParseError> {
        let name = HeaderName::parse(name);
        match name {
            HeaderName::Via => {
                for entry in split_outside_quotes(&value, b',') {
                    if self.via.len() >= MAX_VIA {
                        return Err(ParseError::BadHeader("Via"));
                    }
                    self.via.push(Via::parse(entry)?);
                }
            }
            HeaderName::From => set_once(&mut self.from, parse_name_addr(&value, "From")?, "From")?,
            HeaderName::To => set_once(&mut self.to, parse_name_addr(&value, "To")?, "To")?,
            HeaderName::CallId => set_once(&mut self.call_id, CallId::parse(&value)?, "Call-ID")?,
            HeaderName::CSeq => set_once(&mut self.cseq, CSeq::parse(&value)?, "CSeq")?,
            HeaderName::MaxForwards => set_once(
                &mut self.max_forwards,
                parse_number(&value, "Max-Forwards")?,
                "Max-Forwards",
            )?,
            HeaderName::ContentLength => {
                let n = parse_number(&value, "Content-Length")? as usize;
                match self.content_length {
                    Some(prev) if prev != n => return Err(ParseError::BadHeader("Content-Length")),
                    _ => self.content_length = Some(n),
                }
            }
            other => self.headers.0.push(Header { name: other, value }),
        }
        Ok(())
    }

    fn finish(self) -> Result<(Head, Option<usize>), ParseError> {
        if self.via.is_empty() {
            return Err(ParseError::MissingHeader("Via"));
        }
        let head = Head {
            via: self.via,
            from: self.from.ok_or(ParseError::MissingHeader("From"))?,
            to: self.to.ok_or(ParseError::MissingHeader("To"))?,
            call_id: self.call_id.ok_or(ParseError::MissingHeader("Call-ID"))?,
            cseq: self.cseq.ok_or(ParseError::MissingHeader("CSeq"))?,
            max_forwards: self.max_forwards,
            headers: self.headers,
        };
        Ok((head, self.content_length))
    }
}

fn parse_name_addr(value: &str, header: &'static str) -> Result<NameAddr, ParseError> {
    NameAddr::parse(value).map_err(|_| ParseError::BadHeader(header))
}

fn set_once<T>(slot: &mut Option<T>, value: T, header: &'static str) -> Result<(), ParseError> {
    if slot.is_some() {
        return Err(ParseError::BadHeader(header));
    }
    *slot = Some(value);
    Ok(())
}

fn parse_number(value: &str, header: &'static str) -> Result<u32, ParseError> {
    let v = value.trim();
    if v.is_empty() || v.len() > 9 || !v.bytes().all(|c| c.is_ascii_digit()) {
        return Err(ParseError::BadHeader(header));
    }
    v.parse().map_err(|_| ParseError::BadHeader(header))
}
