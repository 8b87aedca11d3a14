//! One POST of one event to one webhook: the headers, the signature, what came of it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use reqwest::header::CONTENT_TYPE;

use crate::signature::signature;

/// The event kind (`call_ringing`, …).
pub const EVENT_HEADER: &str = "X-Wasmphony-Event";
/// The delivery's unique id; the same on every attempt of one event to one webhook, so a
/// receiver can ignore a repeat.
pub const DELIVERY_HEADER: &str = "X-Wasmphony-Delivery";
/// When this attempt was signed, Unix seconds.
pub const TIMESTAMP_HEADER: &str = "X-Wasmphony-Timestamp";
/// `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub const SIGNATURE_HEADER: &str = "X-Wasmphony-Signature";

/// One event for one webhook, as it is sent.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    /// The event kind.
    pub(crate) kind: &'static str,
    /// The event's JSON, as the WebSocket sends it (shared by every webhook).
    pub(crate) body: Bytes,
    /// Unique per event and webhook.
    pub(crate) id: String,
}

/// Why an attempt failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    /// The receiver answered, but not with 2xx (redirects are not followed).
    #[error("HTTP {0}")]
    Status(u16),
    /// No answer within the request timeout.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The URL could not be used or the connection failed.
    #[error("{0}")]
    Transport(String),
}

impl SendError {
    /// The HTTP status, when the receiver answered.
    pub(crate) fn status(&self) -> Option<u16> {
        match self {
            SendError::Status(status) => Some(*status),
            _ => None,
        }
    }
}

/// POSTs `delivery` to `url`, signed with `secret`; `Ok(status)` for a 2xx answer.
pub(crate) async fn send(
    client: &reqwest::Client,
    timeout: Duration,
    url: &str,
    secret: &str,
    delivery: &Delivery,
) -> Result<u16, SendError> {
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let response = client
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .header(EVENT_HEADER, delivery.kind)
        .header(DELIVERY_HEADER, &delivery.id)
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(
            SIGNATURE_HEADER,
            signature(secret.as_bytes(), timestamp, &delivery.body),
        )
        .body(delivery.body.clone())
        .send()
        .await
        .map_err(|error| {
            if error.is_timeout() {
                SendError::Timeout(timeout)
            } else {
                // Without the URL: it may carry a token, and the error is stored.
                SendError::Transport(describe(&error.without_url()))
            }
        })?;
    let status = response.status();
    if status.is_success() {
        Ok(status.as_u16())
    } else {
        Err(SendError::Status(status.as_u16()))
    }
}

/// The error and its causes, one line ("connection refused" sits deep in the chain).
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
