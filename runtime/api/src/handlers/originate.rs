//! Click-to-call (agent role or above): `POST /calls/originate` rings the `from`
//! extension's phones, then calls `to` (an extension, or a number through the caller's
//! tenant's trunks) and connects the two. Answered `202` with the call's id at once; the
//! call then shows up like any call (live events, its CDR with source `click-to-call`).
//! Only an authenticated tenant key gets here, and the tenant passed on is the key's.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use wasmphony_store::Role;

use crate::auth::TenantCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::originator::{OriginateRefusal, OriginateRequest};
use crate::state::ApiState;

/// The body of `POST /calls/originate`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OriginateBody {
    from: String,
    to: String,
}

/// The call that was started.
#[derive(Debug, Serialize)]
pub(crate) struct Originated {
    call_id: String,
}

impl From<OriginateRefusal> for ApiError {
    fn from(refusal: OriginateRefusal) -> Self {
        let message = refusal.to_string();
        match refusal {
            OriginateRefusal::UnknownExtension(_) => ApiError::NotFound(message),
            OriginateRefusal::NoRegisteredPhone(_) => ApiError::Conflict(message),
            OriginateRefusal::InvalidTarget(_) | OriginateRefusal::NoTrunk(_) => {
                ApiError::Unprocessable(message)
            }
            OriginateRefusal::AtCapacity(_) => ApiError::Unavailable(message),
        }
    }
}

pub(crate) async fn originate(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiJson(body): ApiJson<OriginateBody>,
) -> ApiResult<(StatusCode, Json<Originated>)> {
    caller.require(Role::Agent)?;
    let originator = state.originator.as_ref().ok_or_else(|| {
        ApiError::Unavailable("click-to-call needs the phone side, which is not running".into())
    })?;
    let (from, to) = (body.from.trim(), body.to.trim());
    if from.is_empty() || to.is_empty() {
        return Err(ApiError::BadRequest("from and to are required".into()));
    }
    let request = OriginateRequest {
        tenant: &caller.tenant.slug,
        from,
        to,
    };
    let call_id = originator.originate(request)?;
    tracing::info!(tenant = %caller.tenant.slug, actor = %caller.actor, from, to, call = %call_id, "click-to-call");
    Ok((StatusCode::ACCEPTED, Json(Originated { call_id })))
}
