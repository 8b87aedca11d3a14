//! Tenants (platform administrator) and API keys (platform administrator for a tenant's
//! first key, the tenant's admins afterwards).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use wasmphony_store::{ApiKey, ApiKeyId, NewTenant, Role, Tenant, TenantId, UnixMs};

use crate::auth::{PlatformAdmin, TenantCaller};
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::keys::generate_key;
use crate::state::ApiState;

pub(crate) async fn create_tenant(
    _: PlatformAdmin,
    State(state): State<ApiState>,
    ApiJson(new): ApiJson<NewTenant>,
) -> ApiResult<(StatusCode, Json<Tenant>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_tenant(&new).await?),
    ))
}

pub(crate) async fn list_tenants(
    _: PlatformAdmin,
    State(state): State<ApiState>,
) -> ApiResult<Json<Vec<Tenant>>> {
    Ok(Json(state.store.list_tenants().await?))
}

pub(crate) async fn own_tenant(caller: TenantCaller) -> Json<Tenant> {
    Json(caller.tenant)
}

/// What a new key is for and what it may do.
#[derive(Debug, Deserialize)]
pub(crate) struct KeyRequest {
    name: String,
    role: Role,
}

/// A new key: the secret is shown here once and never again.
#[derive(Debug, Serialize)]
pub(crate) struct CreatedKey {
    key: ApiKey,
    secret: String,
}

async fn create_key(
    state: &ApiState,
    tenant: TenantId,
    request: &KeyRequest,
) -> ApiResult<CreatedKey> {
    let new = generate_key()?;
    let key = state
        .store
        .create_api_key(
            tenant,
            &request.name,
            request.role,
            &new.hash,
            UnixMs::now(),
        )
        .await?;
    Ok(CreatedKey {
        key,
        secret: new.secret,
    })
}

pub(crate) async fn create_tenant_key(
    _: PlatformAdmin,
    State(state): State<ApiState>,
    ApiPath(tenant): ApiPath<i64>,
    ApiJson(request): ApiJson<KeyRequest>,
) -> ApiResult<(StatusCode, Json<CreatedKey>)> {
    let created = create_key(&state, TenantId(tenant), &request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub(crate) async fn create_own_key(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiJson(request): ApiJson<KeyRequest>,
) -> ApiResult<(StatusCode, Json<CreatedKey>)> {
    caller.require(Role::Admin)?;
    let created = create_key(&state, caller.tenant.id, &request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub(crate) async fn list_own_keys(
    caller: TenantCaller,
    State(state): State<ApiState>,
) -> ApiResult<Json<Vec<ApiKey>>> {
    caller.require(Role::Admin)?;
    Ok(Json(state.store.list_api_keys(caller.tenant.id).await?))
}

pub(crate) async fn revoke_own_key(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    caller.require(Role::Admin)?;
    state
        .store
        .revoke_api_key(caller.tenant.id, ApiKeyId(id), UnixMs::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
