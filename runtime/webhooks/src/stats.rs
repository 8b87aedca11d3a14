//! Delivery health over all webhooks of this server, for `/metrics`: deliveries by
//! outcome and events waiting. Relaxed atomics, read at scrape time; the per-webhook
//! detail (last status, last error) is in the store, shown by the API.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Counters of webhook delivery, shared by the dispatcher, the outboxes and the workers.
#[derive(Debug, Default)]
pub struct WebhookStats {
    delivered: AtomicU64,
    retried: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
    queued: AtomicI64,
}

/// What [`WebhookStats::snapshot`] read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookStatsSnapshot {
    /// Events a receiver accepted (2xx).
    pub delivered: u64,
    /// Attempts that failed and will be tried again.
    pub retried: u64,
    /// Events given up after the last attempt failed.
    pub failed: u64,
    /// Events dropped unsent because their webhook's queue was full.
    pub dropped: u64,
    /// Events waiting in the webhooks' queues now (the one being sent not included).
    pub queued: u64,
}

impl WebhookStats {
    /// The counters now.
    pub fn snapshot(&self) -> WebhookStatsSnapshot {
        WebhookStatsSnapshot {
            delivered: self.delivered.load(Ordering::Relaxed),
            retried: self.retried.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            // Pushes and pops race by a moment at most; never shown below zero.
            queued: u64::try_from(self.queued.load(Ordering::Relaxed)).unwrap_or(0),
        }
    }

    pub(crate) fn delivered(&self) {
        self.delivered.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn retried(&self) {
        self.retried.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn failed(&self) {
        self.failed.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn dropped(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// `change` events joined (positive) or left (negative) the queues.
    pub(crate) fn queued(&self, change: i64) {
        self.queued.fetch_add(change, Ordering::Relaxed);
    }
}
