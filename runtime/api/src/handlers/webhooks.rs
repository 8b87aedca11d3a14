//! Webhooks of the caller's tenant (admin role only: a webhook sends the tenant's call
//! data elsewhere). The secret is write-only: responses never carry it. The delivery
//! health (delivered, failed, dropped, last status and error) is in every answer. Every
//! change is signalled ([`crate::ApiState::with_webhook_changes`]) so delivery applies it
//! at once.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use wasmphony_store::{Role, TenantId, UnixMs, Webhook, WebhookId, WebhookSpec};

use crate::auth::TenantCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::state::ApiState;

/// What a client sends to create or replace a webhook.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebhookBody {
    url: String,
    /// Required on create; on replace, a missing secret keeps the stored one.
    secret: Option<String>,
    /// Missing or empty: every kind.
    #[serde(default)]
    events: Vec<String>,
    #[serde(default = "enabled_by_default")]
    enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

impl WebhookBody {
    fn into_spec(self, stored_secret: Option<String>) -> ApiResult<WebhookSpec> {
        let secret = self.secret.or(stored_secret).ok_or_else(|| {
            ApiError::BadRequest("a webhook needs a secret (its signatures' key)".into())
        })?;
        Ok(WebhookSpec {
            url: self.url,
            secret,
            events: self.events,
            enabled: self.enabled,
        })
    }
}

/// A webhook as the API shows it: never its secret.
#[derive(Debug, Serialize)]
pub(crate) struct WebhookView {
    id: WebhookId,
    tenant_id: TenantId,
    url: String,
    events: Vec<String>,
    enabled: bool,
    has_secret: bool,
    created_ms: UnixMs,
    health: HealthView,
}

#[derive(Debug, Serialize)]
struct HealthView {
    delivered: i64,
    failed: i64,
    dropped: i64,
    last_status: Option<i64>,
    last_error: Option<String>,
    last_attempt_ms: Option<UnixMs>,
}

fn view(webhook: Webhook) -> WebhookView {
    WebhookView {
        id: webhook.id,
        tenant_id: webhook.tenant_id,
        url: webhook.spec.url,
        events: webhook.spec.events,
        enabled: webhook.spec.enabled,
        has_secret: !webhook.spec.secret.is_empty(),
        created_ms: webhook.created,
        health: HealthView {
            delivered: webhook.health.delivered,
            failed: webhook.health.failed,
            dropped: webhook.health.dropped,
            last_status: webhook.health.last_status,
            last_error: webhook.health.last_error,
            last_attempt_ms: webhook.health.last_attempt,
        },
    }
}

pub(crate) async fn list(
    caller: TenantCaller,
    State(state): State<ApiState>,
) -> ApiResult<Json<Vec<WebhookView>>> {
    caller.require(Role::Admin)?;
    let webhooks = state.store.list_webhooks(caller.tenant.id).await?;
    Ok(Json(webhooks.into_iter().map(view).collect()))
}

pub(crate) async fn create(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiJson(body): ApiJson<WebhookBody>,
) -> ApiResult<(StatusCode, Json<WebhookView>)> {
    caller.require(Role::Admin)?;
    let spec = body.into_spec(None)?;
    let webhook = state
        .store
        .create_webhook(caller.tenant.id, &spec, UnixMs::now())
        .await?;
    state.webhook_changes.notify_one();
    Ok((StatusCode::CREATED, Json(view(webhook))))
}

pub(crate) async fn get(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<WebhookView>> {
    caller.require(Role::Admin)?;
    Ok(Json(view(
        state.store.webhook(caller.tenant.id, WebhookId(id)).await?,
    )))
}

/// Replaces the webhook's settings; a missing `secret` keeps the stored one.
pub(crate) async fn update(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<WebhookBody>,
) -> ApiResult<Json<WebhookView>> {
    caller.require(Role::Admin)?;
    let tenant = caller.tenant.id;
    let id = WebhookId(id);
    // Read first in any case: an unknown id is "not found" before the body is judged.
    let stored = state.store.webhook(tenant, id).await?;
    let spec = body.into_spec(Some(stored.spec.secret))?;
    let webhook = state.store.update_webhook(tenant, id, &spec).await?;
    state.webhook_changes.notify_one();
    Ok(Json(view(webhook)))
}

pub(crate) async fn delete(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    caller.require(Role::Admin)?;
    state
        .store
        .delete_webhook(caller.tenant.id, WebhookId(id))
        .await?;
    state.webhook_changes.notify_one();
    Ok(StatusCode::NO_CONTENT)
}
