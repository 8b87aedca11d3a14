//! Upstream SIP trunks of a tenant.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::codec::{MAX_NAME_LEN, col, require_text};
use crate::error::{Result, StoreError, conflict_as};
use crate::ids::{TenantId, TrunkId};
use crate::store::Store;

/// A carrier connection calls go out (and come in) through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trunk {
    /// The trunk's id.
    pub id: TrunkId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// Its fields.
    pub spec: TrunkSpec,
}

/// The editable fields of a trunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrunkSpec {
    /// Unique name within the tenant.
    pub name: String,
    /// The carrier's SIP URI (`sip:sip.carrier.example:5060`).
    pub uri: String,
    /// Digest user name, if the carrier wants authentication.
    pub username: Option<String>,
    /// Digest password (stored as given: the store is as trusted as the config file).
    pub password: Option<String>,
    /// Caller id presented on outbound calls.
    pub caller_id: Option<String>,
    /// Lower is tried first.
    pub priority: i64,
    /// Destination prefixes this trunk carries (`+3592`, `00`); empty: every number.
    /// The longest matching prefix wins, then priority.
    #[serde(default)]
    pub prefixes: Vec<String>,
    /// Keep a registration with the carrier (outbound REGISTER with the credentials).
    #[serde(default)]
    pub register: bool,
}

const TRUNK_COLUMNS: &str =
    "id, tenant_id, name, uri, username, password, caller_id, priority, prefixes, register";

/// Longest destination prefix of a trunk rule.
pub(crate) const MAX_PREFIX_LEN: usize = 32;
/// Most prefixes one trunk carries.
pub(crate) const MAX_PREFIXES: usize = 64;

fn trunk_from_row(row: &AnyRow) -> Result<Trunk> {
    Ok(Trunk {
        id: TrunkId(col(row, "id")?),
        tenant_id: TenantId(col(row, "tenant_id")?),
        spec: TrunkSpec {
            name: col(row, "name")?,
            uri: col(row, "uri")?,
            username: col(row, "username")?,
            password: col(row, "password")?,
            caller_id: col(row, "caller_id")?,
            priority: col(row, "priority")?,
            prefixes: split_prefixes(&col::<String>(row, "prefixes")?),
            register: col::<i64>(row, "register")? != 0,
        },
    })
}

/// Prefixes are stored comma-separated; each is `+` or a digit followed by digits.
fn join_prefixes(prefixes: &[String]) -> Result<String> {
    if prefixes.len() > MAX_PREFIXES {
        return Err(StoreError::Invalid(format!(
            "a trunk carries at most {MAX_PREFIXES} prefixes"
        )));
    }
    for prefix in prefixes {
        let digits = prefix.strip_prefix('+').unwrap_or(prefix);
        let well_formed = !digits.is_empty()
            && prefix.len() <= MAX_PREFIX_LEN
            && digits.chars().all(|c| c.is_ascii_digit());
        if !well_formed {
            return Err(StoreError::Invalid(format!(
                "trunk prefix {prefix:?}: digits with an optional leading +, at most {MAX_PREFIX_LEN}"
            )));
        }
    }
    Ok(prefixes.join(","))
}

fn split_prefixes(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

impl Store {
    /// Creates a trunk; [`StoreError::Conflict`] if the name is taken in the tenant.
    pub async fn create_trunk(&self, tenant: TenantId, spec: &TrunkSpec) -> Result<Trunk> {
        require_text("trunk name", &spec.name, MAX_NAME_LEN)?;
        require_text("trunk URI", &spec.uri, MAX_NAME_LEN)?;
        let row = sqlx::query(&format!(
            "INSERT INTO trunks (tenant_id, name, uri, username, password, caller_id, priority, prefixes, register) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {TRUNK_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(&spec.name)
        .bind(&spec.uri)
        .bind(spec.username.as_deref())
        .bind(spec.password.as_deref())
        .bind(spec.caller_id.as_deref())
        .bind(spec.priority)
        .bind(join_prefixes(&spec.prefixes)?)
        .bind(i64::from(spec.register))
        .fetch_one(&self.pool)
        .await
        .map_err(conflict_as("trunk"))?;
        trunk_from_row(&row)
    }

    /// Replaces a trunk's fields.
    pub async fn update_trunk(
        &self,
        tenant: TenantId,
        id: TrunkId,
        spec: &TrunkSpec,
    ) -> Result<Trunk> {
        require_text("trunk name", &spec.name, MAX_NAME_LEN)?;
        require_text("trunk URI", &spec.uri, MAX_NAME_LEN)?;
        let row = sqlx::query(&format!(
            "UPDATE trunks SET name = $3, uri = $4, username = $5, password = $6, caller_id = $7, priority = $8, \
             prefixes = $9, register = $10 WHERE tenant_id = $1 AND id = $2 RETURNING {TRUNK_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .bind(&spec.name)
        .bind(&spec.uri)
        .bind(spec.username.as_deref())
        .bind(spec.password.as_deref())
        .bind(spec.caller_id.as_deref())
        .bind(spec.priority)
        .bind(join_prefixes(&spec.prefixes)?)
        .bind(i64::from(spec.register))
        .fetch_optional(&self.pool)
        .await
        .map_err(conflict_as("trunk"))?
        .ok_or(StoreError::NotFound("trunk"))?;
        trunk_from_row(&row)
    }

    /// One trunk of the tenant.
    pub async fn trunk(&self, tenant: TenantId, id: TrunkId) -> Result<Trunk> {
        let row = sqlx::query(&format!(
            "SELECT {TRUNK_COLUMNS} FROM trunks WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("trunk"))?;
        trunk_from_row(&row)
    }

    /// The tenant's trunks, by priority then name.
    pub async fn list_trunks(&self, tenant: TenantId) -> Result<Vec<Trunk>> {
        let rows = sqlx::query(&format!(
            "SELECT {TRUNK_COLUMNS} FROM trunks WHERE tenant_id = $1 ORDER BY priority, name"
        ))
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(trunk_from_row).collect()
    }

    /// Deletes a trunk of the tenant.
    pub async fn delete_trunk(&self, tenant: TenantId, id: TrunkId) -> Result<()> {
        let done = sqlx::query("DELETE FROM trunks WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0)
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("trunk"));
        }
        Ok(())
    }
}
