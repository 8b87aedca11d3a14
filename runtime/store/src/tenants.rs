//! Tenants: the customer companies on the platform, and their country code for numbers.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::codec::{MAX_NAME_LEN, col, require_text};
use crate::error::{Result, StoreError, conflict_as};
use crate::ids::{TenantId, UnixMs};
use crate::number::normalise_number;
use crate::store::Store;

/// One customer company on the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// The tenant's id.
    pub id: TenantId,
    /// Short unique name used in URLs and config files (`demo`, `pizza-hut-berlin`).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Country calling code (digits) used to normalise national numbers; may be empty.
    pub country_code: String,
    /// When the tenant was created.
    pub created: UnixMs,
}

/// What [`Store::create_tenant`] needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTenant {
    /// Short unique name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Country calling code (digits, an optional leading `+` is dropped); may be empty.
    pub country_code: String,
}

fn tenant_from_row(row: &AnyRow) -> Result<Tenant> {
    Ok(Tenant {
        id: TenantId(col(row, "id")?),
        slug: col(row, "slug")?,
        name: col(row, "name")?,
        country_code: col(row, "country_code")?,
        created: UnixMs(col(row, "created_ms")?),
    })
}

const TENANT_COLUMNS: &str = "id, slug, name, country_code, created_ms";

impl Store {
    /// Creates a tenant; [`StoreError::Conflict`] if the slug is taken.
    pub async fn create_tenant(&self, new: &NewTenant) -> Result<Tenant> {
        require_text("tenant slug", &new.slug, MAX_NAME_LEN)?;
        let country = new.country_code.trim().trim_start_matches('+');
        if !country.bytes().all(|b| b.is_ascii_digit()) || country.len() > 3 {
            return Err(StoreError::Invalid(format!(
                "country code {country:?} is not 1-3 digits"
            )));
        }
        let row = sqlx::query(&format!(
            "INSERT INTO tenants (slug, name, country_code, created_ms) VALUES ($1, $2, $3, $4) \
             RETURNING {TENANT_COLUMNS}"
        ))
        .bind(&new.slug)
        .bind(&new.name)
        .bind(country)
        .bind(UnixMs::now().0)
        .fetch_one(&self.pool)
        .await
        .map_err(conflict_as("tenant"))?;
        tenant_from_row(&row)
    }

    /// Renames a tenant and sets its country code (the slug stays: it is the tenant's key).
    pub async fn update_tenant(
        &self,
        id: TenantId,
        name: &str,
        country_code: &str,
    ) -> Result<Tenant> {
        require_text("tenant name", name, MAX_NAME_LEN)?;
        let country = country_code.trim().trim_start_matches('+');
        if !country.bytes().all(|b| b.is_ascii_digit()) || country.len() > 3 {
            return Err(StoreError::Invalid(format!(
                "country code {country:?} is not 1-3 digits"
            )));
        }
        let row = sqlx::query(&format!(
            "UPDATE tenants SET name = $2, country_code = $3 WHERE id = $1 RETURNING {TENANT_COLUMNS}"
        ))
        .bind(id.0)
        .bind(name)
        .bind(country)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("tenant"))?;
        tenant_from_row(&row)
    }

    /// One tenant by id.
    pub async fn tenant(&self, id: TenantId) -> Result<Tenant> {
        let row = sqlx::query(&format!(
            "SELECT {TENANT_COLUMNS} FROM tenants WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("tenant"))?;
        tenant_from_row(&row)
    }

    /// One tenant by slug, if it exists.
    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>> {
        let row = sqlx::query(&format!(
            "SELECT {TENANT_COLUMNS} FROM tenants WHERE slug = $1"
        ))
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(tenant_from_row).transpose()
    }

    /// All tenants, by id (platform administration only).
    pub async fn list_tenants(&self) -> Result<Vec<Tenant>> {
        let rows = sqlx::query(&format!("SELECT {TENANT_COLUMNS} FROM tenants ORDER BY id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(tenant_from_row).collect()
    }

    /// The tenant's country code (for number normalisation); NotFound if no such tenant.
    pub(crate) async fn tenant_country(&self, tenant: TenantId) -> Result<String> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT country_code FROM tenants WHERE id = $1")
                .bind(tenant.0)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(country,)| country)
            .ok_or(StoreError::NotFound("tenant"))
    }

    /// The tenant's normalised form of `raw` (E.164 where possible).
    pub async fn normalise_for_tenant(&self, tenant: TenantId, raw: &str) -> Result<String> {
        Ok(normalise_number(raw, &self.tenant_country(tenant).await?))
    }
}
