//! Users and agents: extensions, departments, roles, skills, devices.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::codec::{MAX_NAME_LEN, col, json_col, require_text, text_enum, to_json};
use crate::error::{Result, StoreError, conflict_as};
use crate::ids::{TenantId, UnixMs, UserId};
use crate::store::Store;

/// Most devices one user may have (phones plus external numbers).
pub const MAX_DEVICES_PER_USER: usize = 16;

text_enum!(
    /// What a user may see and do.
    Role {
        /// Everything within the tenant.
        Admin = "admin",
        /// Reports, recordings and queues of the tenant.
        Supervisor = "supervisor",
        /// Own calls and the customer cards they handle.
        Agent = "agent",
    }
);

/// A skill with a level (higher is better) used by skills-based queue routing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skill {
    /// The skill's name (`english`, `billing`).
    pub name: String,
    /// Proficiency, higher is better.
    pub level: u8,
}

/// Where a user can be reached.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Device {
    /// A SIP phone registering with this user name.
    Sip {
        /// The registration user name (unique within the tenant).
        username: String,
    },
    /// An external number (a mobile) dialled through a trunk.
    External {
        /// The number as it should be dialled.
        number: String,
    },
}

impl Device {
    fn kind(&self) -> &'static str {
        match self {
            Device::Sip { .. } => "sip",
            Device::External { .. } => "external",
        }
    }

    fn address(&self) -> &str {
        match self {
            Device::Sip { username } => username,
            Device::External { number } => number,
        }
    }

    fn from_row(row: &AnyRow) -> Result<Device> {
        let address: String = col(row, "address")?;
        match col::<String>(row, "kind")?.as_str() {
            "sip" => Ok(Device::Sip { username: address }),
            "external" => Ok(Device::External { number: address }),
            other => Err(StoreError::Corrupt {
                what: "device kind",
                value: other.to_owned(),
            }),
        }
    }
}

/// A user or agent of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// Short internal number, unique within the tenant.
    pub extension: String,
    /// Display name.
    pub name: String,
    /// Department (sales, kitchen, support), used by routing and reports.
    pub department: Option<String>,
    /// What the user may do.
    pub role: Role,
    /// Skills for skills-based queues.
    pub skills: Vec<Skill>,
    /// A password hash (the API layer hashes; the store never sees a plain password).
    pub password_hash: Option<String>,
    /// Phones and numbers that ring for this user, in ringing order.
    pub devices: Vec<Device>,
    /// When the user was created.
    pub created: UnixMs,
}

/// The editable fields of a user (create and full update).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSpec {
    /// Short internal number, unique within the tenant.
    pub extension: String,
    /// Display name.
    pub name: String,
    /// Department.
    pub department: Option<String>,
    /// What the user may do.
    pub role: Role,
    /// Skills for skills-based queues.
    pub skills: Vec<Skill>,
    /// A password hash computed by the caller.
    pub password_hash: Option<String>,
    /// Phones and numbers, in ringing order.
    pub devices: Vec<Device>,
}

impl UserSpec {
    fn validate(&self) -> Result<()> {
        require_text("extension", &self.extension, MAX_NAME_LEN)?;
        require_text("user name", &self.name, MAX_NAME_LEN)?;
        if self.devices.len() > MAX_DEVICES_PER_USER {
            return Err(StoreError::Invalid(format!(
                "more than {MAX_DEVICES_PER_USER} devices"
            )));
        }
        for device in &self.devices {
            require_text("device address", device.address(), MAX_NAME_LEN)?;
        }
        Ok(())
    }
}

const USER_COLUMNS: &str =
    "id, tenant_id, extension, name, department, role, skills, password_hash, created_ms";

fn user_from_row(row: &AnyRow, devices: Vec<Device>) -> Result<User> {
    Ok(User {
        id: UserId(col(row, "id")?),
        tenant_id: TenantId(col(row, "tenant_id")?),
        extension: col(row, "extension")?,
        name: col(row, "name")?,
        department: col(row, "department")?,
        role: Role::parse(&col::<String>(row, "role")?)?,
        skills: json_col(row, "skills")?,
        password_hash: col(row, "password_hash")?,
        devices,
        created: UnixMs(col(row, "created_ms")?),
    })
}

impl Store {
    /// Creates a user; [`StoreError::Conflict`] if the extension (or a device) is taken in
    /// the tenant.
    pub async fn create_user(&self, tenant: TenantId, spec: &UserSpec) -> Result<User> {
        spec.validate()?;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO users (tenant_id, extension, name, department, role, skills, password_hash, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {USER_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(&spec.extension)
        .bind(&spec.name)
        .bind(spec.department.as_deref())
        .bind(spec.role.as_str())
        .bind(to_json(&spec.skills)?)
        .bind(spec.password_hash.as_deref())
        .bind(UnixMs::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(conflict_as("extension"))?;
        let id: i64 = col(&row, "id")?;
        insert_devices(&mut tx, tenant, UserId(id), &spec.devices).await?;
        tx.commit().await?;
        user_from_row(&row, spec.devices.clone())
    }

    /// Replaces a user's editable fields (devices included).
    pub async fn update_user(&self, tenant: TenantId, id: UserId, spec: &UserSpec) -> Result<User> {
        spec.validate()?;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&format!(
            "UPDATE users SET extension = $3, name = $4, department = $5, role = $6, skills = $7, \
             password_hash = $8 WHERE tenant_id = $1 AND id = $2 RETURNING {USER_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .bind(&spec.extension)
        .bind(&spec.name)
        .bind(spec.department.as_deref())
        .bind(spec.role.as_str())
        .bind(to_json(&spec.skills)?)
        .bind(spec.password_hash.as_deref())
        .fetch_optional(&mut *tx)
        .await
        .map_err(conflict_as("extension"))?
        .ok_or(StoreError::NotFound("user"))?;
        let secrets = crate::sip_accounts::secrets_of(&mut tx, tenant, id).await?;
        sqlx::query("DELETE FROM devices WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        insert_devices(&mut tx, tenant, id, &spec.devices).await?;
        crate::sip_accounts::restore_secrets(&mut tx, tenant, id, &secrets).await?;
        tx.commit().await?;
        user_from_row(&row, spec.devices.clone())
    }

    /// One user of the tenant.
    pub async fn user(&self, tenant: TenantId, id: UserId) -> Result<User> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
        let devices = self.devices_of(tenant, id).await?;
        user_from_row(&row, devices)
    }

    /// The user with this extension in the tenant, if any.
    pub async fn user_by_extension(
        &self,
        tenant: TenantId,
        extension: &str,
    ) -> Result<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 AND extension = $2"
        ))
        .bind(tenant.0)
        .bind(extension)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => {
                let devices = self.devices_of(tenant, UserId(col(&row, "id")?)).await?;
                Ok(Some(user_from_row(&row, devices)?))
            }
            None => Ok(None),
        }
    }

    /// The user owning a SIP device (registration user name) in the tenant, if any.
    pub async fn user_by_sip_username(
        &self,
        tenant: TenantId,
        username: &str,
    ) -> Result<Option<User>> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT user_id FROM devices WHERE tenant_id = $1 AND kind = 'sip' AND address = $2",
        )
        .bind(tenant.0)
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some((id,)) => Ok(Some(self.user(tenant, UserId(id)).await?)),
            None => Ok(None),
        }
    }

    /// The tenant's users, by extension.
    pub async fn list_users(&self, tenant: TenantId) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 ORDER BY extension"
        ))
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        let device_rows = sqlx::query(
            "SELECT user_id, kind, address FROM devices WHERE tenant_id = $1 ORDER BY id",
        )
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        let mut devices: HashMap<i64, Vec<Device>> = HashMap::new();
        for row in &device_rows {
            devices
                .entry(col(row, "user_id")?)
                .or_default()
                .push(Device::from_row(row)?);
        }
        rows.iter()
            .map(|row| {
                let id: i64 = col(row, "id")?;
                user_from_row(row, devices.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    /// Deletes a user of the tenant (their past calls keep the agent id; their devices go;
    /// cards they managed lose their manager).
    pub async fn delete_user(&self, tenant: TenantId, id: UserId) -> Result<()> {
        let done = sqlx::query("DELETE FROM users WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0)
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    async fn devices_of(&self, tenant: TenantId, user: UserId) -> Result<Vec<Device>> {
        let rows = sqlx::query(
            "SELECT kind, address FROM devices WHERE tenant_id = $1 AND user_id = $2 ORDER BY id",
        )
        .bind(tenant.0)
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Device::from_row).collect()
    }
}

async fn insert_devices(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    tenant: TenantId,
    user: UserId,
    devices: &[Device],
) -> Result<()> {
    for device in devices {
        sqlx::query(
            "INSERT INTO devices (tenant_id, user_id, kind, address) VALUES ($1, $2, $3, $4)",
        )
        .bind(tenant.0)
        .bind(user.0)
        .bind(device.kind())
        .bind(device.address())
        .execute(&mut **tx)
        .await
        .map_err(conflict_as("device"))?;
    }
    Ok(())
}
