//! Every bound of webhook delivery in one place.

use std::time::Duration;

use crate::queue::QUEUE_CAPACITY;
use crate::retry::RetryPolicy;

/// How long one POST may take, connecting included, before it counts as failed.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the stored webhooks are read again, so changes made through the API apply
/// without a restart ([`crate::Webhooks::reload`] applies them at once).
pub const RELOAD_EVERY: Duration = Duration::from_secs(5);

/// Delivery settings; [`WebhookConfig::default`] uses the documented constants.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Events waiting per webhook before the oldest is dropped ([`QUEUE_CAPACITY`]).
    pub queue_capacity: usize,
    /// Retries of a failed delivery.
    pub retry: RetryPolicy,
    /// Bound on one POST ([`REQUEST_TIMEOUT`]).
    pub request_timeout: Duration,
    /// How often the stored webhooks are read again ([`RELOAD_EVERY`]).
    pub reload_every: Duration,
    /// POST to loopback and private addresses too. Off by default: a tenant's webhook
    /// must not reach what only the server can reach (see `targets.rs`); a single-site
    /// operator whose CRM runs beside the server turns it on.
    pub allow_private_targets: bool,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            queue_capacity: QUEUE_CAPACITY,
            retry: RetryPolicy::default(),
            request_timeout: REQUEST_TIMEOUT,
            reload_every: RELOAD_EVERY,
            allow_private_targets: false,
        }
    }
}
