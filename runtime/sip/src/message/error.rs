//! Typed parse errors; each maps to a `400` reason phrase.

use thiserror::Error;

/// Why a message (or one of its parts) could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    /// No bytes, or only whitespace.
    #[error("empty message")]
    Empty,
    /// The message is larger than [`super::MAX_MESSAGE_SIZE`].
    #[error("message of {size} bytes exceeds the {limit} byte limit")]
    TooLarge {
        /// Bytes seen so far.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// No empty line ends the header section.
    #[error("header section is not terminated")]
    UnterminatedHead,
    /// The header section is not UTF-8.
    #[error("header section is not valid UTF-8")]
    NotUtf8,
    /// The request or status line is malformed.
    #[error("malformed start line")]
    BadStartLine,
    /// The version is not `SIP/2.0`.
    #[error("unsupported SIP version")]
    BadVersion,
    /// The method is not a token.
    #[error("malformed method")]
    BadMethod,
    /// The status code is not three digits in 100..=699.
    #[error("malformed status code")]
    BadStatusCode,
    /// A URI could not be parsed.
    #[error("malformed URI")]
    BadUri,
    /// A header line has no colon or an invalid name.
    #[error("malformed header line")]
    BadHeaderLine,
    /// A parameter list is malformed.
    #[error("malformed parameter")]
    BadParam,
    /// A mandatory header is missing.
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    /// A known header has a malformed value.
    #[error("malformed {0} header")]
    BadHeader(&'static str),
    /// Content-Length promises more bytes than the message carries.
    #[error("Content-Length {declared} exceeds the {available} body bytes present")]
    BodyTooShort {
        /// Declared Content-Length.
        declared: usize,
        /// Bytes actually available.
        available: usize,
    },
    /// A stream message has no Content-Length (mandatory over TCP, RFC 3261 §18.3).
    #[error("missing Content-Length on a stream transport")]
    MissingContentLength,
    /// More header lines than [`super::MAX_HEADERS`].
    #[error("too many headers")]
    TooManyHeaders,
    /// The CSeq method differs from the request method.
    #[error("CSeq method does not match the request method")]
    CSeqMethodMismatch,
}

impl ParseError {
    /// A short reason phrase for a `400` answer (static, no peer bytes echoed).
    pub fn reason_phrase(&self) -> &'static str {
        match self {
            ParseError::Empty => "Bad Request - Empty",
            ParseError::TooLarge { .. } => "Bad Request - Message Too Large",
            ParseError::UnterminatedHead => "Bad Request - Unterminated Headers",
            ParseError::NotUtf8 => "Bad Request - Invalid UTF-8",
            ParseError::BadStartLine => "Bad Request - Malformed Request Line",
            ParseError::BadVersion => "Bad Request - Unsupported Version",
            ParseError::BadMethod => "Bad Request - Malformed Method",
            ParseError::BadStatusCode => "Bad Request - Malformed Status",
            ParseError::BadUri => "Bad Request - Malformed URI",
            ParseError::BadHeaderLine => "Bad Request - Malformed Header",
            ParseError::BadParam => "Bad Request - Malformed Parameter",
            ParseError::MissingHeader(h) => match *h {
                "Via" => "Bad Request - Missing Via",
                "From" => "Bad Request - Missing From",
                "To" => "Bad Request - Missing To",
                "Call-ID" => "Bad Request - Missing Call-ID",
                "CSeq" => "Bad Request - Missing CSeq",
                _ => "Bad Request - Missing Header",
            },
            ParseError::BadHeader(h) => match *h {
                "Via" => "Bad Request - Malformed Via",
                "From" => "Bad Request - Malformed From",
                "To" => "Bad Request - Malformed To",
                "Call-ID" => "Bad Request - Malformed Call-ID",
                "CSeq" => "Bad Request - Malformed CSeq",
                "Content-Length" => "Bad Request - Malformed Content-Length",
                "Max-Forwards" => "Bad Request - Malformed Max-Forwards",
                _ => "Bad Request - Malformed Header",
            },
            ParseError::BodyTooShort { .. } => "Bad Request - Body Shorter Than Content-Length",
            ParseError::MissingContentLength => "Bad Request - Missing Content-Length",
            ParseError::TooManyHeaders => "Bad Request - Too Many Headers",
            ParseError::CSeqMethodMismatch => "Bad Request - CSeq Method Mismatch",
        }
    }
}
