//! Call queues of the caller's tenant.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use wasmphony_store::{Queue, QueueId, QueueSpec, Role};

use crate::auth::TenantCaller;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::state::ApiState;

pub(crate) async fn list(
    caller: TenantCaller,
    State(state): State<ApiState>,
) -> ApiResult<Json<Vec<Queue>>> {
    Ok(Json(state.store.list_queues(caller.tenant.id).await?))
}

pub(crate) async fn create(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiJson(spec): ApiJson<QueueSpec>,
) -> ApiResult<(StatusCode, Json<Queue>)> {
    caller.require(Role::Admin)?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_queue(caller.tenant.id, &spec).await?),
    ))
}

pub(crate) async fn get(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Queue>> {
    Ok(Json(
        state.store.queue(caller.tenant.id, QueueId(id)).await?,
    ))
}

pub(crate) async fn update(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(spec): ApiJson<QueueSpec>,
) -> ApiResult<Json<Queue>> {
    caller.require(Role::Admin)?;
    Ok(Json(
        state
            .store
            .update_queue(caller.tenant.id, QueueId(id), &spec)
            .await?,
    ))
}

pub(crate) async fn delete(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    caller.require(Role::Admin)?;
    state
        .store
        .delete_queue(caller.tenant.id, QueueId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
