//! Webhooks of a tenant: where its live events are POSTed, with what secret they are
//! signed, which kinds are wanted, and how delivery has been going.
//!
//! The secret is stored as given (signing needs it). It is part of [`Webhook`] for the
//! delivery task; the HTTP API never shows it.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::codec::{col, json_col, to_json};
use crate::error::{Result, StoreError};
use crate::ids::{TenantId, UnixMs};
use crate::store::Store;

/// Longest webhook URL accepted (bytes). Longer ones are refused, not cut.
pub const MAX_WEBHOOK_URL_LEN: usize = 2_048;
/// Shortest webhook secret accepted (bytes): a guessable secret makes signatures worthless.
pub const MIN_WEBHOOK_SECRET_LEN: usize = 16;
/// Longest webhook secret accepted (bytes).
pub const MAX_WEBHOOK_SECRET_LEN: usize = 256;
/// Most webhooks one tenant may have: each costs a delivery queue and a task.
pub const MAX_WEBHOOKS_PER_TENANT: i64 = 20;
/// Longest last-error text kept per webhook (longer ones are cut at a char boundary).
pub const MAX_WEBHOOK_ERROR_LEN: usize = 500;
/// The event kinds a webhook may filter on: the `type` of each live event. The webhooks
/// crate checks that this list covers every kind the event bus has.
pub const WEBHOOK_EVENT_KINDS: &[&str] = &[
    "call_ringing",
    "call_answered",
    "call_bridged",
    "voicemail_left",
    "call_ended",
    "queue_changed",
    "agent_state",
    "lagged",
];

/// A webhook of a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WebhookId(pub i64);

impl std::fmt::Display for WebhookId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What a tenant sets on a webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSpec {
    /// Where events are POSTed: `http://` or `https://`, a host, at most
    /// [`MAX_WEBHOOK_URL_LEN`] bytes, no credentials in it.
    pub url: String,
    /// The HMAC-SHA256 key of the signatures ([`MIN_WEBHOOK_SECRET_LEN`] to
    /// [`MAX_WEBHOOK_SECRET_LEN`] bytes).
    pub secret: String,
    /// The kinds wanted (from [`WEBHOOK_EVENT_KINDS`]); empty means every kind.
    pub events: Vec<String>,
    /// Whether events are sent at all.
    pub enabled: bool,
}

/// How delivery to a webhook has been going.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookHealth {
    /// Events the receiver accepted (answered 2xx).
    pub delivered: i64,
    /// Events given up on after the last retry.
    pub failed: i64,
    /// Events dropped unsent because the webhook's queue was full.
    pub dropped: i64,
    /// The HTTP status of the last attempt (none when it got no answer).
    pub last_status: Option<i64>,
    /// Why the last attempt failed (none when it succeeded).
    pub last_error: Option<String>,
    /// When the last attempt was made (or an event dropped).
    pub last_attempt: Option<UnixMs>,
}

/// A stored webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// The webhook's id.
    pub id: WebhookId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// What the tenant set (the secret included: do not show it).
    pub spec: WebhookSpec,
    /// When it was created.
    pub created: UnixMs,
    /// How delivery has been going.
    pub health: WebhookHealth,
}

/// An enabled webhook with its tenant's slug (the event bus names tenants by slug).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantWebhook {
    /// The tenant's slug.
    pub tenant_slug: String,
    /// The webhook.
    pub webhook: Webhook,
}

/// What one delivery step came to, for [`Store::record_webhook_attempt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The receiver accepted the event.
    Delivered,
    /// The attempt failed; another will follow.
    WillRetry,
    /// The attempt failed and was the last one: the event is given up.
    GaveUp,
    /// `events` events were dropped unsent (the queue was full).
    Dropped {
        /// How many.
        events: u32,
    },
}

/// One delivery step of a webhook (or a drop), recorded into its [`WebhookHealth`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAttempt {
    /// When it happened.
    pub at: UnixMs,
    /// The HTTP status, when the receiver answered.
    pub status: Option<i64>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// What it came to.
    pub outcome: AttemptOutcome,
}

const WEBHOOK_COLUMNS: &str = "id, tenant_id, url, secret, events, enabled, created_ms, \
     delivered_count, failed_count, dropped_count, last_status, last_error, last_attempt_ms";

fn webhook_from_row(row: &AnyRow) -> Result<Webhook> {
    Ok(Webhook {
        id: WebhookId(col(row, "id")?),
        tenant_id: TenantId(col(row, "tenant_id")?),
        spec: WebhookSpec {
            url: col(row, "url")?,
            secret: col(row, "secret")?,
            events: json_col(row, "events")?,
            enabled: col::<i64>(row, "enabled")? != 0,
        },
        created: UnixMs(col(row, "created_ms")?),
        health: WebhookHealth {
            delivered: col(row, "delivered_count")?,
            failed: col(row, "failed_count")?,
            dropped: col(row, "dropped_count")?,
            last_status: col(row, "last_status")?,
            last_error: col(row, "last_error")?,
            last_attempt: col::<Option<i64>>(row, "last_attempt_ms")?.map(UnixMs),
        },
    })
}

impl Store {
    /// Stores a new webhook of `tenant`; [`StoreError::Invalid`] (nothing stored) for a bad
    /// URL, secret or event kind, or when the tenant has [`MAX_WEBHOOKS_PER_TENANT`].
    pub async fn create_webhook(
        &self,
        tenant: TenantId,
        spec: &WebhookSpec,
        now: UnixMs,
    ) -> Result<Webhook> {
        validate(spec)?;
        let events = to_json(&spec.events)?;
        self.tenant_country(tenant).await?; // NotFound for an unknown tenant
        let mut tx = self.begin_write().await?;
        // Counted in the writing transaction, so two racing creations cannot both pass.
        let count: i64 =
            sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) FROM webhooks WHERE tenant_id = $1")
                .bind(tenant.0)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
        if count >= MAX_WEBHOOKS_PER_TENANT {
            return Err(StoreError::Invalid(format!(
                "a tenant may have at most {MAX_WEBHOOKS_PER_TENANT} webhooks"
            )));
        }
        let row = sqlx::query(&format!(
            "INSERT INTO webhooks (tenant_id, url, secret, events, enabled, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {WEBHOOK_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(&spec.url)
        .bind(&spec.secret)
        .bind(events)
        .bind(i64::from(spec.enabled))
        .bind(now.0)
        .fetch_one(&mut *tx)
        .await?;
        let webhook = webhook_from_row(&row)?;
        tx.commit().await?;
        Ok(webhook)
    }

    /// Replaces what the tenant set on one of its webhooks (its health is kept).
    pub async fn update_webhook(
        &self,
        tenant: TenantId,
        id: WebhookId,
        spec: &WebhookSpec,
    ) -> Result<Webhook> {
        validate(spec)?;
        let row = sqlx::query(&format!(
            "UPDATE webhooks SET url = $3, secret = $4, events = $5, enabled = $6 \
             WHERE tenant_id = $1 AND id = $2 RETURNING {WEBHOOK_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .bind(&spec.url)
        .bind(&spec.secret)
        .bind(to_json(&spec.events)?)
        .bind(i64::from(spec.enabled))
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("webhook"))?;
        webhook_from_row(&row)
    }

    /// One of the tenant's webhooks.
    pub async fn webhook(&self, tenant: TenantId, id: WebhookId) -> Result<Webhook> {
        let row = sqlx::query(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("webhook"))?;
        webhook_from_row(&row)
    }

    /// The tenant's webhooks, by id (at most [`MAX_WEBHOOKS_PER_TENANT`]).
    pub async fn list_webhooks(&self, tenant: TenantId) -> Result<Vec<Webhook>> {
        let rows = sqlx::query(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE tenant_id = $1 ORDER BY id"
        ))
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(webhook_from_row).collect()
    }

    /// Deletes one of the tenant's webhooks.
    pub async fn delete_webhook(&self, tenant: TenantId, id: WebhookId) -> Result<()> {
        let done = sqlx::query("DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0)
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("webhook"));
        }
        Ok(())
    }

    /// Every enabled webhook of every tenant, with the tenant's slug (platform-wide: the
    /// delivery task's view), by tenant and id.
    pub async fn enabled_webhooks_all_tenants(&self) -> Result<Vec<TenantWebhook>> {
        let columns = WEBHOOK_COLUMNS
            .split(", ")
            .map(|column| format!("w.{column}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!(
            "SELECT t.slug AS tenant_slug, {columns} FROM webhooks w \
             JOIN tenants t ON t.id = w.tenant_id WHERE w.enabled = 1 ORDER BY w.tenant_id, w.id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TenantWebhook {
                    tenant_slug: col(row, "tenant_slug")?,
                    webhook: webhook_from_row(row)?,
                })
            })
            .collect()
    }

    /// Adds one delivery step to a webhook's health. A webhook deleted meanwhile is
    /// [`StoreError::NotFound`].
    pub async fn record_webhook_attempt(
        &self,
        tenant: TenantId,
        id: WebhookId,
        attempt: &WebhookAttempt,
    ) -> Result<()> {
        let (delivered, failed, dropped) = match attempt.outcome {
            AttemptOutcome::Delivered => (1_i64, 0_i64, 0_i64),
            AttemptOutcome::WillRetry => (0, 0, 0),
            AttemptOutcome::GaveUp => (0, 1, 0),
            AttemptOutcome::Dropped { events } => (0, 0, i64::from(events)),
        };
        let error = attempt
            .error
            .as_deref()
            .map(|text| cut(text, MAX_WEBHOOK_ERROR_LEN));
        let done = sqlx::query(
            "UPDATE webhooks SET delivered_count = delivered_count + $3, \
             failed_count = failed_count + $4, dropped_count = dropped_count + $5, \
             last_status = $6, last_error = $7, last_attempt_ms = $8 \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.0)
        .bind(id.0)
        .bind(delivered)
        .bind(failed)
        .bind(dropped)
        .bind(attempt.status)
        .bind(error)
        .bind(attempt.at.0)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("webhook"));
        }
        Ok(())
    }
}

/// `text` cut to at most `max` bytes at a char boundary.
fn cut(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn validate(spec: &WebhookSpec) -> Result<()> {
    validate_url(&spec.url)?;
    let secret = spec.secret.len();
    if !(MIN_WEBHOOK_SECRET_LEN..=MAX_WEBHOOK_SECRET_LEN).contains(&secret) {
        return Err(StoreError::Invalid(format!(
            "the webhook secret must be {MIN_WEBHOOK_SECRET_LEN} to {MAX_WEBHOOK_SECRET_LEN} bytes long"
        )));
    }
    if let Some(unknown) = spec
        .events
        .iter()
        .find(|kind| !WEBHOOK_EVENT_KINDS.contains(&kind.as_str()))
    {
        return Err(StoreError::Invalid(format!(
            "unknown event kind {unknown:?} (known: {})",
            WEBHOOK_EVENT_KINDS.join(", ")
        )));
    }
    Ok(())
}

/// Accepts `http://host[:port][/path][?query]` and `https://…` only: a host is required,
/// no whitespace or control characters, no `user:password@` (it would end up in logs),
/// at most [`MAX_WEBHOOK_URL_LEN`] bytes. The HTTP client parses it fully when sending.
pub(crate) fn validate_url(url: &str) -> Result<()> {
    let invalid = |why: &str| Err(StoreError::Invalid(format!("webhook URL: {why}")));
    if url.len() > MAX_WEBHOOK_URL_LEN {
        return invalid(&format!("longer than {MAX_WEBHOOK_URL_LEN} bytes"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return invalid("contains whitespace or control characters");
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return invalid("expected http://host/… or https://host/…");
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return invalid("only http and https are allowed");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return invalid("credentials in the URL are not allowed (sign with the secret instead)");
    }
    let host = match authority.rsplit_once(':') {
        // An IPv6 literal's colons are inside the brackets.
        Some((host, port)) if !port.contains(']') => {
            if !port.parse::<u16>().is_ok_and(|port| port != 0) {
                return invalid("the port is not a number from 1 to 65535");
            }
            host
        }
        _ => authority,
    };
    if host.is_empty() || host == "[]" {
        return invalid("no host");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_or_https_with_a_host() {
        for good in [
            "http://127.0.0.1:8080/hook",
            "https://hooks.example.com/a?b=c",
            "HTTPS://example.com",
            "http://[::1]:9000/x",
        ] {
            assert!(validate_url(good).is_ok(), "{good}");
        }
        for bad in [
            "ftp://example.com/x",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "example.com/hook",
            "http://",
            "http:///path",
            "http://user:pw@example.com/",
            "http://example.com:99999/",
            "http://example.com:0/",
            "http://example.com:/",
            "http://exa mple.com/",
            "http://example.com/\n",
        ] {
            assert!(validate_url(bad).is_err(), "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_WEBHOOK_URL_LEN));
        assert!(validate_url(&long).is_err());
    }

    #[test]
    fn long_errors_are_cut_at_a_char_boundary() {
        assert_eq!(cut("héllo", 2), "h");
        assert_eq!(cut("abc", 10), "abc");
    }
}
