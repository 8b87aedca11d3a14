//! SIP trunks of the caller's tenant (admin role only: they carry carrier credentials).
//! The password is write-only: responses say whether one is set, never what it is.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use wasmphony_store::{Role, TenantId, Trunk, TrunkId, TrunkSpec};

use crate::auth::TenantCaller;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::state::ApiState;

/// A trunk as the API shows it.
#[derive(Debug, Serialize)]
pub(crate) struct TrunkView {
    id: TrunkId,
    tenant_id: TenantId,
    name: String,
    uri: String,
    username: Option<String>,
    has_password: bool,
    caller_id: Option<String>,
    priority: i64,
    prefixes: Vec<String>,
    register: bool,
}

fn view(trunk: Trunk) -> TrunkView {
    TrunkView {
        id: trunk.id,
        tenant_id: trunk.tenant_id,
        name: trunk.spec.name,
        uri: trunk.spec.uri,
        username: trunk.spec.username,
        has_password: trunk.spec.password.is_some(),
        caller_id: trunk.spec.caller_id,
        priority: trunk.spec.priority,
        prefixes: trunk.spec.prefixes,
        register: trunk.spec.register,
    }
}

pub(crate) async fn list(
    caller: TenantCaller,
    State(state): State<ApiState>,
) -> ApiResult<Json<Vec<TrunkView>>> {
    caller.require(Role::Admin)?;
    let trunks = state.store.list_trunks(caller.tenant.id).await?;
    Ok(Json(trunks.into_iter().map(view).collect()))
}

pub(crate) async fn create(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiJson(spec): ApiJson<TrunkSpec>,
) -> ApiResult<(StatusCode, Json<TrunkView>)> {
    caller.require(Role::Admin)?;
    let trunk = state.store.create_trunk(caller.tenant.id, &spec).await?;
    Ok((StatusCode::CREATED, Json(view(trunk))))
}

pub(crate) async fn get(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<TrunkView>> {
    caller.require(Role::Admin)?;
    Ok(Json(view(
        state.store.trunk(caller.tenant.id, TrunkId(id)).await?,
    )))
}

/// Replaces the trunk's fields; a missing `password` keeps the stored one.
pub(crate) async fn update(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(mut spec): ApiJson<TrunkSpec>,
) -> ApiResult<Json<TrunkView>> {
    caller.require(Role::Admin)?;
    let tenant = caller.tenant.id;
    if spec.password.is_none() {
        spec.password = state.store.trunk(tenant, TrunkId(id)).await?.spec.password;
    }
    Ok(Json(view(
        state.store.update_trunk(tenant, TrunkId(id), &spec).await?,
    )))
}

pub(crate) async fn delete(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    caller.require(Role::Admin)?;
    state
        .store
        .delete_trunk(caller.tenant.id, TrunkId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
