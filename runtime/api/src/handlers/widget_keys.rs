//! Widget keys (tenant admin): the per-tenant keys a website's callback widget carries.
//! The secret is shown once, at creation and at each rotation; only its hash is stored.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use wasmphony_store::{Role, UnixMs, WidgetKey, WidgetKeyId};

use crate::auth::TenantCaller;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::keys::{KEY_PREFIX, generate_key, hash_key};
use crate::state::ApiState;

/// What every widget key starts with (told apart from API keys at a glance: it is public).
pub const WIDGET_KEY_PREFIX: &str = "wpw_";

/// The body of `POST /widget-keys`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WidgetKeyRequest {
    /// Which site or page the key is for.
    name: String,
    /// The tenant's number the callbacks are placed from.
    number: String,
}

/// A widget key with its secret, shown this once.
#[derive(Debug, Serialize)]
pub(crate) struct WidgetKeySecret {
    key: WidgetKey,
    secret: String,
}

/// A new random widget key: (secret, hash).
fn new_secret() -> ApiResult<(String, String)> {
    let random = generate_key()?.secret;
    let secret = format!("{WIDGET_KEY_PREFIX}{}", &random[KEY_PREFIX.len()..]);
    let hash = hash_key(&secret);
    Ok((secret, hash))
}

pub(crate) async fn create(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiJson(request): ApiJson<WidgetKeyRequest>,
) -> ApiResult<(StatusCode, Json<WidgetKeySecret>)> {
    caller.require(Role::Admin)?;
    let (secret, hash) = new_secret()?;
    let key = state
        .store
        .create_widget_key(
            caller.tenant.id,
            &request.name,
            &request.number,
            &hash,
            UnixMs::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(WidgetKeySecret { key, secret })))
}

pub(crate) async fn list(
    caller: TenantCaller,
    State(state): State<ApiState>,
) -> ApiResult<Json<Vec<WidgetKey>>> {
    caller.require(Role::Admin)?;
    Ok(Json(state.store.list_widget_keys(caller.tenant.id).await?))
}

pub(crate) async fn rotate(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<WidgetKeySecret>> {
    caller.require(Role::Admin)?;
    let (secret, hash) = new_secret()?;
    let key = state
        .store
        .rotate_widget_key(caller.tenant.id, WidgetKeyId(id), &hash, UnixMs::now())
        .await?;
    Ok(Json(WidgetKeySecret { key, secret }))
}

pub(crate) async fn revoke(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    caller.require(Role::Admin)?;
    state
        .store
        .revoke_widget_key(caller.tenant.id, WidgetKeyId(id), UnixMs::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
