//! Prompts: a tenant's uploaded audio, played by scenarios by name.

use serde::{Deserialize, Serialize};

use crate::codec::{MAX_NAME_LEN, col, require_text};
use crate::error::{Result, StoreError, conflict_as};
use crate::ids::{PromptId, TenantId, UnixMs};
use crate::store::Store;

/// Largest prompt accepted (about 10 minutes of 8 kHz 16-bit audio).
pub const MAX_PROMPT_BYTES: usize = 10 * 1024 * 1024;

/// A stored prompt (the audio is fetched separately).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    /// The prompt's id.
    pub id: PromptId,
    /// Unique name within the tenant.
    pub name: String,
    /// MIME type of the audio (`audio/wav`).
    pub content_type: String,
    /// Size of the audio.
    pub size_bytes: u64,
    /// When it was uploaded.
    pub created: UnixMs,
}

impl Store {
    /// Stores a prompt, replacing the audio of an existing prompt with the same name.
    pub async fn put_prompt(
        &self,
        tenant: TenantId,
        name: &str,
        content_type: &str,
        audio: &[u8],
        now: UnixMs,
    ) -> Result<Prompt> {
        require_text("prompt name", name, MAX_NAME_LEN)?;
        require_text("prompt content type", content_type, MAX_NAME_LEN)?;
        if audio.is_empty() || audio.len() > MAX_PROMPT_BYTES {
            return Err(StoreError::Invalid(format!(
                "prompt audio must be 1 to {MAX_PROMPT_BYTES} bytes"
            )));
        }
        let row = sqlx::query(
            "INSERT INTO prompts (tenant_id, name, content_type, audio, created_ms) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (tenant_id, name) DO UPDATE SET content_type = excluded.content_type, \
             audio = excluded.audio, created_ms = excluded.created_ms RETURNING id",
        )
        .bind(tenant.0)
        .bind(name)
        .bind(content_type)
        .bind(audio)
        .bind(now.0)
        .fetch_one(&self.pool)
        .await
        .map_err(conflict_as("prompt"))?;
        Ok(Prompt {
            id: PromptId(col(&row, "id")?),
            name: name.to_owned(),
            content_type: content_type.to_owned(),
            size_bytes: audio.len() as u64,
            created: now,
        })
    }

    /// A prompt's content type and audio.
    pub async fn prompt_audio(&self, tenant: TenantId, name: &str) -> Result<(String, Vec<u8>)> {
        let row: Option<(String, Vec<u8>)> = sqlx::query_as(
            "SELECT content_type, audio FROM prompts WHERE tenant_id = $1 AND name = $2",
        )
        .bind(tenant.0)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        row.ok_or(StoreError::NotFound("prompt"))
    }

    /// The tenant's prompts, by name.
    pub async fn list_prompts(&self, tenant: TenantId) -> Result<Vec<Prompt>> {
        let rows = sqlx::query(
            "SELECT id, name, content_type, CAST(LENGTH(audio) AS BIGINT) AS size_bytes, created_ms FROM prompts \
             WHERE tenant_id = $1 ORDER BY name",
        )
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let size: i64 = col(row, "size_bytes")?;
                Ok(Prompt {
                    id: PromptId(col(row, "id")?),
                    name: col(row, "name")?,
                    content_type: col(row, "content_type")?,
                    size_bytes: u64::try_from(size).unwrap_or(0),
                    created: UnixMs(col(row, "created_ms")?),
                })
            })
            .collect()
    }

    /// Deletes a prompt of the tenant.
    pub async fn delete_prompt(&self, tenant: TenantId, name: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM prompts WHERE tenant_id = $1 AND name = $2")
            .bind(tenant.0)
            .bind(name)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("prompt"));
        }
        Ok(())
    }
}
