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
    /// Callback offer, ring timeout, wrap-up and announcements.
    #[serde(flatten)]
    pub settings: QueueSettings,
}

/// How a queue treats its callers and agents beyond limits and overflow. Every field
/// may be left out of a request; the defaults are the ACD core's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueSettings {
    /// Whether waiting callers are offered "press `callback_key` to be called back".
    pub offer_callback: bool,
    /// The key that asks for the callback: one of `0`-`9`, `*`, `#`.
    pub callback_key: String,
    /// How long one offer rings an agent before it is tried elsewhere, in milliseconds.
    pub ring_timeout_ms: i64,
    /// An agent's pause after each queue call before the next offer, in milliseconds.
    pub wrap_up_ms: i64,
    /// Interval between position/estimated-wait announcements, in milliseconds;
    /// `None`: no announcements.
    pub announce_every_ms: Option<i64>,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            offer_callback: false,
            callback_key: "1".into(),
            ring_timeout_ms: 15_000,
            wrap_up_ms: 10_000,
            announce_every_ms: Some(30_000),
        }
    }
}

/// Longest a stored ring timeout, wrap-up or announcement interval may be (one day):
/// beyond it a value is a typo, not a setting.
pub const MAX_QUEUE_INTERVAL_MS: i64 = 86_400_000;

impl QueueSettings {
    fn validate(&self) -> Result<()> {
        let mut keys = self.callback_key.chars();
        let is_phone_key = matches!((keys.next(), keys.next()), (Some(key), None)
            if key.is_ascii_digit() || key == '*' || key == '#');
        if !is_phone_key {
            return Err(StoreError::Invalid(
                "callback_key must be one phone key: 0-9, * or #".into(),
            ));
        }
        let in_range = |ms: i64| (1..=MAX_QUEUE_INTERVAL_MS).contains(&ms);
        if !in_range(self.ring_timeout_ms) {
            return Err(StoreError::Invalid(format!(
                "ring_timeout_ms must be between 1 and {MAX_QUEUE_INTERVAL_MS}"
            )));
        }
        if !(0..=MAX_QUEUE_INTERVAL_MS).contains(&self.wrap_up_ms) {
            return Err(StoreError::Invalid(format!(
                "wrap_up_ms must be between 0 and {MAX_QUEUE_INTERVAL_MS}"
            )));
        }
        if self.announce_every_ms.is_some_and(|ms| !in_range(ms)) {
            return Err(StoreError::Invalid(format!(
                "announce_every_ms must be between 1 and {MAX_QUEUE_INTERVAL_MS}, or null"
            )));
        }
        Ok(())
    }
}

impl QueueSpec {
    fn validate(&self) -> Result<()> {
        require_text("queue name", &self.name, MAX_NAME_LEN)?;
        if self.max_wait_ms <= 0 || self.max_length <= 0 {
            return Err(StoreError::Invalid("queue limits must be positive".into()));
        }
        self.settings.validate()
    }
}

const QUEUE_COLUMNS: &str = "id, tenant_id, name, strategy, max_wait_ms, max_length, overflow, \
     offer_callback, callback_key, ring_timeout_ms, wrap_up_ms, announce_every_ms";

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
            settings: QueueSettings {
                offer_callback: col::<i64>(row, "offer_callback")? != 0,
                callback_key: col(row, "callback_key")?,
                ring_timeout_ms: col(row, "ring_timeout_ms")?,
                wrap_up_ms: col(row, "wrap_up_ms")?,
                announce_every_ms: col(row, "announce_every_ms")?,
            },
        },
    })
}

impl Store {
    /// Creates a queue; [`StoreError::Conflict`] if the name is taken in the tenant.
    pub async fn create_queue(&self, tenant: TenantId, spec: &QueueSpec) -> Result<Queue> {
        spec.validate()?;
        let row = sqlx::query(&format!(
            "INSERT INTO queues (tenant_id, name, strategy, max_wait_ms, max_length, overflow, \
             offer_callback, callback_key, ring_timeout_ms, wrap_up_ms, announce_every_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {QUEUE_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(&spec.name)
        .bind(spec.strategy.as_str())
        .bind(spec.max_wait_ms)
        .bind(spec.max_length)
        .bind(to_json(&spec.overflow)?)
        .bind(i64::from(spec.settings.offer_callback))
        .bind(&spec.settings.callback_key)
        .bind(spec.settings.ring_timeout_ms)
        .bind(spec.settings.wrap_up_ms)
        .bind(spec.settings.announce_every_ms)
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
            "UPDATE queues SET name = $3, strategy = $4, max_wait_ms = $5, max_length = $6, overflow = $7, \
             offer_callback = $8, callback_key = $9, ring_timeout_ms = $10, wrap_up_ms = $11, \
             announce_every_ms = $12 WHERE tenant_id = $1 AND id = $2 RETURNING {QUEUE_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .bind(&spec.name)
        .bind(spec.strategy.as_str())
        .bind(spec.max_wait_ms)
        .bind(spec.max_length)
        .bind(to_json(&spec.overflow)?)
        .bind(i64::from(spec.settings.offer_callback))
        .bind(&spec.settings.callback_key)
        .bind(spec.settings.ring_timeout_ms)
        .bind(spec.settings.wrap_up_ms)
        .bind(spec.settings.announce_every_ms)
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
