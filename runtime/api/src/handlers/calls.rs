//! Calls: live calls, CDR search with filters and paging, streamed CSV export, one call and
//! its event timeline.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use wasmphony_store::{
    Call, CallEvent, CallFilter, CallId, Direction, Disposition, Page, Role, TenantId, UnixMs,
    UserId,
};

use crate::auth::TenantCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, ApiQuery};
use crate::state::ApiState;

/// Page size when the query gives none.
const DEFAULT_PAGE_SIZE: u32 = 100;

/// CSV batches buffered between the database and a slow client; the export waits for the
/// client instead of reading the whole result into memory.
const EXPORT_BUFFERED_BATCHES: usize = 2;

/// The filters and page of a call search, as query parameters (times in Unix ms).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CallQuery {
    since: Option<i64>,
    until: Option<i64>,
    number: Option<String>,
    agent: Option<i64>,
    disposition: Option<String>,
    tag: Option<String>,
    source: Option<String>,
    direction: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
}

impl CallQuery {
    fn filter(&self) -> ApiResult<CallFilter> {
        let disposition = self
            .disposition
            .as_deref()
            .map(Disposition::parse)
            .transpose()
            .map_err(|_| ApiError::BadRequest("unknown disposition".into()))?;
        let direction = self
            .direction
            .as_deref()
            .map(Direction::parse)
            .transpose()
            .map_err(|_| ApiError::BadRequest("direction is inbound or outbound".into()))?;
        Ok(CallFilter {
            since: self.since.map(UnixMs),
            until: self.until.map(UnixMs),
            number: self.number.clone(),
            agent: self.agent.map(UserId),
            disposition,
            tag: self.tag.clone(),
            source: self.source.clone(),
            direction,
        })
    }

    fn page(&self) -> Page {
        Page {
            limit: self.limit.unwrap_or(DEFAULT_PAGE_SIZE),
            offset: self.offset.unwrap_or(0),
        }
    }
}

/// One page of a search and how many calls match in all.
#[derive(Debug, Serialize)]
pub(crate) struct CallPage {
    total: u64,
    calls: Vec<Call>,
}

pub(crate) async fn live(
    caller: TenantCaller,
    State(state): State<ApiState>,
) -> ApiResult<Json<Vec<Call>>> {
    Ok(Json(state.store.live_calls(caller.tenant.id).await?))
}

pub(crate) async fn search(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiQuery(query): ApiQuery<CallQuery>,
) -> ApiResult<Json<CallPage>> {
    let mut filter = query.filter()?;
    if let Some(own) = caller.call_scope()? {
        filter.agent = Some(own);
    }
    let tenant = caller.tenant.id;
    let calls = state
        .store
        .search_calls(tenant, &filter, query.page())
        .await?;
    let total = state.store.count_calls(tenant, &filter).await?;
    Ok(Json(CallPage { total, calls }))
}

/// Streams the matching calls as CSV, batch by batch, newest first.
pub(crate) async fn export_csv(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiQuery(query): ApiQuery<CallQuery>,
) -> ApiResult<Response> {
    caller.require(Role::Supervisor)?;
    let filter = query.filter()?;
    let tenant = caller.tenant.id;
    // The first batch is read before answering, so a failure is still a JSON error.
    let (first, cursor) = state
        .store
        .export_calls_csv_batch(tenant, &filter, None)
        .await?;
    let (sender, receiver) =
        mpsc::channel::<Result<Vec<u8>, std::io::Error>>(EXPORT_BUFFERED_BATCHES);
    tokio::spawn(stream_rest(state, tenant, filter, first, cursor, sender));
    let headers = [
        (CONTENT_TYPE, "text/csv; charset=utf-8"),
        (CONTENT_DISPOSITION, "attachment; filename=\"calls.csv\""),
    ];
    Ok((headers, Body::from_stream(ReceiverStream::new(receiver))).into_response())
}

async fn stream_rest(
    state: ApiState,
    tenant: TenantId,
    filter: CallFilter,
    first: Vec<u8>,
    mut cursor: Option<wasmphony_store::CsvCursor>,
    sender: mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
) {
    if sender.send(Ok(first)).await.is_err() {
        return; // the client went away
    }
    while let Some(after) = cursor.take() {
        let batch = match state
            .store
            .export_calls_csv_batch(tenant, &filter, Some(&after))
            .await
        {
            Ok((bytes, next)) => {
                cursor = next;
                Ok(bytes)
            }
            // Cutting the body short tells the client the export is incomplete.
            Err(error) => Err(std::io::Error::other(error.to_string())),
        };
        let failed = batch.is_err();
        if sender.send(batch).await.is_err() || failed {
            return;
        }
    }
}

pub(crate) async fn get(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Call>> {
    let call = state.store.call(caller.tenant.id, &CallId(id)).await?;
    if !caller.may_read_call_of(call.agent) {
        return Err(ApiError::NotFound("call not found".into()));
    }
    Ok(Json(call))
}

pub(crate) async fn events(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<CallEvent>>> {
    let tenant = caller.tenant.id;
    let id = CallId(id);
    let call = state.store.call(tenant, &id).await?; // 404 rather than an empty timeline
    if !caller.may_read_call_of(call.agent) {
        return Err(ApiError::NotFound("call not found".into()));
    }
    Ok(Json(state.store.call_events(tenant, &id).await?))
}
