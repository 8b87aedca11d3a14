//! Website callback widgets: per-tenant widget keys (only their hash is stored, like API
//! keys) and the callback requests a widget files on the tenant's missed-call list. A
//! widget key can do nothing else; the HTTP API finds its tenant by the key's hash.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::callbacks::{CallbackTask, MissedTask, find_open_task, upsert_missed_due};
use crate::codec::{MAX_NAME_LEN, col, require_text};
use crate::error::{Result, StoreError, conflict_as};
use crate::ids::{TenantId, UnixMs};
use crate::number::{is_customer_number, normalise_number};
use crate::reports::Period;
use crate::store::Store;

/// The reason (and source) of the callback tasks a widget files.
pub const WIDGET_REASON: &str = "widget";

/// A widget key's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WidgetKeyId(pub i64);

impl std::fmt::Display for WidgetKeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// One widget key of a tenant (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetKey {
    /// The key's id.
    pub id: WidgetKeyId,
    /// The tenant whose callback list the key files on.
    pub tenant_id: TenantId,
    /// Which site or page it is for.
    pub name: String,
    /// The tenant's number callbacks are placed from, normalised (its route's working
    /// hours apply).
    pub number: String,
    /// When it was created.
    pub created: UnixMs,
    /// When its secret was last replaced.
    pub rotated: Option<UnixMs>,
    /// When it was revoked; a revoked key files nothing.
    pub revoked: Option<UnixMs>,
}

/// A visitor's callback request, as the widget sends it (checked by the API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetCallback {
    /// The visitor's number, as typed.
    pub number: String,
    /// Not before this time (now for "call me now").
    pub due: UnixMs,
    /// The name the visitor gave, if any.
    pub name: Option<String>,
}

/// What filing a widget request did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WidgetFiling {
    /// A new callback task.
    Filed(CallbackTask),
    /// The number already had an open task; nothing changed.
    AlreadyOpen(CallbackTask),
}

/// How the widget's requests of a period went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetReport {
    /// Callback tasks filed by widgets (repeats deduplicated away are not counted).
    pub requests: u64,
    /// Of those, the customer was reached (task done).
    pub reached: u64,
    /// Of those, given up (task failed).
    pub failed: u64,
    /// Still open (new or in progress).
    pub pending: u64,
}

const WIDGET_KEY_COLUMNS: &str = "id, tenant_id, name, number, created_ms, rotated_ms, revoked_ms";

fn widget_key_from_row(row: &AnyRow) -> Result<WidgetKey> {
    Ok(WidgetKey {
        id: WidgetKeyId(col(row, "id")?),
        tenant_id: TenantId(col(row, "tenant_id")?),
        name: col(row, "name")?,
        number: col(row, "number")?,
        created: UnixMs(col(row, "created_ms")?),
        rotated: col::<Option<i64>>(row, "rotated_ms")?.map(UnixMs),
        revoked: col::<Option<i64>>(row, "revoked_ms")?.map(UnixMs),
    })
}

fn count(row: &AnyRow, name: &'static str) -> Result<u64> {
    let value: i64 = col(row, name)?;
    u64::try_from(value).map_err(|_| StoreError::Corrupt {
        what: name,
        value: value.to_string(),
    })
}

impl Store {
    /// Stores a widget key of `tenant` by its hash, placing callbacks from `number`, which
    /// must be one of the tenant's numbers ([`StoreError::Invalid`] otherwise).
    pub async fn create_widget_key(
        &self,
        tenant: TenantId,
        name: &str,
        number: &str,
        key_hash: &str,
        now: UnixMs,
    ) -> Result<WidgetKey> {
        require_text("widget key name", name, MAX_NAME_LEN)?;
        require_text("widget key hash", key_hash, MAX_NAME_LEN)?;
        let number = normalise_number(number, &self.tenant_country(tenant).await?);
        let owned: Option<(String,)> =
            sqlx::query_as("SELECT number FROM numbers WHERE tenant_id = $1 AND number = $2")
                .bind(tenant.0)
                .bind(&number)
                .fetch_optional(&self.pool)
                .await?;
        if owned.is_none() {
            return Err(StoreError::Invalid(format!(
                "{number} is not one of the tenant's numbers"
            )));
        }
        let row = sqlx::query(&format!(
            "INSERT INTO widget_keys (tenant_id, name, number, key_hash, created_ms) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {WIDGET_KEY_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(name)
        .bind(&number)
        .bind(key_hash)
        .bind(now.0)
        .fetch_one(&self.pool)
        .await
        .map_err(conflict_as("widget key"))?;
        widget_key_from_row(&row)
    }

    /// The tenant's widget keys (revoked ones included), by id.
    pub async fn list_widget_keys(&self, tenant: TenantId) -> Result<Vec<WidgetKey>> {
        let rows = sqlx::query(&format!(
            "SELECT {WIDGET_KEY_COLUMNS} FROM widget_keys WHERE tenant_id = $1 ORDER BY id"
        ))
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(widget_key_from_row).collect()
    }

    /// Replaces the secret of one of the tenant's unrevoked widget keys (the old one stops
    /// working at once).
    pub async fn rotate_widget_key(
        &self,
        tenant: TenantId,
        id: WidgetKeyId,
        key_hash: &str,
        now: UnixMs,
    ) -> Result<WidgetKey> {
        require_text("widget key hash", key_hash, MAX_NAME_LEN)?;
        let row = sqlx::query(&format!(
            "UPDATE widget_keys SET key_hash = $3, rotated_ms = $4 \
             WHERE tenant_id = $1 AND id = $2 AND revoked_ms IS NULL RETURNING {WIDGET_KEY_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .bind(key_hash)
        .bind(now.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(conflict_as("widget key"))?
        .ok_or(StoreError::NotFound("widget key"))?;
        widget_key_from_row(&row)
    }

    /// Revokes one of the tenant's widget keys (revoking twice keeps the first time).
    pub async fn revoke_widget_key(
        &self,
        tenant: TenantId,
        id: WidgetKeyId,
        now: UnixMs,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE widget_keys SET revoked_ms = COALESCE(revoked_ms, $3) WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.0)
        .bind(id.0)
        .bind(now.0)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("widget key"));
        }
        Ok(())
    }

    /// The unrevoked widget key with this hash, whatever its tenant (platform-wide: this
    /// is how a public widget request finds its tenant).
    pub async fn widget_key_by_hash_all_tenants(
        &self,
        key_hash: &str,
    ) -> Result<Option<WidgetKey>> {
        let row = sqlx::query(&format!(
            "SELECT {WIDGET_KEY_COLUMNS} FROM widget_keys WHERE key_hash = $1 AND revoked_ms IS NULL"
        ))
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(widget_key_from_row).transpose()
    }

    /// Files a widget's callback request on the key's tenant's list, to be called back from
    /// the key's number from `request.due`; a number that already has an open task (from
    /// the widget or a missed call) gets that task back unchanged.
    pub async fn file_widget_callback(
        &self,
        key: &WidgetKey,
        request: &WidgetCallback,
        now: UnixMs,
    ) -> Result<WidgetFiling> {
        if let Some(name) = &request.name {
            require_text("name", name, MAX_NAME_LEN)?;
        }
        let tenant = key.tenant_id;
        let number = normalise_number(&request.number, &self.tenant_country(tenant).await?);
        if !is_customer_number(&number) {
            return Err(StoreError::Invalid(format!(
                "{:?} is not a phone number to call back",
                request.number
            )));
        }
        let mut tx = self.begin_write().await?;
        if let Some(open) = find_open_task(&mut tx, tenant, &number).await? {
            tx.commit().await?;
            return Ok(WidgetFiling::AlreadyOpen(open));
        }
        let entry = MissedTask {
            number: &number,
            dialed: &key.number,
            reason: WIDGET_REASON,
            call: None,
            queue: None,
        };
        let task = upsert_missed_due(&mut tx, tenant, &entry, request.due, now).await?;
        sqlx::query(
            "INSERT INTO widget_requests (tenant_id, widget_key_id, task_id, name, created_ms) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tenant.0)
        .bind(key.id.0)
        .bind(task.id.0)
        .bind(request.name.as_deref())
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(WidgetFiling::Filed(task))
    }

    /// How the tenant's widget requests filed in `period` went.
    pub async fn widget_report(&self, tenant: TenantId, period: Period) -> Result<WidgetReport> {
        let row = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS requests, \
             CAST(COALESCE(SUM(CASE WHEN t.state = 'done' THEN 1 ELSE 0 END), 0) AS BIGINT) AS reached, \
             CAST(COALESCE(SUM(CASE WHEN t.state = 'failed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS failed \
             FROM widget_requests w JOIN callback_tasks t ON t.id = w.task_id AND t.tenant_id = w.tenant_id \
             WHERE w.tenant_id = $1 AND w.created_ms >= $2 AND w.created_ms < $3",
        )
        .bind(tenant.0)
        .bind(period.since.0)
        .bind(period.until.0)
        .fetch_one(&self.pool)
        .await?;
        let requests = count(&row, "requests")?;
        let reached = count(&row, "reached")?;
        let failed = count(&row, "failed")?;
        Ok(WidgetReport {
            requests,
            reached,
            failed,
            pending: requests.saturating_sub(reached + failed),
        })
    }
}
