//! The website callback widget's public route: `POST /widget/{key}/callback` files a
//! callback request on the key's tenant's missed-call list (reason `widget`), to be called
//! back now or at the chosen time by the auto-callback dialer (agent first, then the
//! visitor, within working hours). No bearer key: the widget key in the path is public
//! (it sits in a web page), so it can do nothing but this, and requests are rate-limited
//! per source address (checked first, before any lookup) and per widget key.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header::ACCESS_CONTROL_ALLOW_ORIGIN};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use wasmphony_store::{CallbackTask, UnixMs, WidgetCallback, WidgetFiling};

use crate::callback_number::callback_number;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiBytes, ApiPath};
use crate::keys::hash_key;
use crate::rfc3339::parse_unix_ms;
use crate::state::ApiState;

/// Furthest ahead a visitor may ask to be called.
pub const MAX_CALLBACK_AHEAD_MS: i64 = 30 * 24 * 3_600_000;
/// How far in the past `at` may lie and still mean "now" (clock skew of the visitor's
/// browser, the time it took to submit the form).
pub const AT_PAST_TOLERANCE_MS: i64 = 5 * 60_000;
/// Longest name a visitor may give.
pub const MAX_VISITOR_NAME_LEN: usize = 100;

/// The peer's address, when the server was started with connect info; one shared
/// bucket ("unspecified") otherwise.
pub(crate) struct SourceIp(IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for SourceIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
        Ok(SourceIp(ip))
    }
}

/// The widget's request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CallbackRequest {
    /// The visitor's number, as typed.
    number: String,
    /// When to call (RFC 3339); absent: as soon as an agent is free.
    #[serde(default)]
    at: Option<String>,
    /// The visitor's name, if given.
    #[serde(default)]
    name: Option<String>,
}

/// What the widget learns: that the request is on the list, and when it is due. Nothing
/// else of the tenant's is shown.
#[derive(Debug, Serialize)]
pub(crate) struct CallbackAccepted {
    id: i64,
    number: String,
    due_ms: i64,
    state: String,
    /// `false` when the number already had an open request (nothing new was filed).
    filed: bool,
}

impl CallbackAccepted {
    fn from_task(task: &CallbackTask, filed: bool) -> Self {
        CallbackAccepted {
            id: task.id.0,
            number: task.number.clone(),
            due_ms: task.due.0,
            state: task.state.as_str().to_string(),
            filed,
        }
    }
}

fn too_many(what: &str, wait: std::time::Duration) -> ApiError {
    ApiError::TooManyRequests {
        message: format!("too many callback requests {what}; try again later"),
        retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
    }
}

/// Files the request; any page may read the answer (the widget runs on the tenant's site,
/// and the answer holds nothing but the request). The body is read whatever its
/// Content-Type, so a page can send it as `text/plain` without a CORS preflight.
pub(crate) async fn request_callback(
    state: State<ApiState>,
    source: SourceIp,
    widget_key: ApiPath<String>,
    body: ApiBytes,
) -> Response {
    let mut response = file_request(state, source, widget_key, body)
        .await
        .into_response();
    response
        .headers_mut()
        .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

async fn file_request(
    State(state): State<ApiState>,
    SourceIp(source): SourceIp,
    ApiPath(widget_key): ApiPath<String>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<(StatusCode, Json<CallbackAccepted>)> {
    // The source's bucket first: unknown keys and malformed bodies cost a token too.
    let checked = state
        .widget_limits
        .lock()
        .per_source
        .check(&source, Instant::now());
    checked.map_err(|wait| too_many("from this address", wait))?;
    let request: CallbackRequest = serde_json::from_slice(&body)
        .map_err(|error| ApiError::BadRequest(format!("malformed JSON body: {error}")))?;
    let key = state
        .store
        .widget_key_by_hash_all_tenants(&hash_key(&widget_key))
        .await?
        .ok_or_else(|| ApiError::NotFound("unknown or revoked widget key".into()))?;
    let checked = state
        .widget_limits
        .lock()
        .per_key
        .check(&key.id.0, Instant::now());
    checked.map_err(|wait| too_many("for this widget", wait))?;

    let tenant = state.store.tenant(key.tenant_id).await?;
    let number = callback_number(&request.number, &tenant.country_code)
        .map_err(|problem| ApiError::Unprocessable(format!("the number {problem}")))?;
    let now = UnixMs::now();
    let due = match &request.at {
        None => now,
        Some(at) => {
            let at = parse_unix_ms(at).ok_or_else(|| {
                ApiError::BadRequest(
                    "at must be an RFC 3339 time, e.g. 2026-12-03T17:30:00Z".into(),
                )
            })?;
            if at < now.0 - AT_PAST_TOLERANCE_MS {
                return Err(ApiError::Unprocessable("at is in the past".into()));
            }
            if at > now.0 + MAX_CALLBACK_AHEAD_MS {
                return Err(ApiError::Unprocessable(
                    "at is more than 30 days ahead".into(),
                ));
            }
            UnixMs(at.max(now.0))
        }
    };
    let name = request
        .name
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty());
    if name.as_ref().is_some_and(|name| {
        name.chars().count() > MAX_VISITOR_NAME_LEN || name.chars().any(char::is_control)
    }) {
        return Err(ApiError::Unprocessable(format!(
            "name must be at most {MAX_VISITOR_NAME_LEN} printable characters"
        )));
    }
    let callback = WidgetCallback { number, due, name };
    match state
        .store
        .file_widget_callback(&key, &callback, now)
        .await?
    {
        WidgetFiling::Filed(task) => Ok((
            StatusCode::CREATED,
            Json(CallbackAccepted::from_task(&task, true)),
        )),
        WidgetFiling::AlreadyOpen(task) => Ok((
            StatusCode::OK,
            Json(CallbackAccepted::from_task(&task, false)),
        )),
    }
}
