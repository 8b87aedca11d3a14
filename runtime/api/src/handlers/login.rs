//! User logins: `POST /api/v1/login` trades a tenant user's password for a session token
//! (usable as `Authorization: Bearer` wherever a tenant key is, with the user's role),
//! `POST /api/v1/logout` ends it. An unknown tenant, an unknown user, a user without a
//! password and a wrong password get the same 401 after the same slow hash check; attempts
//! are limited per source address and per user name (429 + Retry-After).

use std::net::{IpAddr, SocketAddr};

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::header::RETRY_AFTER;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use wasmphony_store::{MAX_NAME_LEN, Role, UnixMs, User, UserId};

use crate::auth::TenantCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::keys::{NewKey, SESSION_LIFETIME_MS, generate_session_token};
use crate::login_throttle::RetryAfter;
use crate::passwords::{MAX_PASSWORD_LEN, hash_password, verify_password};
use crate::state::ApiState;

/// The one answer to every failed login, whatever failed.
const LOGIN_FAILED: &str = "unknown tenant or user, or wrong password";

/// The peer address of the connection, when the server was started with connect info
/// (`into_make_service_with_connect_info`); without it every client shares one limit.
pub(crate) struct ClientAddr(Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(ClientAddr(peer))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginBody {
    /// The tenant's slug.
    tenant: String,
    /// The user's extension, or their display name if no other user has it.
    user: String,
    password: String,
}

#[derive(Debug, Serialize)]
struct LoginReply {
    /// The bearer token; shown once, only its hash is stored.
    token: String,
    /// When it stops working (Unix ms).
    expires: UnixMs,
    tenant: String,
    user: LoggedInUser,
}

#[derive(Debug, Serialize)]
struct LoggedInUser {
    id: UserId,
    extension: String,
    name: String,
    role: Role,
}

pub(crate) async fn login(
    State(state): State<ApiState>,
    ClientAddr(source): ClientAddr,
    ApiJson(body): ApiJson<LoginBody>,
) -> Response {
    match attempt(&state, source, body).await {
        Ok(reply) => Json(reply).into_response(),
        Err(Refusal::Error(error)) => error.into_response(),
        Err(Refusal::TooMany(wait)) => too_many_attempts(wait),
    }
}

enum Refusal {
    Error(ApiError),
    TooMany(RetryAfter),
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Refusal::Error(error)
    }
}

async fn attempt(
    state: &ApiState,
    source: Option<IpAddr>,
    body: LoginBody,
) -> Result<LoginReply, Refusal> {
    // Bounds first: they are the same for every user, so they tell nothing about one.
    if body.tenant.len() > MAX_NAME_LEN || body.user.len() > MAX_NAME_LEN {
        return Err(ApiError::BadRequest(format!(
            "tenant and user are at most {MAX_NAME_LEN} bytes"
        ))
        .into());
    }
    if body.password.len() > MAX_PASSWORD_LEN {
        return Err(ApiError::BadRequest(format!(
            "the password is at most {MAX_PASSWORD_LEN} bytes"
        ))
        .into());
    }
    let now = state.now();
    state
        .logins
        .throttle
        .lock()
        .attempt(source, &body.tenant, &body.user, now)
        .map_err(Refusal::TooMany)?;

    let user = find_user(state, &body.tenant, &body.user).await?;
    let stored = match user.as_ref().and_then(|user| user.password_hash.clone()) {
        Some(hash) => hash,
        None => stand_in_hash(state).await?,
    };
    let matches = verify_password(body.password, stored).await;
    let user = match user {
        Some(user) if matches && user.password_hash.is_some() => user,
        _ => return Err(ApiError::Unauthenticated(LOGIN_FAILED).into()),
    };

    // Housekeeping: sessions that ended are only rows now (one login keeps the table small).
    if let Err(error) = state.store.purge_user_sessions(now).await {
        tracing::warn!(%error, "could not delete ended login sessions");
    }
    let NewKey { secret, hash } = generate_session_token()?;
    let expires = now.plus_ms(SESSION_LIFETIME_MS);
    state
        .store
        .create_user_session(user.tenant_id, user.id, &hash, now, expires)
        .await
        .map_err(ApiError::from)?;
    Ok(LoginReply {
        token: secret,
        expires,
        tenant: body.tenant.trim().to_owned(),
        user: LoggedInUser {
            id: user.id,
            extension: user.extension,
            name: user.name,
            role: user.role,
        },
    })
}

/// The user a login names, if the tenant and the user exist.
async fn find_user(state: &ApiState, tenant: &str, login: &str) -> ApiResult<Option<User>> {
    let Some(tenant) = state.store.tenant_by_slug(tenant.trim()).await? else {
        return Ok(None);
    };
    Ok(state.store.user_for_login(tenant.id, login.trim()).await?)
}

/// The hash checked when there is no real one, made once per server from random bytes.
async fn stand_in_hash(state: &ApiState) -> ApiResult<String> {
    state
        .logins
        .stand_in_hash
        .get_or_try_init(|| async {
            let mut random = [0_u8; 16];
            getrandom::fill(&mut random)
                .map_err(|_| ApiError::Internal("the random number generator failed".into()))?;
            hash_password(hex::encode(random)).await
        })
        .await
        .cloned()
}

fn too_many_attempts(wait: RetryAfter) -> Response {
    let body = serde_json::json!({"error": {
        "code": "too_many_attempts",
        "message": format!("too many login attempts; retry in {} s", wait.seconds()),
    }});
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    if let Ok(seconds) = HeaderValue::from_str(&wait.seconds().to_string()) {
        response.headers_mut().insert(RETRY_AFTER, seconds);
    }
    response
}

/// Ends the caller's own session. API keys are not sessions: they are revoked with
/// `DELETE /api/v1/keys/{id}`.
pub(crate) async fn logout(
    caller: TenantCaller,
    State(state): State<ApiState>,
) -> ApiResult<StatusCode> {
    let login = caller.login.ok_or_else(|| {
        ApiError::BadRequest(
            "logout ends a login session; API keys are revoked with DELETE /api/v1/keys/{id}"
                .into(),
        )
    })?;
    state
        .store
        .revoke_user_session(caller.tenant.id, login.session, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
