//! The caller's tenant's phone numbers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use wasmphony_store::{OwnedNumber, Role};

use crate::auth::TenantCaller;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::state::ApiState;

/// A number to add.
#[derive(Debug, Deserialize)]
pub(crate) struct NumberBody {
    number: String,
    #[serde(default)]
    label: Option<String>,
}

/// The stored (normalised) form of an added number.
#[derive(Debug, Serialize)]
pub(crate) struct AddedNumber {
    number: String,
}

pub(crate) async fn list(
    caller: TenantCaller,
    State(state): State<ApiState>,
) -> ApiResult<Json<Vec<OwnedNumber>>> {
    Ok(Json(state.store.list_numbers(caller.tenant.id).await?))
}

pub(crate) async fn add(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiJson(body): ApiJson<NumberBody>,
) -> ApiResult<(StatusCode, Json<AddedNumber>)> {
    caller.require(Role::Admin)?;
    let number = state
        .store
        .add_number(caller.tenant.id, &body.number, body.label.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(AddedNumber { number })))
}

pub(crate) async fn remove(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(number): ApiPath<String>,
) -> ApiResult<StatusCode> {
    caller.require(Role::Admin)?;
    let number = state
        .store
        .normalise_for_tenant(caller.tenant.id, &number)
        .await?;
    state.store.remove_number(caller.tenant.id, &number).await?;
    Ok(StatusCode::NO_CONTENT)
}
