//! Recordings: metadata of finished recordings (the audio lives in files).

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::codec::{MAX_NAME_LEN, col, require_text};
use crate::error::{Result, StoreError, conflict_as};
use crate::ids::{CallId, RecordingId, TenantId, UnixMs};
use crate::store::Store;

/// A finished recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recording {
    /// Platform-unique id chosen by the recorder.
    pub id: RecordingId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The call it was made in.
    pub call_id: CallId,
    /// The audio file (relative to the recordings directory).
    pub path: String,
    /// MIME type (`audio/wav`).
    pub content_type: String,
    /// Its length.
    pub duration_ms: i64,
    /// When it was finalised.
    pub created: UnixMs,
}

/// Longest stored path of a recording's file.
pub const MAX_RECORDING_PATH_LEN: usize = 4096;

impl Recording {
    /// Checks the fields a caller chose: the id and path are non-empty and bounded, the
    /// path stays inside the recordings directory (relative, no `..`), the duration is not
    /// negative.
    pub(crate) fn validate(&self) -> Result<()> {
        require_text("recording id", &self.id.0, MAX_NAME_LEN)?;
        require_text("recording path", &self.path, MAX_RECORDING_PATH_LEN)?;
        let relative = std::path::Path::new(&self.path);
        if !relative
            .components()
            .all(|part| matches!(part, std::path::Component::Normal(_)))
        {
            return Err(StoreError::Invalid(format!(
                "recording path {:?} is not relative to the recordings directory",
                self.path
            )));
        }
        if self.duration_ms < 0 {
            return Err(StoreError::Invalid("recording duration is negative".into()));
        }
        Ok(())
    }

    /// [`Recording::validate`], and the recording is one of `call` of `tenant`.
    pub(crate) fn validate_for(&self, tenant: TenantId, call: &CallId) -> Result<()> {
        self.validate()?;
        if self.tenant_id != tenant || self.call_id != *call {
            return Err(StoreError::Invalid(format!(
                "recording {} is not one of call {}",
                self.id.0, call.0
            )));
        }
        Ok(())
    }
}

/// Registers a recording of a call being finished in `tx`; an id already registered is
/// left as it is (a retried finish writes the same rows again).
pub(crate) async fn insert_call_recording(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    recording: &Recording,
) -> Result<()> {
    let sql = format!("{INSERT_RECORDING} ON CONFLICT (id) DO NOTHING");
    bind_recording(sqlx::query(&sql), recording)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

const INSERT_RECORDING: &str = "INSERT INTO recordings \
     (id, tenant_id, call_id, path, content_type, duration_ms, created_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// [`INSERT_RECORDING`]'s parameters.
fn bind_recording<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    recording: &'q Recording,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    query
        .bind(&recording.id.0)
        .bind(recording.tenant_id.0)
        .bind(&recording.call_id.0)
        .bind(&recording.path)
        .bind(&recording.content_type)
        .bind(recording.duration_ms)
        .bind(recording.created.0)
}

const RECORDING_COLUMNS: &str =
    "id, tenant_id, call_id, path, content_type, duration_ms, created_ms";

fn recording_from_row(row: &AnyRow) -> Result<Recording> {
    Ok(Recording {
        id: RecordingId(col(row, "id")?),
        tenant_id: TenantId(col(row, "tenant_id")?),
        call_id: CallId(col(row, "call_id")?),
        path: col(row, "path")?,
        content_type: col(row, "content_type")?,
        duration_ms: col(row, "duration_ms")?,
        created: UnixMs(col(row, "created_ms")?),
    })
}

impl Store {
    /// Registers a finalised recording of one of the tenant's calls.
    pub async fn add_recording(&self, recording: &Recording) -> Result<()> {
        recording.validate()?;
        self.call(recording.tenant_id, &recording.call_id).await?;
        bind_recording(sqlx::query(INSERT_RECORDING), recording)
            .execute(&self.pool)
            .await
            .map_err(conflict_as("recording"))?;
        Ok(())
    }

    /// One recording of the tenant.
    pub async fn recording(&self, tenant: TenantId, id: &RecordingId) -> Result<Recording> {
        let row = sqlx::query(&format!(
            "SELECT {RECORDING_COLUMNS} FROM recordings WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant.0)
        .bind(&id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("recording"))?;
        recording_from_row(&row)
    }

    /// The recordings of a customer's calls (normalised number), newest first.
    pub async fn recordings_for_number(
        &self,
        tenant: TenantId,
        raw: &str,
        limit: u32,
    ) -> Result<Vec<Recording>> {
        let number = self.normalise_for_tenant(tenant, raw).await?;
        let rows = sqlx::query(
            "SELECT r.id, r.tenant_id, r.call_id, r.path, r.content_type, r.duration_ms, r.created_ms \
             FROM recordings r JOIN calls c ON c.id = r.call_id AND c.tenant_id = r.tenant_id \
             WHERE r.tenant_id = $1 AND c.customer_number = $2 ORDER BY r.created_ms DESC, r.id LIMIT $3",
        )
        .bind(tenant.0)
        .bind(number)
        .bind(i64::from(limit.min(crate::codec::MAX_PAGE_SIZE)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(recording_from_row).collect()
    }
}
