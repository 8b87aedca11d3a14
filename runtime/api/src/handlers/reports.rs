//! Reports over the caller's tenant's calls (supervisor role): the store's report queries
//! over a period given as `since`/`until` (Unix ms).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use wasmphony_store::{
    DEFAULT_SERVICE_LEVEL_MS, GroupCount, Period, Role, ServiceSummary, UnixMs, UserId,
    WeekdayHour, WidgetReport,
};

use crate::auth::TenantCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::ApiState;

/// The period and report options.
#[derive(Debug, Deserialize)]
pub(crate) struct ReportQuery {
    since: i64,
    until: i64,
    /// Service level threshold for the summary.
    threshold_ms: Option<i64>,
    /// The tenant's offset from UTC for weekday/hour buckets.
    utc_offset_minutes: Option<i32>,
    /// Shortest talk for a target call.
    min_talk_ms: Option<i64>,
}

impl ReportQuery {
    fn period(&self) -> ApiResult<Period> {
        if self.until <= self.since {
            return Err(ApiError::BadRequest("until must be after since".into()));
        }
        Ok(Period {
            since: UnixMs(self.since),
            until: UnixMs(self.until),
        })
    }
}

/// The service summary with its derived percentages.
#[derive(Debug, Serialize)]
pub(crate) struct SummaryView {
    #[serde(flatten)]
    summary: ServiceSummary,
    service_level_percent: Option<f64>,
    abandonment_percent: Option<f64>,
    average_wait_ms: Option<i64>,
    average_talk_ms: Option<i64>,
    target_calls: u64,
}

/// Talk time that makes a first call a target call when the query gives none.
const DEFAULT_TARGET_TALK_MS: i64 = 30_000;

pub(crate) async fn summary(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> ApiResult<Json<SummaryView>> {
    caller.require(Role::Supervisor)?;
    let (tenant, period) = (caller.tenant.id, query.period()?);
    let threshold = query.threshold_ms.unwrap_or(DEFAULT_SERVICE_LEVEL_MS);
    let summary = state
        .store
        .service_summary(tenant, period, threshold)
        .await?;
    let min_talk = query.min_talk_ms.unwrap_or(DEFAULT_TARGET_TALK_MS);
    let target_calls = state.store.target_calls(tenant, period, min_talk).await?;
    Ok(Json(SummaryView {
        service_level_percent: summary.service_level_percent(),
        abandonment_percent: summary.abandonment_percent(),
        average_wait_ms: summary.average_wait_ms(),
        average_talk_ms: summary.average_talk_ms(),
        summary,
        target_calls,
    }))
}

pub(crate) async fn by_agent(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> ApiResult<Json<Vec<GroupCount<UserId>>>> {
    caller.require(Role::Supervisor)?;
    Ok(Json(
        state
            .store
            .calls_by_agent(caller.tenant.id, query.period()?)
            .await?,
    ))
}

pub(crate) async fn by_source(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> ApiResult<Json<Vec<GroupCount<Option<String>>>>> {
    caller.require(Role::Supervisor)?;
    Ok(Json(
        state
            .store
            .calls_by_source(caller.tenant.id, query.period()?)
            .await?,
    ))
}

pub(crate) async fn by_tag(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> ApiResult<Json<Vec<GroupCount<String>>>> {
    caller.require(Role::Supervisor)?;
    Ok(Json(
        state
            .store
            .calls_by_tag(caller.tenant.id, query.period()?)
            .await?,
    ))
}

pub(crate) async fn by_weekday_hour(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> ApiResult<Json<Vec<GroupCount<WeekdayHour>>>> {
    caller.require(Role::Supervisor)?;
    let offset = query.utc_offset_minutes.unwrap_or(0);
    let rows = state
        .store
        .calls_by_weekday_hour(caller.tenant.id, query.period()?, offset)
        .await?;
    Ok(Json(rows))
}

/// Callback-widget effectiveness: requests filed in the period and how they went.
pub(crate) async fn widget(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> ApiResult<Json<WidgetReport>> {
    caller.require(Role::Supervisor)?;
    Ok(Json(
        state
            .store
            .widget_report(caller.tenant.id, query.period()?)
            .await?,
    ))
}
