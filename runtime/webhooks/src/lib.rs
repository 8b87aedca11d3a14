//! Webhooks: a tenant's live events (the same JSON `GET /api/v1/events` streams) POSTed
//! to the URLs it configured, signed, retried, with the outcome in the store.
//!
//! ```no_run
//! # async fn start(store: wasmphony_store::Store, bus: wasmphony_events::EventBus) -> Result<(), wasmphony_webhooks::WebhookError> {
//! // The API notifies `changes` after each webhook change (`ApiState::with_webhook_changes`).
//! let changes = std::sync::Arc::new(tokio::sync::Notify::new());
//! let webhooks = wasmphony_webhooks::Webhooks::start(store, bus, changes, Default::default())?;
//! // Keep `webhooks` alive as long as the server runs; dropping it stops delivery.
//! # drop(webhooks); Ok(()) }
//! ```
//!
//! * **One dispatcher task** subscribes to the bus for each tenant with an enabled webhook
//!   and re-reads the stored webhooks when the API signals a change, every
//!   [`RELOAD_EVERY`] (changes made through another node) and on [`Webhooks::reload`], so
//!   API changes apply without a restart.
//! * **One worker task per webhook** sends its events in order. Its queue holds
//!   [`QUEUE_CAPACITY`] events; when full the oldest is dropped and counted (`dropped` in
//!   the webhook's health). Publishers never wait for webhooks.
//! * **Each POST** has `Content-Type: application/json` and the headers [`EVENT_HEADER`],
//!   [`DELIVERY_HEADER`] (unique per event and webhook, the same on retries),
//!   [`TIMESTAMP_HEADER`] (Unix seconds) and [`SIGNATURE_HEADER`]:
//!   `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` (see [`signature`]).
//! * **2xx is delivered**; anything else (3xx included: redirects are not followed), a
//!   timeout ([`REQUEST_TIMEOUT`]) or a connection error is retried after 1 s, 2 s, 4 s …
//!   (capped at [`MAX_BACKOFF`]), at most [`MAX_ATTEMPTS`] attempts ([`RetrySchedule`]).
//! * **Every attempt is recorded** in the webhook's health (delivered, failed, dropped,
//!   last status, last error, last attempt), which the API shows, and counted over all
//!   webhooks in [`Webhooks::stats`] (delivered, retried, failed, dropped, queued), which
//!   the server renders on `/metrics`.
//!
//! Delivery is best effort, like the bus: events published while the server is down or
//! before a webhook is picked up are not sent, and a slow dispatcher sees a `lagged` event
//! (sent to webhooks that want `lagged`) instead of the events it missed.
#![deny(missing_docs)]

mod config;
mod dispatcher;
mod kind;
mod outbox;
mod queue;
mod retry;
mod sender;
mod signature;
mod stats;
mod targets;
mod worker;

pub use config::{RELOAD_EVERY, REQUEST_TIMEOUT, WebhookConfig};
pub use dispatcher::{WebhookError, Webhooks};
pub use kind::event_kind;
pub use queue::{DropOldestQueue, QUEUE_CAPACITY};
pub use retry::{
    FIRST_BACKOFF, MAX_ATTEMPTS, MAX_BACKOFF, NextAttempt, RetryPolicy, RetrySchedule,
};
pub use sender::{DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
pub use signature::signature;
pub use stats::{WebhookStats, WebhookStatsSnapshot};
