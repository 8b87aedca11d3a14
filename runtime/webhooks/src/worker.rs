//! One task per webhook: takes its events in order, sends each with retries, and records
//! every attempt in the store (the health `GET /api/v1/webhooks/{id}` shows).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use wasmphony_store::{
    AttemptOutcome, Store, TenantId, TenantWebhook, UnixMs, WebhookAttempt, WebhookId,
};

use crate::outbox::Outbox;
use crate::retry::{NextAttempt, RetryPolicy, RetrySchedule};
use crate::sender::{Delivery, SendError, send};
use crate::stats::WebhookStats;
use crate::targets::literal_allowed;

/// Where and how one webhook's events go; replaced in place when the stored webhook changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) tenant: TenantId,
    pub(crate) tenant_slug: String,
    pub(crate) id: WebhookId,
    pub(crate) url: String,
    pub(crate) secret: String,
    /// Kinds wanted; empty means all.
    pub(crate) events: Vec<String>,
}

impl Target {
    pub(crate) fn from_stored(stored: TenantWebhook) -> Target {
        let webhook = stored.webhook;
        Target {
            tenant: webhook.tenant_id,
            tenant_slug: stored.tenant_slug,
            id: webhook.id,
            url: webhook.spec.url,
            secret: webhook.spec.secret,
            events: webhook.spec.events,
        }
    }

    /// Whether events of `kind` go to this webhook.
    pub(crate) fn wants(&self, kind: &str) -> bool {
        self.events.is_empty() || self.events.iter().any(|wanted| wanted == kind)
    }
}

/// A webhook's sender task.
pub(crate) struct Worker {
    pub(crate) store: Store,
    pub(crate) client: reqwest::Client,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Duration,
    /// Refuse URLs naming a private IP literal ([`crate::targets`]).
    pub(crate) public_only: bool,
    pub(crate) target: watch::Receiver<Arc<Target>>,
    pub(crate) outbox: Arc<Outbox>,
    pub(crate) stats: Arc<WebhookStats>,
}

impl Worker {
    /// Runs until aborted (the dispatcher aborts it when the webhook is deleted or disabled).
    pub(crate) async fn run(self) {
        loop {
            let (delivery, dropped) = self.outbox.next().await;
            if dropped > 0 {
                self.record(WebhookAttempt {
                    at: UnixMs::now(),
                    status: None,
                    error: Some(format!(
                        "queue full: {dropped} event(s) dropped unsent (receiver too slow)"
                    )),
                    outcome: AttemptOutcome::Dropped { events: dropped },
                })
                .await;
            }
            self.deliver(&delivery).await;
        }
    }

    /// Sends one event until it is accepted or its retries are spent.
    async fn deliver(&self, delivery: &Delivery) {
        let mut schedule = RetrySchedule::new(self.retry);
        loop {
            // The current target: a URL or secret changed through the API applies from the
            // next attempt on.
            let target = self.target.borrow().clone();
            let result = if self.public_only && !literal_allowed(&target.url) {
                Err(SendError::Transport(
                    "private address (private targets are not allowed)".into(),
                ))
            } else {
                send(
                    &self.client,
                    self.timeout,
                    &target.url,
                    &target.secret,
                    delivery,
                )
                .await
            };
            let error = match result {
                Ok(status) => {
                    self.stats.delivered();
                    self.record(WebhookAttempt {
                        at: UnixMs::now(),
                        status: Some(i64::from(status)),
                        error: None,
                        outcome: AttemptOutcome::Delivered,
                    })
                    .await;
                    return;
                }
                Err(error) => error,
            };
            let next = schedule.failed(tokio::time::Instant::now().into_std());
            tracing::debug!(webhook = %target.id, tenant = %target.tenant_slug, %error, ?next, "webhook attempt failed");
            match next {
                NextAttempt::At(_) => self.stats.retried(),
                NextAttempt::GiveUp => self.stats.failed(),
            }
            self.record(WebhookAttempt {
                at: UnixMs::now(),
                status: error.status().map(i64::from),
                error: Some(error.to_string()),
                outcome: match next {
                    NextAttempt::At(_) => AttemptOutcome::WillRetry,
                    NextAttempt::GiveUp => AttemptOutcome::GaveUp,
                },
            })
            .await;
            match next {
                NextAttempt::At(at) => {
                    tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await;
                }
                NextAttempt::GiveUp => return,
            }
        }
    }

    async fn record(&self, attempt: WebhookAttempt) {
        let (tenant, id) = {
            let target = self.target.borrow();
            (target.tenant, target.id)
        };
        if let Err(error) = self
            .store
            .record_webhook_attempt(tenant, id, &attempt)
            .await
        {
            // Delivery goes on; only the health counters miss this step.
            tracing::warn!(webhook = %id, %error, "could not record a webhook attempt");
        }
    }
}
