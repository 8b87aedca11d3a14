//! SIP accounts: the secret a user's SIP device registers with (digest authentication
//! needs the password itself), and the tenant's accounts as the registrar reads them.
//! Secrets are set and read here only; user reads never carry them.

use std::collections::HashMap;

use crate::codec::{MAX_NAME_LEN, col, require_text};
use crate::error::{Result, StoreError};
use crate::ids::{TenantId, UserId};
use crate::store::Store;

/// Shortest SIP secret accepted (a guessable secret on a phone line is toll fraud waiting).
pub const MIN_SIP_SECRET_LEN: usize = 8;

/// A SIP device that can register: its user name, secret and its user's extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipAccount {
    /// The registration user name.
    pub username: String,
    /// The digest secret.
    pub secret: String,
    /// The owning user.
    pub user: UserId,
    /// The owning user's extension.
    pub extension: String,
}

impl Store {
    /// Sets the secret of the tenant's SIP device `username`; `NotFound` without such a device.
    pub async fn set_sip_secret(
        &self,
        tenant: TenantId,
        username: &str,
        secret: &str,
    ) -> Result<()> {
        require_text("SIP secret", secret, MAX_NAME_LEN)?;
        if secret.chars().count() < MIN_SIP_SECRET_LEN {
            return Err(StoreError::Invalid(format!(
                "a SIP secret needs at least {MIN_SIP_SECRET_LEN} characters"
            )));
        }
        let updated = sqlx::query(
            "UPDATE devices SET secret = $3 WHERE tenant_id = $1 AND kind = 'sip' AND address = $2",
        )
        .bind(tenant.0)
        .bind(username)
        .bind(secret)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(StoreError::NotFound("SIP device"));
        }
        Ok(())
    }

    /// The tenant's SIP devices that have a secret, by user name.
    pub async fn sip_accounts(&self, tenant: TenantId) -> Result<Vec<SipAccount>> {
        let rows = sqlx::query(
            "SELECT d.address, d.secret, d.user_id, u.extension FROM devices d \
             JOIN users u ON u.id = d.user_id AND u.tenant_id = d.tenant_id \
             WHERE d.tenant_id = $1 AND d.kind = 'sip' AND d.secret IS NOT NULL ORDER BY d.address",
        )
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SipAccount {
                    username: col(row, "address")?,
                    secret: col(row, "secret")?,
                    user: UserId(col(row, "user_id")?),
                    extension: col(row, "extension")?,
                })
            })
            .collect()
    }
}

/// The SIP secrets of a user's devices, so replacing the devices keeps the secrets of
/// the phones that stay.
pub(crate) async fn secrets_of(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    tenant: TenantId,
    user: UserId,
) -> Result<HashMap<String, String>> {
    let rows = sqlx::query(
        "SELECT address, secret FROM devices WHERE tenant_id = $1 AND user_id = $2 \
         AND kind = 'sip' AND secret IS NOT NULL",
    )
    .bind(tenant.0)
    .bind(user.0)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| Ok((col(row, "address")?, col(row, "secret")?)))
        .collect()
}

/// Puts back the secrets [`secrets_of`] read, on the devices that still exist.
pub(crate) async fn restore_secrets(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    tenant: TenantId,
    user: UserId,
    secrets: &HashMap<String, String>,
) -> Result<()> {
    for (username, secret) in secrets {
        sqlx::query(
            "UPDATE devices SET secret = $4 WHERE tenant_id = $1 AND user_id = $2 \
             AND kind = 'sip' AND address = $3",
        )
        .bind(tenant.0)
        .bind(user.0)
        .bind(username)
        .bind(secret)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
