//! `PUT /api/v1/users/{id}/password`: an admin or supervisor sets a user's login password.
//! Only its slow salted hash is stored and it is never shown; setting it ends the user's
//! open sessions. Nobody sets the password of a user who outranks them.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use wasmphony_store::{Role, UserId};

use crate::auth::{TenantCaller, outranked_by};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::passwords::{hash_password, validate_new_password};
use crate::state::ApiState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordBody {
    password: String,
}

pub(crate) async fn set(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PasswordBody>,
) -> ApiResult<StatusCode> {
    caller.require(Role::Supervisor)?;
    let tenant = caller.tenant.id;
    let user = state.store.user(tenant, UserId(id)).await?;
    if !outranked_by(user.role, caller.role) {
        return Err(ApiError::Forbidden(format!(
            "a {} cannot set the password of a {}",
            caller.role, user.role
        )));
    }
    validate_new_password(&body.password)?;
    let hash = hash_password(body.password).await?;
    state
        .store
        .set_user_password(tenant, user.id, Some(&hash), state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
