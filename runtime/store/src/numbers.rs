//! Public numbers: each belongs to exactly one tenant across the platform, which is how an
//! inbound call finds its tenant.

use serde::{Deserialize, Serialize};

use crate::codec::col;
use crate::error::{Result, StoreError, conflict_as};
use crate::ids::{TenantId, UnixMs};
use crate::store::Store;

/// A public number and the tenant that owns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnedNumber {
    /// The number, normalised (E.164 where possible).
    pub number: String,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// What the number is for ("main line", "campaign B").
    pub label: Option<String>,
}

impl Store {
    /// Gives `number` (normalised with the tenant's country code) to the tenant;
    /// [`StoreError::Conflict`] if any tenant already owns it. Returns the stored form.
    pub async fn add_number(
        &self,
        tenant: TenantId,
        number: &str,
        label: Option<&str>,
    ) -> Result<String> {
        let number = self.normalise_for_tenant(tenant, number).await?;
        if number.is_empty() {
            return Err(StoreError::Invalid("number is empty".into()));
        }
        sqlx::query(
            "INSERT INTO numbers (number, tenant_id, label, created_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(&number)
        .bind(tenant.0)
        .bind(label)
        .bind(UnixMs::now().0)
        .execute(&self.pool)
        .await
        .map_err(conflict_as("number"))?;
        Ok(number)
    }

    /// Which tenant owns a dialled number (exactly as stored: normalise it first).
    /// This lookup is deliberately not tenant-scoped: it is how an inbound call finds its
    /// tenant.
    pub async fn tenant_for_number(&self, number: &str) -> Result<Option<TenantId>> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT tenant_id FROM numbers WHERE number = $1")
            .bind(number)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(id,)| TenantId(id)))
    }

    /// The tenant's numbers, sorted.
    pub async fn list_numbers(&self, tenant: TenantId) -> Result<Vec<OwnedNumber>> {
        let rows = sqlx::query(
            "SELECT number, tenant_id, label FROM numbers WHERE tenant_id = $1 ORDER BY number",
        )
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OwnedNumber {
                    number: col(row, "number")?,
                    tenant_id: TenantId(col(row, "tenant_id")?),
                    label: col(row, "label")?,
                })
            })
            .collect()
    }

    /// Releases a number of the tenant.
    pub async fn remove_number(&self, tenant: TenantId, number: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM numbers WHERE tenant_id = $1 AND number = $2")
            .bind(tenant.0)
            .bind(number)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("number"));
        }
        Ok(())
    }
}
