//! Tenant records: orders, bookings, trips — documents with a kind, a status and an
//! optional due time that can wake a scenario.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::any::AnyRow;

use crate::codec::{MAX_NAME_LEN, col, json_col, require_text};
use crate::contacts::fields_json;
use crate::error::{Result, StoreError};
use crate::ids::{RecordId, TenantId, UnixMs};
use crate::number::normalise_number;
use crate::store::Store;

/// Most records one query returns.
pub const MAX_RECORDS_PER_QUERY: u32 = 1_000;

/// A tenant record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The record's id.
    pub id: RecordId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// What it is (`order`, `booking`, `trip`).
    pub kind: String,
    /// Where it is (`new`, `confirmed`, `delivered`); the tenant's own vocabulary.
    pub status: String,
    /// When something should happen (a reminder, a confirmation call).
    pub due: Option<UnixMs>,
    /// The customer's normalised number, linking the record to the card.
    pub contact_number: Option<String>,
    /// The document.
    pub fields: Map<String, Value>,
    /// When it was created.
    pub created: UnixMs,
    /// When it last changed.
    pub updated: UnixMs,
}

/// What [`Store::create_record`] needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRecord {
    /// What it is.
    pub kind: String,
    /// Its first status.
    pub status: String,
    /// When something should happen.
    pub due: Option<UnixMs>,
    /// The customer's number as given (normalised for the tenant).
    pub contact_number: Option<String>,
    /// The document.
    pub fields: Map<String, Value>,
}

const RECORD_COLUMNS: &str =
    "id, tenant_id, kind, status, due_ms, contact_number, fields, created_ms, updated_ms";

/// Soonest due first, undated records last (PostgreSQL puts NULLs last, SQLite first: say it).
const DUE_ORDER: &str = "ORDER BY due_ms IS NULL, due_ms, id";

fn record_from_row(row: &AnyRow) -> Result<Record> {
    Ok(Record {
        id: RecordId(col(row, "id")?),
        tenant_id: TenantId(col(row, "tenant_id")?),
        kind: col(row, "kind")?,
        status: col(row, "status")?,
        due: col::<Option<i64>>(row, "due_ms")?.map(UnixMs),
        contact_number: col(row, "contact_number")?,
        fields: json_col(row, "fields")?,
        created: UnixMs(col(row, "created_ms")?),
        updated: UnixMs(col(row, "updated_ms")?),
    })
}

impl Store {
    /// Creates a record.
    pub async fn create_record(
        &self,
        tenant: TenantId,
        new: &NewRecord,
        now: UnixMs,
    ) -> Result<Record> {
        require_text("record kind", &new.kind, MAX_NAME_LEN)?;
        require_text("record status", &new.status, MAX_NAME_LEN)?;
        let fields = fields_json(&new.fields)?;
        let country = self.tenant_country(tenant).await?;
        let contact_number = new
            .contact_number
            .as_deref()
            .map(|raw| normalise_number(raw, &country));
        let row = sqlx::query(&format!(
            "INSERT INTO records (tenant_id, kind, status, due_ms, contact_number, fields, created_ms, updated_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING {RECORD_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(&new.kind)
        .bind(&new.status)
        .bind(new.due.map(|due| due.0))
        .bind(contact_number)
        .bind(fields)
        .bind(now.0)
        .fetch_one(&self.pool)
        .await?;
        record_from_row(&row)
    }

    /// One record of the tenant.
    pub async fn record(&self, tenant: TenantId, id: RecordId) -> Result<Record> {
        let row = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("record"))?;
        record_from_row(&row)
    }

    /// Sets a record's status and due time (`None` clears it: nothing more to wake for).
    pub async fn set_record_status(
        &self,
        tenant: TenantId,
        id: RecordId,
        status: &str,
        due: Option<UnixMs>,
        now: UnixMs,
    ) -> Result<Record> {
        require_text("record status", status, MAX_NAME_LEN)?;
        let row = sqlx::query(&format!(
            "UPDATE records SET status = $3, due_ms = $4, updated_ms = $5 WHERE tenant_id = $1 AND id = $2 \
             RETURNING {RECORD_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .bind(status)
        .bind(due.map(|due| due.0))
        .bind(now.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("record"))?;
        record_from_row(&row)
    }

    /// Replaces a record's document.
    pub async fn set_record_fields(
        &self,
        tenant: TenantId,
        id: RecordId,
        fields: &Map<String, Value>,
        now: UnixMs,
    ) -> Result<Record> {
        let fields = fields_json(fields)?;
        let row = sqlx::query(&format!(
            "UPDATE records SET fields = $3, updated_ms = $4 WHERE tenant_id = $1 AND id = $2 RETURNING {RECORD_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .bind(fields)
        .bind(now.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("record"))?;
        record_from_row(&row)
    }

    /// Records of one kind and status, soonest due first (undated last).
    pub async fn records_by_status(
        &self,
        tenant: TenantId,
        kind: &str,
        status: &str,
        limit: u32,
    ) -> Result<Vec<Record>> {
        let rows = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE tenant_id = $1 AND kind = $2 AND status = $3 {DUE_ORDER} LIMIT $4"
        ))
        .bind(tenant.0)
        .bind(kind)
        .bind(status)
        .bind(i64::from(limit.min(MAX_RECORDS_PER_QUERY)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from_row).collect()
    }

    /// The tenant's records due strictly before `before`, soonest first.
    pub async fn records_due_before(
        &self,
        tenant: TenantId,
        before: UnixMs,
        limit: u32,
    ) -> Result<Vec<Record>> {
        let rows = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE tenant_id = $1 AND due_ms < $2 {DUE_ORDER} LIMIT $3"
        ))
        .bind(tenant.0)
        .bind(before.0)
        .bind(i64::from(limit.min(MAX_RECORDS_PER_QUERY)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from_row).collect()
    }

    /// Records due before `before` across all tenants, soonest first: for the platform's
    /// timer that wakes scenarios, never for a tenant-facing API.
    pub async fn records_due_before_all_tenants(
        &self,
        before: UnixMs,
        limit: u32,
    ) -> Result<Vec<Record>> {
        let rows = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE due_ms < $1 {DUE_ORDER} LIMIT $2"
        ))
        .bind(before.0)
        .bind(i64::from(limit.min(MAX_RECORDS_PER_QUERY)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from_row).collect()
    }

    /// The records linked to a customer number (normalised for the tenant), newest first.
    pub async fn records_for_number(
        &self,
        tenant: TenantId,
        raw: &str,
        limit: u32,
    ) -> Result<Vec<Record>> {
        let number = self.normalise_for_tenant(tenant, raw).await?;
        let rows = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE tenant_id = $1 AND contact_number = $2 \
             ORDER BY created_ms DESC, id DESC LIMIT $3"
        ))
        .bind(tenant.0)
        .bind(number)
        .bind(i64::from(limit.min(MAX_RECORDS_PER_QUERY)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from_row).collect()
    }
}
