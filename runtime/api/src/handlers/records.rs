//! Tenant records (orders, bookings, trips): create, get, list by status, change status or
//! fields.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value};
use wasmphony_store::{MAX_RECORDS_PER_QUERY, NewRecord, Record, RecordId, UnixMs};

use crate::auth::TenantCaller;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::ApiState;

pub(crate) async fn create(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiJson(new): ApiJson<NewRecord>,
) -> ApiResult<(StatusCode, Json<Record>)> {
    let record = state
        .store
        .create_record(caller.tenant.id, &new, UnixMs::now())
        .await?;
    Ok((StatusCode::CREATED, Json(record)))
}

pub(crate) async fn get(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Record>> {
    Ok(Json(
        state.store.record(caller.tenant.id, RecordId(id)).await?,
    ))
}

/// Which records to list.
#[derive(Debug, Deserialize)]
pub(crate) struct RecordQuery {
    kind: String,
    status: String,
    limit: Option<u32>,
}

pub(crate) async fn list(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiQuery(query): ApiQuery<RecordQuery>,
) -> ApiResult<Json<Vec<Record>>> {
    let limit = query.limit.unwrap_or(MAX_RECORDS_PER_QUERY);
    let records = state
        .store
        .records_by_status(caller.tenant.id, &query.kind, &query.status, limit)
        .await?;
    Ok(Json(records))
}

/// A new status and due time.
#[derive(Debug, Deserialize)]
pub(crate) struct StatusBody {
    status: String,
    #[serde(default)]
    due: Option<UnixMs>,
}

pub(crate) async fn set_status(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<StatusBody>,
) -> ApiResult<Json<Record>> {
    let record = state
        .store
        .set_record_status(
            caller.tenant.id,
            RecordId(id),
            &body.status,
            body.due,
            UnixMs::now(),
        )
        .await?;
    Ok(Json(record))
}

pub(crate) async fn set_fields(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(fields): ApiJson<Map<String, Value>>,
) -> ApiResult<Json<Record>> {
    let record = state
        .store
        .set_record_fields(caller.tenant.id, RecordId(id), &fields, UnixMs::now())
        .await?;
    Ok(Json(record))
}
