//! Callback tasks (the missed-call list): list, claim one, report how it went.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use wasmphony_store::{
    CallId, CallbackOutcome, CallbackState, CallbackTask, CallbackTaskId, UnixMs,
};

use crate::auth::TenantCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::handlers::contacts::PageQuery;
use crate::state::ApiState;

/// Which tasks to list.
#[derive(Debug, Deserialize)]
pub(crate) struct CallbackQuery {
    state: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
}

pub(crate) async fn list(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiQuery(query): ApiQuery<CallbackQuery>,
) -> ApiResult<Json<Vec<CallbackTask>>> {
    let wanted = query
        .state
        .as_deref()
        .map(CallbackState::parse)
        .transpose()
        .map_err(|_| ApiError::BadRequest("state is new, in_progress, done or failed".into()))?;
    let page = PageQuery::from_parts(query.limit, query.offset).page();
    Ok(Json(
        state
            .store
            .list_callbacks(caller.tenant.id, wanted, page)
            .await?,
    ))
}

pub(crate) async fn claim(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CallbackTask>> {
    let task = state
        .store
        .claim_callback(
            caller.tenant.id,
            CallbackTaskId(id),
            &caller.actor,
            UnixMs::now(),
        )
        .await?;
    Ok(Json(task))
}

/// How a claimed attempt went.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum OutcomeKind {
    Done,
    Failed,
    Retry,
}

/// The body of `POST /callbacks/{id}/done`.
#[derive(Debug, Deserialize)]
pub(crate) struct FinishBody {
    outcome: OutcomeKind,
    /// For `retry`: not before this time (Unix ms).
    #[serde(default)]
    retry_at: Option<UnixMs>,
    /// The call that made the attempt, if any.
    #[serde(default)]
    call: Option<String>,
}

pub(crate) async fn finish(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<FinishBody>,
) -> ApiResult<Json<CallbackTask>> {
    let outcome = match (body.outcome, body.retry_at) {
        (OutcomeKind::Done, _) => CallbackOutcome::Done,
        (OutcomeKind::Failed, _) => CallbackOutcome::Failed,
        (OutcomeKind::Retry, Some(due)) => CallbackOutcome::Retry { due },
        (OutcomeKind::Retry, None) => {
            return Err(ApiError::BadRequest("a retry needs retry_at".into()));
        }
    };
    let call = body.call.map(CallId);
    let task = state
        .store
        .finish_callback(
            caller.tenant.id,
            CallbackTaskId(id),
            outcome,
            call.as_ref(),
            UnixMs::now(),
        )
        .await?;
    Ok(Json(task))
}
