//! API keys of tenants: only a hash of each key is stored; the HTTP API hashes the bearer
//! token of a request and looks the hash up here.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::codec::{MAX_NAME_LEN, col, require_text};
use crate::error::{Result, StoreError, conflict_as};
use crate::ids::{ApiKeyId, TenantId, UnixMs};
use crate::store::Store;
use crate::users::Role;

/// One API key of a tenant (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// The key's id.
    pub id: ApiKeyId,
    /// The tenant whose objects the key reaches.
    pub tenant_id: TenantId,
    /// What the key is for ("crm sync", "wallboard").
    pub name: String,
    /// What the key may do within the tenant.
    pub role: Role,
    /// When it was created.
    pub created: UnixMs,
    /// When it was revoked; a revoked key authenticates nothing.
    pub revoked: Option<UnixMs>,
}

const API_KEY_COLUMNS: &str = "id, tenant_id, name, role, created_ms, revoked_ms";

fn api_key_from_row(row: &AnyRow) -> Result<ApiKey> {
    Ok(ApiKey {
        id: ApiKeyId(col(row, "id")?),
        tenant_id: TenantId(col(row, "tenant_id")?),
        name: col(row, "name")?,
        role: Role::parse(&col::<String>(row, "role")?)?,
        created: UnixMs(col(row, "created_ms")?),
        revoked: col::<Option<i64>>(row, "revoked_ms")?.map(UnixMs),
    })
}

impl Store {
    /// Stores a key of `tenant` by its hash (computed by the caller);
    /// [`StoreError::Conflict`] if the hash is already stored.
    pub async fn create_api_key(
        &self,
        tenant: TenantId,
        name: &str,
        role: Role,
        key_hash: &str,
        now: UnixMs,
    ) -> Result<ApiKey> {
        require_text("API key name", name, MAX_NAME_LEN)?;
        require_text("API key hash", key_hash, MAX_NAME_LEN)?;
        self.tenant_country(tenant).await?; // NotFound for an unknown tenant
        let row = sqlx::query(&format!(
            "INSERT INTO api_keys (tenant_id, name, role, key_hash, created_ms) VALUES ($1, $2, $3, $4, $5) \
             RETURNING {API_KEY_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(name)
        .bind(role.as_str())
        .bind(key_hash)
        .bind(now.0)
        .fetch_one(&self.pool)
        .await
        .map_err(conflict_as("API key"))?;
        api_key_from_row(&row)
    }

    /// The unrevoked key with this hash, whatever its tenant (platform-wide: this is how a
    /// request finds its tenant).
    pub async fn api_key_by_hash_all_tenants(&self, key_hash: &str) -> Result<Option<ApiKey>> {
        let row = sqlx::query(&format!(
            "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_ms IS NULL"
        ))
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(api_key_from_row).transpose()
    }

    /// The tenant's keys (revoked ones included), by id.
    pub async fn list_api_keys(&self, tenant: TenantId) -> Result<Vec<ApiKey>> {
        let rows = sqlx::query(&format!(
            "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY id"
        ))
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(api_key_from_row).collect()
    }

    /// Revokes one of the tenant's keys (revoking twice keeps the first time).
    pub async fn revoke_api_key(&self, tenant: TenantId, id: ApiKeyId, now: UnixMs) -> Result<()> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_ms = COALESCE(revoked_ms, $3) WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.0)
        .bind(id.0)
        .bind(now.0)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("API key"));
        }
        Ok(())
    }
}
