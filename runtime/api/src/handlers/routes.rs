//! Routes (number -> scenario, fallback, working hours) of the caller's tenant.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use wasmphony_store::{Role, Route, RouteId, RouteSpec};

use crate::auth::TenantCaller;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::state::ApiState;

pub(crate) async fn list(
    caller: TenantCaller,
    State(state): State<ApiState>,
) -> ApiResult<Json<Vec<Route>>> {
    Ok(Json(state.store.list_routes(caller.tenant.id).await?))
}

pub(crate) async fn create(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiJson(spec): ApiJson<RouteSpec>,
) -> ApiResult<(StatusCode, Json<Route>)> {
    caller.require(Role::Admin)?;
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .store
                .create_route(caller.tenant.id, &spec, wasmphony_store::UnixMs::now())
                .await?,
        ),
    ))
}

pub(crate) async fn get(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Route>> {
    Ok(Json(
        state.store.route(caller.tenant.id, RouteId(id)).await?,
    ))
}

pub(crate) async fn update(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(spec): ApiJson<RouteSpec>,
) -> ApiResult<Json<Route>> {
    caller.require(Role::Admin)?;
    Ok(Json(
        state
            .store
            .update_route(caller.tenant.id, RouteId(id), &spec)
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
        .delete_route(caller.tenant.id, RouteId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
