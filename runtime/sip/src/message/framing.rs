//! Message framing: one message per UDP datagram, Content-Length framing on streams.

use bytes::{Buf, Bytes, BytesMut};

use super::Message;
use super::error::ParseError;
use super::parse::{ParsedHead, parse_head};

/// Largest message accepted on any transport (head + body). Bigger ones are refused:
/// no legitimate signalling needs more, and it bounds per-connection buffering.
pub const MAX_MESSAGE_SIZE: usize = 64 * 1024;

/// Most header lines accepted in one message.
pub const MAX_HEADERS: usize = 128;

/// Finds the blank line ending the head: returns (head length, body offset).
fn find_head_end(buf: &[u8]) -> Option<(usize, usize)> {
    find_head_end_from(buf, 0)
}

/// Like [`find_head_end`], starting the scan at `from` (bytes before it are known not to end
/// the head), so a peer trickling bytes cannot make the framer rescan its whole buffer.
fn find_head_end_from(buf: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut i = from;
    while i + 1 < buf.len() {
        if buf[i] == b'\n' {
            if buf[i + 1] == b'\n' {
                return Some((i, i + 2));
            }
            if buf[i + 1] == b'\r' && buf.get(i + 2) == Some(&b'\n') {
                return Some((i, i + 3));
            }
        }
        i += 1;
    }
    None
}

/// Leading CRLFs (keep-alives, RFC 5626 §3.5.1) are skipped before a start line.
fn skip_leading_newlines(buf: &[u8]) -> usize {
    buf.iter()
        .take_while(|&&c| c == b'\r' || c == b'\n')
        .count()
}

/// Parses one UDP datagram. Without Content-Length the body is the rest of the datagram;
/// with it, bytes beyond it are ignored and a shorter body is an error.
pub fn parse_datagram(data: &[u8]) -> Result<Message, ParseError> {
    if data.len() > MAX_MESSAGE_SIZE {
        return Err(ParseError::TooLarge {
            size: data.len(),
            limit: MAX_MESSAGE_SIZE,
        });
    }
    let data = &data[skip_leading_newlines(data)..];
    if data.is_empty() {
        return Err(ParseError::Empty);
    }
    let (head_len, body_start) = find_head_end(data).ok_or(ParseError::UnterminatedHead)?;
    let parsed = parse_head(&data[..head_len])?;
    let available = data.len() - body_start;
    let body_len = match parsed.content_length {
        None => available,
        Some(n) if n <= available => n,
        Some(n) => {
            return Err(ParseError::BodyTooShort {
                declared: n,
                available,
            });
        }
    };
    let body = Bytes::copy_from_slice(&data[body_start..body_start + body_len]);
    Ok(parsed.into_message(body))
}

/// Splits a byte stream (TCP, later TLS) into messages by Content-Length.
///
/// Any error is fatal for the connection: after a framing error the stream position is unknown.
#[derive(Default)]
pub struct StreamFramer {
    buf: BytesMut,
    /// Offset up to which `buf` was already searched for the end of the head.
    scanned: usize,
    pending: Option<(ParsedHead, usize, usize)>,
}

impl StreamFramer {
    /// A new, empty framer.
    pub fn new() -> StreamFramer {
        StreamFramer::default()
    }

    /// Appends received bytes.
    pub fn extend(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Bytes buffered but not yet returned as a message.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next complete message, `Ok(None)` if more bytes are needed.
    pub fn next_message(&mut self) -> Result<Option<Message>, ParseError> {
        if self.pending.is_none() {
            if self.scanned == 0 {
                let skip = skip_leading_newlines(&self.buf);
                self.buf.advance(skip);
            }
            if self.buf.is_empty() {
                return Ok(None);
            }
            let Some((head_len, body_start)) = find_head_end_from(&self.buf, self.scanned) else {
                if self.buf.len() > MAX_MESSAGE_SIZE {
                    return Err(ParseError::TooLarge {
                        size: self.buf.len(),
                        limit: MAX_MESSAGE_SIZE,
                    });
                }
                // The last two bytes may start a terminator completed by the next read.
                self.scanned = self.buf.len().saturating_sub(2);
                return Ok(None);
            };
            self.scanned = 0;
            let parsed = parse_head(&self.buf[..head_len])?;
            let body_len = parsed
                .content_length
                .ok_or(ParseError::MissingContentLength)?;
            let total = body_start + body_len;
            if total > MAX_MESSAGE_SIZE {
                return Err(ParseError::TooLarge {
                    size: total,
                    limit: MAX_MESSAGE_SIZE,
                });
            }
            self.pending = Some((parsed, body_start, body_len));
        }
        let Some((_, body_start, body_len)) = &self.pending else {
            return Ok(None);
        };
        let (body_start, body_len) = (*body_start, *body_len);
        if self.buf.len() < body_start + body_len {
            return Ok(None);
        }
        let Some((parsed, _, _)) = self.pending.take() else {
            return Ok(None);
        };
        self.buf.advance(body_start);
        let body = self.buf.split_to(body_len).freeze();
        Ok(Some(parsed.into_message(body)))
    }
}
