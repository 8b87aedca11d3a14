//! Call queue definitions (the live queue state belongs to the server's ACD core).

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::codec::{MAX_NAME_LEN, col, json_col, require_text, text_enum, to_json};
use crate::error::{Result, StoreError, conflict_as};
use crate::ids::{QueueId, TenantId};
use crate::routes::Fallback;
use crate::store::Store;

text_enum!(
    /// How a queue picks the agent for the longest-waiting caller.
    QueueStrategy {
        /// Ring every available agent; first answer wins.
        RingAll = "ring_all",
        /// The agent idle the longest.
        LongestIdle = "longest_idle",
        /// The next agent in turn.
        RoundRobin = "round_robin",
        /// The best-matching skills, then priority.
        Skills = "skills",
    }
);

/// A queue definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queue {
    /// The queue's id.
    pub id: QueueId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// Its fields.
    pub spec: QueueSpec,
}

/// The editable fields of a queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueSpec {
    /// Unique name within the tenant.
    pub name: String,
    /// Agent selection.
    pub strategy: QueueStrategy,
    /// Longest a caller waits before the overflow action, in milliseconds.
    pub max_wait_ms: i64,
    /// Most callers waiting; the next one overflows.
    pub max_length: i64,
    /// What happens on overflow.
    pub overflow: Option<Fallback>,
}

impl QueueSpec {
    fn validate(&self) -> Result<()> {
        require_text("queue name", &self.name, MAX_NAME_LEN)?;
        if self.max_wait_ms <= 0 || self.max_length <= 0 {
            return Err(StoreError::Invalid("queue limits must be positive".into()));
        }
        Ok(())
    }
}

const QUEUE_COLUMNS: &str = "id, tenant_id, name, strategy, max_wait_ms, max_length, overflow";

fn queue_from_row(row: &AnyRow) -> Result<Queue> {
    Ok(Queue {
        id: QueueId(col(row, "id")?),
        tenant_id: TenantId(col(row, "tenant_id")?),
        spec: QueueSpec {
            name: col(row, "name")?,
            strategy: QueueStrategy::parse(&col::<String>(row, "strategy")?)?,
            max_wait_ms: col(row, "max_wait_ms")?,
            max_length: col(row, "max_length")?,
            overflow: json_col(row, "overflow")?,
        },
    })
}

impl Store {
    /// Creates a queue; [`StoreError::Conflict`] if the name is taken in the tenant.
    pub async fn create_queue(&self, tenant: TenantId, spec: &QueueSpec) -> Result<Queue> {
        spec.validate()?;
        let row = sqlx::query(&format!(
            "INSERT INTO queues (tenant_id, name, strategy, max_wait_ms, max_length, overflow) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {QUEUE_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(&spec.name)
        .bind(spec.strategy.as_str())
        .bind(spec.max_wait_ms)
        .bind(spec.max_length)
        .bind(to_json(&spec.overflow)?)
        .fetch_one(&self.pool)
        .await
        .map_err(conflict_as("queue"))?;
        queue_from_row(&row)
    }

    /// Replaces a queue's fields.
    pub async fn update_queue(
        &self,
        tenant: TenantId,
        id: QueueId,
        spec: &QueueSpec,
    ) -> Result<Queue> {
        spec.validate()?;
        let row = sqlx::query(&format!(
            "UPDATE queues SET name = $3, strategy = $4, max_wait_ms = $5, max_length = $6, overflow = $7 \
             WHERE tenant_id = $1 AND id = $2 RETURNING {QUEUE_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .bind(&spec.name)
        .bind(spec.strategy.as_str())
        .bind(spec.max_wait_ms)
        .bind(spec.max_length)
        .bind(to_json(&spec.overflow)?)
        .fetch_optional(&self.pool)
        .await
        .map_err(conflict_as("queue"))?
        .ok_or(StoreError::NotFound("queue"))?;
        queue_from_row(&row)
    }

    /// One queue of the tenant.
    pub async fn queue(&self, tenant: TenantId, id: QueueId) -> Result<Queue> {
        let row = sqlx::query(&format!(
            "SELECT {QUEUE_COLUMNS} FROM queues WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("queue"))?;
        queue_from_row(&row)
    }

    /// The tenant's queue `name`, if any.
    pub async fn queue_by_name(&self, tenant: TenantId, name: &str) -> Result<Option<Queue>> {
        let row = sqlx::query(&format!(
            "SELECT {QUEUE_COLUMNS} FROM queues WHERE tenant_id = $1 AND name = $2"
        ))
        .bind(tenant.0)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(queue_from_row).transpose()
    }

    /// The tenant's queues, by name.
    pub async fn list_queues(&self, tenant: TenantId) -> Result<Vec<Queue>> {
        let rows = sqlx::query(&format!(
            "SELECT {QUEUE_COLUMNS} FROM queues WHERE tenant_id = $1 ORDER BY name"
        ))
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(queue_from_row).collect()
    }

    /// Deletes a queue of the tenant.
    pub async fn delete_queue(&self, tenant: TenantId, id: QueueId) -> Result<()> {
        let done = sqlx::query("DELETE FROM queues WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0)
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("queue"));
        }
        Ok(())
    }
}
