//! Who is calling: the bearer key of a request resolves to the platform administrator or
//! to one tenant with a role. Handlers take [`TenantCaller`] or [`PlatformAdmin`], so a
//! tenant handler cannot run without a tenant, and it only ever sees that tenant's id.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use wasmphony_store::{Role, Tenant};

use crate::error::{ApiError, ApiResult};
use crate::keys::hash_key;
use crate::state::ApiState;

/// A request made with a tenant's key.
#[derive(Debug, Clone)]
pub(crate) struct TenantCaller {
    pub(crate) tenant: Tenant,
    pub(crate) role: Role,
    /// Who acts, for audit entries: `api-key:<id>:<name>`.
    pub(crate) actor: String,
}

impl TenantCaller {
    /// Refuses callers whose role is below `needed` (admin > supervisor > agent).
    pub(crate) fn require(&self, needed: Role) -> ApiResult<()> {
        if rank(self.role) >= rank(needed) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this needs the {needed} role; the key has {}",
                self.role
            )))
        }
    }
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
        let hash = hash_key(bearer(parts)?);
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
        })
    }
}

impl FromRequestParts<ApiState> for PlatformAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> ApiResult<Self> {
        let hash = hash_key(bearer(parts)?);
        match &state.admin_key_hash {
            Some(admin) if *admin == hash => Ok(PlatformAdmin),
            _ if state
                .store
                .api_key_by_hash_all_tenants(&hash)
                .await?
                .is_some() =>
            {
                Err(ApiError::Forbidden(
                    "this needs the platform administrator's key".into(),
                ))
            }
            _ => Err(ApiError::Unauthenticated("unknown or revoked API key")),
        }
    }
}
