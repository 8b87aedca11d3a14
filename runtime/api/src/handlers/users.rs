//! Users and agents of the caller's tenant. Password hashes never leave the server.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use wasmphony_store::{Device, Role, Skill, User, UserId, UserSpec};

use crate::auth::TenantCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::state::ApiState;

/// The editable fields of a user as the API takes them (no password hash).
#[derive(Debug, Deserialize)]
pub(crate) struct UserBody {
    extension: String,
    name: String,
    #[serde(default)]
    department: Option<String>,
    role: Role,
    #[serde(default)]
    skills: Vec<Skill>,
    #[serde(default)]
    devices: Vec<Device>,
}

impl UserBody {
    fn into_spec(self, password_hash: Option<String>) -> UserSpec {
        UserSpec {
            extension: self.extension,
            name: self.name,
            department: self.department,
            role: self.role,
            skills: self.skills,
            password_hash,
            devices: self.devices,
        }
    }
}

/// A user as JSON, without the password hash.
fn view(user: &User) -> ApiResult<Value> {
    let mut value = serde_json::to_value(user)
        .map_err(|_| ApiError::Internal("could not encode the user".into()))?;
    if let Some(object) = value.as_object_mut() {
        object.remove("password_hash");
    }
    Ok(value)
}

pub(crate) async fn list(
    caller: TenantCaller,
    State(state): State<ApiState>,
) -> ApiResult<Json<Vec<Value>>> {
    let users = state.store.list_users(caller.tenant.id).await?;
    Ok(Json(users.iter().map(view).collect::<ApiResult<_>>()?))
}

pub(crate) async fn create(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiJson(body): ApiJson<UserBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Role::Admin)?;
    let user = state
        .store
        .create_user(caller.tenant.id, &body.into_spec(None))
        .await?;
    Ok((StatusCode::CREATED, Json(view(&user)?)))
}

pub(crate) async fn get(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(view(
        &state.store.user(caller.tenant.id, UserId(id)).await?,
    )?))
}

pub(crate) async fn update(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UserBody>,
) -> ApiResult<Json<Value>> {
    caller.require(Role::Admin)?;
    let tenant = caller.tenant.id;
    let existing = state.store.user(tenant, UserId(id)).await?;
    let spec = body.into_spec(existing.password_hash);
    Ok(Json(view(
        &state.store.update_user(tenant, UserId(id), &spec).await?,
    )?))
}

pub(crate) async fn delete(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    caller.require(Role::Admin)?;
    state
        .store
        .delete_user(caller.tenant.id, UserId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which of the user's SIP phones gets which digest secret.
#[derive(Debug, Deserialize)]
pub(crate) struct SipSecretBody {
    username: String,
    secret: String,
}

/// Sets the digest secret a phone of this user registers with. The phone must be one
/// of the user's SIP devices; the secret is never shown again.
pub(crate) async fn set_sip_secret(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SipSecretBody>,
) -> ApiResult<StatusCode> {
    caller.require(Role::Admin)?;
    let tenant = caller.tenant.id;
    let user = state.store.user(tenant, UserId(id)).await?;
    let owns = user
        .devices
        .iter()
        .any(|device| matches!(device, Device::Sip { username } if *username == body.username));
    if !owns {
        return Err(ApiError::NotFound(format!(
            "user {id} has no SIP phone {:?}",
            body.username
        )));
    }
    state
        .store
        .set_sip_secret(tenant, &body.username, &body.secret)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
