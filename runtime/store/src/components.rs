//! Components (scenarios) and their versions: content hash, world, the bytes or a path,
//! which version is active, which is the canary and for what share of new calls.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::codec::{MAX_NAME_LEN, col, require_text};
use crate::error::{Result, StoreError, conflict_as};
use crate::ids::{ComponentId, TenantId, UnixMs};
use crate::store::Store;

/// Largest component stored inside the database; bigger ones are stored as a file path.
pub const MAX_INLINE_COMPONENT_BYTES: usize = 64 * 1024 * 1024;

/// A named scenario of a tenant and which of its versions run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    /// The component's id.
    pub id: ComponentId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// Its name (what routes refer to).
    pub name: String,
    /// The highest version number uploaded.
    pub latest_version: u32,
    /// The version new calls get.
    pub active_version: Option<u32>,
    /// The version active before the current one (the rollback target).
    pub previous_active_version: Option<u32>,
    /// A candidate version that gets `canary_percent` of new calls.
    pub canary_version: Option<u32>,
    /// Share of new calls (0-100) that get the canary.
    pub canary_percent: u8,
    /// When it was created.
    pub created: UnixMs,
}

impl Component {
    /// Which version a new call runs, given a uniform roll in `0..100` chosen by the caller
    /// (so tests and replays are deterministic).
    pub fn version_for_roll(&self, roll: u8) -> Option<u32> {
        match self.canary_version {
            Some(canary) if roll < self.canary_percent => Some(canary),
            _ => self.active_version,
        }
    }
}

/// One uploaded version (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentVersion {
    /// The component it belongs to.
    pub component_id: ComponentId,
    /// 1, 2, 3, ... per component.
    pub version: u32,
    /// Content hash (hex), unique per component; it goes on every CDR.
    pub hash: String,
    /// The WIT world it implements.
    pub world: String,
    /// Its size.
    pub size_bytes: u64,
    /// Where it is stored, when not inline.
    pub path: Option<String>,
    /// When it was uploaded.
    pub created: UnixMs,
}

/// Where a version's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComponentSource {
    /// Inside the database.
    Bytes(Vec<u8>),
    /// In a file (path as stored).
    Path(String),
}

/// What [`Store::add_component_version`] needs: the caller validated and hashed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComponentVersion {
    /// Content hash (hex).
    pub hash: String,
    /// The WIT world it implements.
    pub world: String,
    /// The component or its path.
    pub source: ComponentSource,
    /// Its size in bytes.
    pub size_bytes: u64,
}

const COMPONENT_COLUMNS: &str = "id, tenant_id, name, latest_version, active_version, previous_active_version, \
     canary_version, canary_percent, created_ms";
const VERSION_COLUMNS: &str = "component_id, version, hash, world, size_bytes, path, created_ms";

fn version_number(value: i64) -> Result<u32> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt {
        what: "component version",
        value: value.to_string(),
    })
}

fn component_from_row(row: &AnyRow) -> Result<Component> {
    let optional_version = |name: &str| -> Result<Option<u32>> {
        col::<Option<i64>>(row, name)?
            .map(version_number)
            .transpose()
    };
    let percent: i64 = col(row, "canary_percent")?;
    Ok(Component {
        id: ComponentId(col(row, "id")?),
        tenant_id: TenantId(col(row, "tenant_id")?),
        name: col(row, "name")?,
        latest_version: version_number(col(row, "latest_version")?)?,
        active_version: optional_version("active_version")?,
        previous_active_version: optional_version("previous_active_version")?,
        canary_version: optional_version("canary_version")?,
        canary_percent: u8::try_from(percent).map_err(|_| StoreError::Corrupt {
            what: "canary percent",
            value: percent.to_string(),
        })?,
        created: UnixMs(col(row, "created_ms")?),
    })
}

fn version_from_row(row: &AnyRow) -> Result<ComponentVersion> {
    let size: i64 = col(row, "size_bytes")?;
    Ok(ComponentVersion {
        component_id: ComponentId(col(row, "component_id")?),
        version: version_number(col(row, "version")?)?,
        hash: col(row, "hash")?,
        world: col(row, "world")?,
        size_bytes: u64::try_from(size).map_err(|_| StoreError::Corrupt {
            what: "size",
            value: size.to_string(),
        })?,
        path: col(row, "path")?,
        created: UnixMs(col(row, "created_ms")?),
    })
}

impl Store {
    /// Stores a new version of the tenant's component `name` (created on first upload) and
    /// returns it; it is not active until [`Store::activate_component_version`].
    /// [`StoreError::Conflict`] if this component already has a version with this hash.
    pub async fn add_component_version(
        &self,
        tenant: TenantId,
        name: &str,
        new: &NewComponentVersion,
        now: UnixMs,
    ) -> Result<ComponentVersion> {
        require_text("component name", name, MAX_NAME_LEN)?;
        require_text("component hash", &new.hash, MAX_NAME_LEN)?;
        require_text("component world", &new.world, MAX_NAME_LEN)?;
        let (bytes, path) = match &new.source {
            ComponentSource::Bytes(bytes) if bytes.len() > MAX_INLINE_COMPONENT_BYTES => {
                return Err(StoreError::Invalid(format!(
                    "component larger than {MAX_INLINE_COMPONENT_BYTES} bytes must be stored as a file"
                )));
            }
            ComponentSource::Bytes(bytes) => (Some(bytes.as_slice()), None),
            ComponentSource::Path(path) => (None, Some(path.as_str())),
        };
        let size = i64::try_from(new.size_bytes)
            .map_err(|_| StoreError::Invalid("component size".into()))?;
        let mut tx = self.begin_write().await?;
        // Bumping the counter first takes the row lock, so concurrent uploads of one
        // component get consecutive version numbers.
        let bumped: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE components SET latest_version = latest_version + 1 WHERE tenant_id = $1 AND name = $2 \
             RETURNING id, latest_version",
        )
        .bind(tenant.0)
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
        let (component_id, version) = match bumped {
            Some(bumped) => bumped,
            None => sqlx::query_as(
                "INSERT INTO components (tenant_id, name, latest_version, created_ms) VALUES ($1, $2, 1, $3) \
                 RETURNING id, latest_version",
            )
            .bind(tenant.0)
            .bind(name)
            .bind(now.0)
            .fetch_one(&mut *tx)
            .await
            .map_err(conflict_as("component (concurrent first upload)"))?,
        };
        let row = sqlx::query(&format!(
            "INSERT INTO component_versions (component_id, tenant_id, version, hash, world, size_bytes, bytes, path, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {VERSION_COLUMNS}"
        ))
        .bind(component_id)
        .bind(tenant.0)
        .bind(version)
        .bind(&new.hash)
        .bind(&new.world)
        .bind(size)
        .bind(bytes)
        .bind(path)
        .bind(now.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(conflict_as("component version with this hash"))?;
        tx.commit().await?;
        version_from_row(&row)
    }

    /// The tenant's component `name`.
    pub async fn component(&self, tenant: TenantId, name: &str) -> Result<Component> {
        let row = sqlx::query(&format!(
            "SELECT {COMPONENT_COLUMNS} FROM components WHERE tenant_id = $1 AND name = $2"
        ))
        .bind(tenant.0)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("component"))?;
        component_from_row(&row)
    }

    /// The tenant's components, by name.
    pub async fn list_components(&self, tenant: TenantId) -> Result<Vec<Component>> {
        let rows = sqlx::query(&format!(
            "SELECT {COMPONENT_COLUMNS} FROM components WHERE tenant_id = $1 ORDER BY name"
        ))
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(component_from_row).collect()
    }

    /// The versions of the tenant's component `name`, oldest first.
    pub async fn component_versions(
        &self,
        tenant: TenantId,
        name: &str,
    ) -> Result<Vec<ComponentVersion>> {
        let component = self.component(tenant, name).await?;
        let rows = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM component_versions WHERE tenant_id = $1 AND component_id = $2 ORDER BY version"
        ))
        .bind(tenant.0)
        .bind(component.id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(version_from_row).collect()
    }

    /// The tenant's version with this content hash, if any (to find what a CDR ran).
    pub async fn component_version_by_hash(
        &self,
        tenant: TenantId,
        hash: &str,
    ) -> Result<Option<ComponentVersion>> {
        let row = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM component_versions WHERE tenant_id = $1 AND hash = $2 ORDER BY id LIMIT 1"
        ))
        .bind(tenant.0)
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(version_from_row).transpose()
    }

    /// Where one version's bytes are.
    pub async fn component_source(
        &self,
        tenant: TenantId,
        name: &str,
        version: u32,
    ) -> Result<ComponentSource> {
        let row: Option<(Option<Vec<u8>>, Option<String>)> = sqlx::query_as(
            "SELECT v.bytes, v.path FROM component_versions v JOIN components c ON c.id = v.component_id \
             WHERE c.tenant_id = $1 AND c.name = $2 AND v.version = $3",
        )
        .bind(tenant.0)
        .bind(name)
        .bind(i64::from(version))
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some((Some(bytes), _)) => Ok(ComponentSource::Bytes(bytes)),
            Some((None, Some(path))) => Ok(ComponentSource::Path(path)),
            Some((None, None)) => Err(StoreError::Corrupt {
                what: "component source",
                value: "none".into(),
            }),
            None => Err(StoreError::NotFound("component version")),
        }
    }

    /// Makes `version` the one new calls get (calls in progress keep theirs); the one it
    /// replaces becomes the rollback target. A canary of that version is cleared.
    pub async fn activate_component_version(
        &self,
        tenant: TenantId,
        name: &str,
        version: u32,
    ) -> Result<Component> {
        let row = sqlx::query(&format!(
            "UPDATE components SET \
             previous_active_version = CASE WHEN active_version = $3 THEN previous_active_version ELSE active_version END, \
             active_version = $3, \
             canary_percent = CASE WHEN canary_version = $3 THEN 0 ELSE canary_percent END, \
             canary_version = CASE WHEN canary_version = $3 THEN NULL ELSE canary_version END \
             WHERE tenant_id = $1 AND name = $2 AND EXISTS \
             (SELECT 1 FROM component_versions v WHERE v.component_id = components.id AND v.version = $3) \
             RETURNING {COMPONENT_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(name)
        .bind(i64::from(version))
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => component_from_row(&row),
            None => {
                self.component(tenant, name).await?;
                Err(StoreError::NotFound("component version"))
            }
        }
    }

    /// Re-activates the previously active version (and makes the current one the rollback
    /// target). [`StoreError::Conflict`] if there was no earlier active version; use
    /// [`Store::activate_component_version`] to go back further.
    pub async fn rollback_component(&self, tenant: TenantId, name: &str) -> Result<Component> {
        let row = sqlx::query(&format!(
            "UPDATE components SET active_version = previous_active_version, previous_active_version = active_version \
             WHERE tenant_id = $1 AND name = $2 AND previous_active_version IS NOT NULL RETURNING {COMPONENT_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => component_from_row(&row),
            None => {
                self.component(tenant, name).await?;
                Err(StoreError::Conflict(
                    "rollback without an earlier active version",
                ))
            }
        }
    }

    /// Sends `percent` (0-100) of new calls to `version`; `None` or 0 % ends the canary.
    pub async fn set_canary(
        &self,
        tenant: TenantId,
        name: &str,
        version: Option<u32>,
        percent: u8,
    ) -> Result<Component> {
        if percent > 100 {
            return Err(StoreError::Invalid(format!(
                "canary percent {percent} is over 100"
            )));
        }
        let (version, percent) = match version {
            Some(version) if percent > 0 => (Some(i64::from(version)), i64::from(percent)),
            _ => (None, 0),
        };
        let row = sqlx::query(&format!(
            "UPDATE components SET canary_version = $3, canary_percent = $4 \
             WHERE tenant_id = $1 AND name = $2 AND ($3 IS NULL OR EXISTS \
             (SELECT 1 FROM component_versions v WHERE v.component_id = components.id AND v.version = $3)) \
             RETURNING {COMPONENT_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(name)
        .bind(version)
        .bind(percent)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => component_from_row(&row),
            None => {
                self.component(tenant, name).await?;
                Err(StoreError::NotFound("component version"))
            }
        }
    }
}
