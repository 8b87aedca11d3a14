//! User logins: a user's password hash and the sessions a login hands out. Only hashes are
//! stored (a slow salted hash of the password, computed by the API layer; the SHA-256 of a
//! session token); the HTTP API hashes a request's bearer token and looks it up here.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::codec::{MAX_NAME_LEN, col, require_text};
use crate::error::{Result, StoreError};
use crate::ids::{TenantId, UnixMs, UserId, UserSessionId};
use crate::store::Store;
use crate::users::{Role, User};

/// A live login session with its user as of now (role changes apply at once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSession {
    /// The session's id.
    pub id: UserSessionId,
    /// The tenant of the user.
    pub tenant_id: TenantId,
    /// Who logged in.
    pub user_id: UserId,
    /// The user's display name (for audit entries).
    pub user_name: String,
    /// The user's current role.
    pub role: Role,
    /// When the login happened.
    pub created: UnixMs,
    /// When the session stops authenticating.
    pub expires: UnixMs,
}

fn session_from_row(row: &AnyRow) -> Result<UserSession> {
    Ok(UserSession {
        id: UserSessionId(col(row, "id")?),
        tenant_id: TenantId(col(row, "tenant_id")?),
        user_id: UserId(col(row, "user_id")?),
        user_name: col(row, "name")?,
        role: Role::parse(&col::<String>(row, "role")?)?,
        created: UnixMs(col(row, "created_ms")?),
        expires: UnixMs(col(row, "expires_ms")?),
    })
}

impl Store {
    /// The user a login names: by extension first, else by display name when exactly one
    /// user of the tenant has it (an ambiguous name logs nobody in).
    pub async fn user_for_login(&self, tenant: TenantId, login: &str) -> Result<Option<User>> {
        if let Some(user) = self.user_by_extension(tenant, login).await? {
            return Ok(Some(user));
        }
        let ids: Vec<(i64,)> =
            sqlx::query_as("SELECT id FROM users WHERE tenant_id = $1 AND name = $2 LIMIT 2")
                .bind(tenant.0)
                .bind(login)
                .fetch_all(&self.pool)
                .await?;
        match ids.as_slice() {
            [(id,)] => Ok(Some(self.user(tenant, UserId(*id)).await?)),
            _ => Ok(None),
        }
    }

    /// Sets (or with `None` clears) a user's password hash and ends the user's open
    /// sessions, in one transaction: a new password logs every old session out.
    pub async fn set_user_password(
        &self,
        tenant: TenantId,
        user: UserId,
        password_hash: Option<&str>,
        now: UnixMs,
    ) -> Result<()> {
        if let Some(hash) = password_hash {
            require_text("password hash", hash, MAX_NAME_LEN)?;
        }
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("UPDATE users SET password_hash = $3 WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.0)
                .bind(user.0)
                .bind(password_hash)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        sqlx::query(
            "UPDATE user_sessions SET revoked_ms = $3 \
             WHERE tenant_id = $1 AND user_id = $2 AND revoked_ms IS NULL",
        )
        .bind(tenant.0)
        .bind(user.0)
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a session of `user` by its token's hash (computed by the caller), valid
    /// until `expires`.
    pub async fn create_user_session(
        &self,
        tenant: TenantId,
        user: UserId,
        token_hash: &str,
        now: UnixMs,
        expires: UnixMs,
    ) -> Result<UserSessionId> {
        require_text("session token hash", token_hash, MAX_NAME_LEN)?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO user_sessions (tenant_id, user_id, token_hash, created_ms, expires_ms) \
             SELECT tenant_id, id, $3, $4, $5 FROM users WHERE tenant_id = $1 AND id = $2 \
             RETURNING id",
        )
        .bind(tenant.0)
        .bind(user.0)
        .bind(token_hash)
        .bind(now.0)
        .bind(expires.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
        Ok(UserSessionId(id))
    }

    /// The session with this token hash if it is neither revoked nor expired at `now`,
    /// whatever its tenant (platform-wide: this is how a request finds its tenant).
    pub async fn user_session_by_hash_all_tenants(
        &self,
        token_hash: &str,
        now: UnixMs,
    ) -> Result<Option<UserSession>> {
        let row = sqlx::query(
            "SELECT s.id, s.tenant_id, s.user_id, u.name, u.role, s.created_ms, s.expires_ms \
             FROM user_sessions s JOIN users u ON u.id = s.user_id AND u.tenant_id = s.tenant_id \
             WHERE s.token_hash = $1 AND s.revoked_ms IS NULL AND s.expires_ms > $2",
        )
        .bind(token_hash)
        .bind(now.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(session_from_row).transpose()
    }

    /// Ends one session of the tenant (ending it twice keeps the first time).
    pub async fn revoke_user_session(
        &self,
        tenant: TenantId,
        id: UserSessionId,
        now: UnixMs,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE user_sessions SET revoked_ms = COALESCE(revoked_ms, $3) \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.0)
        .bind(id.0)
        .bind(now.0)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("session"));
        }
        Ok(())
    }

    /// Deletes sessions that expired or were revoked before `before` (housekeeping; they
    /// authenticate nothing anyway). Returns how many went.
    pub async fn purge_user_sessions(&self, before: UnixMs) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM user_sessions WHERE expires_ms < $1 OR revoked_ms < $1")
                .bind(before.0)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected())
    }
}
