//! Serialisation in a canonical form: core headers first, Content-Length from the body.

use std::io::Write;

use bytes::Bytes;

use super::{Head, Request, Response};

/// Typical head size; avoids regrowing the buffer for ordinary messages.
const HEAD_CAPACITY_HINT: usize = 512;

fn write_head(out: &mut Vec<u8>, head: &Head, body_len: usize) {
    // Writes into a Vec never fail.
    for v in &head.via {
        let _ = write!(out, "Via: {v}\r\n");
    }
    if let Some(mf) = head.max_forwards {
        let _ = write!(out, "Max-Forwards: {mf}\r\n");
    }
    let _ = write!(
        out,
        "From: {}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: {}\r\n",
        head.from, head.to, head.call_id, head.cseq
    );
    for h in &head.headers.0 {
        let _ = write!(out, "{}: {}\r\n", h.name, h.value);
    }
    let _ = write!(out, "Content-Length: {body_len}\r\n\r\n");
}

impl Request {
    /// Serialises the request.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = Vec::with_capacity(HEAD_CAPACITY_HINT + self.body.len());
        let _ = write!(out, "{} {} SIP/2.0\r\n", self.method, self.uri);
        write_head(&mut out, &self.head, self.body.len());
        out.extend_from_slice(&self.body);
        out.into()
    }
}

impl Response {
    /// Serialises the response.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = Vec::with_capacity(HEAD_CAPACITY_HINT + self.body.len());
        let _ = write!(out, "SIP/2.0 {} {}\r\n", self.status, self.reason);
        write_head(&mut out, &self.head, self.body.len());
        out.extend_from_slice(&self.body);
        out.into()
    }
}
