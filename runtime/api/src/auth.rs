//! Who is calling: the bearer token of a request — an API key or a user's login session —
//! resolves to the platform administrator or to one tenant with a role. Handlers take
//! [`TenantCaller`] or [`PlatformAdmin`], so a tenant handler cannot run without a tenant,
//! and it only ever sees that tenant's id.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use wasmphony_store::{Role, Tenant, UserId, UserSessionId};

use crate::error::{ApiError, ApiResult};
use crate::keys::{SESSION_PREFIX, hash_key};
use crate::state::ApiState;

/// A request made with a tenant's key or a tenant user's session.
#[derive(Debug, Clone)]
pub(crate) struct TenantCaller {
    pub(crate) tenant: Tenant,
    pub(crate) role: Role,
    /// Who acts, for audit entries: `api-key:<id>:<name>` or `user:<id>:<name>`.
    pub(crate) actor: String,
    /// The logged-in user and their session; `None` for an API key.
    pub(crate) login: Option<Login>,
}

/// The user behind a session-authenticated request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Login {
    pub(crate) user: UserId,
    pub(crate) session: UserSessionId,
}

impl TenantCaller {
    /// Whether the caller's role is `needed` or above.
    pub(crate) fn has(&self, needed: Role) -> bool {
        rank(self.role) >= rank(needed)
    }

    /// Refuses callers whose role is below `needed` (admin > supervisor > agent).
    pub(crate) fn require(&self, needed: Role) -> ApiResult<()> {
        if self.has(needed) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this needs the {needed} role; the {} has {}",
                if self.login.is_some() { "user" } else { "key" },
                self.role
            )))
        }
    }

    /// Which calls the caller may search: `Ok(None)` all of the tenant's (supervisors and
    /// admins), `Ok(Some(user))` only those the logged-in agent took; an agent's API key,
    /// which belongs to nobody, may not search.
    pub(crate) fn call_scope(&self) -> ApiResult<Option<UserId>> {
        if self.has(Role::Supervisor) {
            return Ok(None);
        }
        match self.login {
            Some(login) => Ok(Some(login.user)),
            None => self.require(Role::Supervisor).map(|()| None),
        }
    }

    /// Whether the caller may read a call taken by `agent`: a logged-in agent sees only
    /// their own calls; keys and higher roles see the tenant's.
    pub(crate) fn may_read_call_of(&self, agent: Option<UserId>) -> bool {
        match self.login {
            Some(login) if !self.has(Role::Supervisor) => agent == Some(login.user),
            _ => true,
        }
    }
}

/// Whether `role` is at or below `other` (who may manage whom).
pub(crate) fn outranked_by(role: Role, other: Role) -> bool {
    rank(role) <= rank(other)
}

fn rank(role: Role) -> u8 {
    match role {
        Role::Agent => 0,
        Role::Supervisor => 1,
        Role::Admin => 2,
    }
}

/// A request made with the platform administrator's key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlatformAdmin;

fn bearer(parts: &Parts) -> ApiResult<&str> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or(ApiError::Unauthenticated(
            "missing Authorization: Bearer <key>",
        ))?;
    let text = header
        .to_str()
        .map_err(|_| ApiError::Unauthenticated("the Authorization header is not text"))?;
    text.strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .ok_or(ApiError::Unauthenticated(
            "expected Authorization: Bearer <key>",
        ))
}

impl FromRequestParts<ApiState> for TenantCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> ApiResult<Self> {
        let token = bearer(parts)?;
        if token.starts_with(SESSION_PREFIX) {
            return session_caller(state, &hash_key(token)).await;
        }
        let hash = hash_key(token);
        let key = state
            .store
            .api_key_by_hash_all_tenants(&hash)
            .await?
            .ok_or(ApiError::Unauthenticated("unknown or revoked API key"))?;
        let tenant = state.store.tenant(key.tenant_id).await?;
        let actor = format!("api-key:{}:{}", key.id, key.name);
        Ok(TenantCaller {
            tenant,
            role: key.role,
            actor,
            login: None,
        })
    }
}

/// The caller of a session token: the user's tenant and current role, if the session is
/// neither revoked nor expired by the state's clock.
async fn session_caller(state: &ApiState, hash: &str) -> ApiResult<TenantCaller> {
    let session = state
        .store
        .user_session_by_hash_all_tenants(hash, state.now())
        .await?
        .ok_or(ApiError::Unauthenticated(
            "unknown, expired or ended login session",
        ))?;
    let tenant = state.store.tenant(session.tenant_id).await?;
    Ok(TenantCaller {
        tenant,
        role: session.role,
        actor: format!("user:{}:{}", session.user_id, session.user_name),
        login: Some(Login {
            user: session.user_id,
            session: session.id,
        }),
    })
}

impl FromRequestParts<ApiState> for PlatformAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> ApiResult<Self> {
        let hash = hash_key(bearer(parts)?);
        if matches!(&state.admin_key_hash, Some(admin) if *admin == hash) {
            return Ok(PlatformAdmin);
        }
        // A tenant's valid key or session is known but not enough: 403, not 401.
        let known = state
            .store
            .api_key_by_hash_all_tenants(&hash)
            .await?
            .is_some()
            || state
                .store
                .user_session_by_hash_all_tenants(&hash, state.now())
                .await?
                .is_some();
        if known {
            Err(ApiError::Forbidden(
                "this needs the platform administrator's key".into(),
            ))
        } else {
            Err(ApiError::Unauthenticated("unknown or revoked API key"))
        }
    }
}
