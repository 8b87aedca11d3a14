//! The missed-call list: callback tasks, deduplicated per (tenant, caller, dialled number)
//! while open, claimed atomically by one dialer or agent, closed by the customer's next
//! answered call.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::call_record::Disposition;
use crate::codec::{MAX_NAME_LEN, Page, col, require_text, text_enum};
use crate::error::{Result, StoreError};
use crate::ids::{CallId, CallbackTaskId, TenantId, UnixMs};
use crate::number::{is_customer_number, normalise_number};
use crate::store::{Backend, Store};

text_enum!(
    /// Where a callback task is.
    CallbackState {
        /// Waiting to be called back.
        New = "new",
        /// Claimed by a dialer or an agent.
        InProgress = "in_progress",
        /// The customer was reached (or called back and was answered).
        Done = "done",
        /// Given up (retry limit, wrong number).
        Failed = "failed",
    }
);

/// One entry of the missed-call list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackTask {
    /// The task's id.
    pub id: CallbackTaskId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The customer's number, normalised.
    pub number: String,
    /// The tenant's number the customer dialled, normalised.
    pub dialed: String,
    /// Why the task exists (`no_answer`, `abandoned`, `after_hours`, `widget`, ...), latest.
    pub reason: String,
    /// Its state.
    pub state: CallbackState,
    /// How many callback attempts were claimed.
    pub attempts: u32,
    /// How many missed calls were merged into it.
    pub missed_count: u32,
    /// Not to be called back before this time.
    pub due: UnixMs,
    /// When it was created.
    pub created: UnixMs,
    /// When it last changed.
    pub updated: UnixMs,
    /// Who claimed it last (dialer instance or agent).
    pub claimed_by: Option<String>,
    /// The latest missed call merged into it.
    pub last_call: Option<CallId>,
    /// The call that closed it.
    pub closed_by_call: Option<CallId>,
    /// The queue to call back through, when the request named one (the dialer offers
    /// tasks without one to the tenant's queues by name).
    pub queue: Option<String>,
}

/// A missed call or a callback request to put on the list ([`Store::add_missed_call`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissedCall {
    /// The customer's number as presented.
    pub number: String,
    /// The tenant's number that was dialled (or the widget's number).
    pub dialed: String,
    /// Why (`no_answer`, `widget`, `voicemail`, ...).
    pub reason: String,
    /// The call that was missed, if any.
    pub call: Option<CallId>,
    /// Not before this time (now for missed calls; the chosen time for widget requests).
    pub due: UnixMs,
    /// The queue to call back through, if the request named one.
    pub queue: Option<String>,
}

/// How a claimed callback attempt went ([`Store::finish_callback`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallbackOutcome {
    /// The customer was reached.
    Done,
    /// Give up.
    Failed,
    /// Not reached; try again from `due`.
    Retry {
        /// The next attempt's earliest time.
        due: UnixMs,
    },
}

const TASK_COLUMNS: &str = "id, tenant_id, number, dialed, reason, state, attempts, missed_count, due_ms, \
     created_ms, updated_ms, claimed_by, last_call_id, closed_by_call_id, queue";

fn task_from_row(row: &AnyRow) -> Result<CallbackTask> {
    let count = |name: &'static str| -> Result<u32> {
        let value: i64 = col(row, name)?;
        u32::try_from(value).map_err(|_| StoreError::Corrupt {
            what: name,
            value: value.to_string(),
        })
    };
    Ok(CallbackTask {
        id: CallbackTaskId(col(row, "id")?),
        tenant_id: TenantId(col(row, "tenant_id")?),
        number: col(row, "number")?,
        dialed: col(row, "dialed")?,
        reason: col(row, "reason")?,
        state: CallbackState::parse(&col::<String>(row, "state")?)?,
        attempts: count("attempts")?,
        missed_count: count("missed_count")?,
        due: UnixMs(col(row, "due_ms")?),
        created: UnixMs(col(row, "created_ms")?),
        updated: UnixMs(col(row, "updated_ms")?),
        claimed_by: col(row, "claimed_by")?,
        last_call: col::<Option<String>>(row, "last_call_id")?.map(CallId),
        closed_by_call: col::<Option<String>>(row, "closed_by_call_id")?.map(CallId),
        queue: col(row, "queue")?,
    })
}

/// The conflicting open task's last miss is the miss being added: the same call filed
/// during its life (a queue's overflow or abandonment) and is now ending.
const SAME_CALL: &str = "callback_tasks.last_call_id = excluded.last_call_id";

/// Adds a missed call to the open task of (tenant, number, dialed) or opens one. The
/// partial unique index makes this one atomic statement on both backends, so two
/// concurrent misses from one caller still give one task with `missed_count` 2. A merged
/// task keeps the earlier due time. One call is one miss: when the call that filed the
/// task during its life ends unanswered, its count and its reason stay (the filing's reason
/// says more than the end's disposition), except that a voicemail replaces the reason.
pub(crate) async fn upsert_missed(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    tenant: TenantId,
    number: &str,
    dialed: &str,
    reason: &str,
    call: Option<&CallId>,
    due_and_now: UnixMs,
) -> Result<CallbackTask> {
    let missed = MissedTask {
        number,
        dialed,
        reason,
        call,
        queue: None,
    };
    upsert_missed_due(tx, tenant, &missed, due_and_now, due_and_now).await
}

/// One normalised entry for [`upsert_missed_due`].
pub(crate) struct MissedTask<'a> {
    pub(crate) number: &'a str,
    pub(crate) dialed: &'a str,
    pub(crate) reason: &'a str,
    pub(crate) call: Option<&'a CallId>,
    pub(crate) queue: Option<&'a str>,
}

/// The customer's open (new or in progress) task, whatever number they dialled, if any.
pub(crate) async fn find_open_task(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    tenant: TenantId,
    number: &str,
) -> Result<Option<CallbackTask>> {
    let row = sqlx::query(&format!(
        "SELECT {TASK_COLUMNS} FROM callback_tasks WHERE tenant_id = $1 AND number = $2 \
         AND state IN ('new', 'in_progress') ORDER BY id LIMIT 1"
    ))
    .bind(tenant.0)
    .bind(number)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(task_from_row).transpose()
}

/// A merged task keeps its queue unless the new request names one.
pub(crate) async fn upsert_missed_due(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    tenant: TenantId,
    missed: &MissedTask<'_>,
    due: UnixMs,
    now: UnixMs,
) -> Result<CallbackTask> {
    let row = sqlx::query(&format!(
        "INSERT INTO callback_tasks (tenant_id, number, dialed, reason, state, attempts, missed_count, \
         due_ms, created_ms, updated_ms, last_call_id, queue) VALUES ($1, $2, $3, $4, 'new', 0, 1, $5, $6, $6, $7, $8) \
         ON CONFLICT (tenant_id, number, dialed) WHERE state IN ('new', 'in_progress') DO UPDATE SET \
         missed_count = callback_tasks.missed_count + CASE WHEN {SAME_CALL} THEN 0 ELSE 1 END, \
         reason = CASE WHEN {SAME_CALL} AND excluded.reason <> '{voicemail}' \
         THEN callback_tasks.reason ELSE excluded.reason END, \
         updated_ms = excluded.updated_ms, \
         last_call_id = COALESCE(excluded.last_call_id, callback_tasks.last_call_id), \
         queue = COALESCE(excluded.queue, callback_tasks.queue), \
         due_ms = CASE WHEN excluded.due_ms < callback_tasks.due_ms THEN excluded.due_ms ELSE callback_tasks.due_ms END \
         RETURNING {TASK_COLUMNS}",
        voicemail = Disposition::Voicemail.as_str(),
    ))
    .bind(tenant.0)
    .bind(missed.number)
    .bind(missed.dialed)
    .bind(missed.reason)
    .bind(due.0)
    .bind(now.0)
    .bind(missed.call.map(|id| id.0.as_str()))
    .bind(missed.queue)
    .fetch_one(&mut **tx)
    .await?;
    task_from_row(&row)
}

/// Marks the open tasks of a customer done because `call` (started at `call_start`)
/// reached them. Tasks filed during the call (the customer asked for a callback in it)
/// stay open.
pub(crate) async fn close_open_tasks_for(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    tenant: TenantId,
    number: &str,
    call: &CallId,
    call_start: UnixMs,
    now: UnixMs,
) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE callback_tasks SET state = 'done', closed_by_call_id = $3, updated_ms = $4 \
         WHERE tenant_id = $1 AND number = $2 AND state IN ('new', 'in_progress') \
         AND created_ms < $5",
    )
    .bind(tenant.0)
    .bind(number)
    .bind(&call.0)
    .bind(now.0)
    .bind(call_start.0)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

impl Store {
    /// Puts a missed call or a callback request on the tenant's list, merging it into the
    /// caller's open task for the same dialled number if there is one.
    pub async fn add_missed_call(
        &self,
        tenant: TenantId,
        missed: &MissedCall,
        now: UnixMs,
    ) -> Result<CallbackTask> {
        require_text("reason", &missed.reason, MAX_NAME_LEN)?;
        let country = self.tenant_country(tenant).await?;
        let number = normalise_number(&missed.number, &country);
        if !is_customer_number(&number) {
            return Err(StoreError::Invalid(format!(
                "{:?} is not a phone number to call back",
                missed.number
            )));
        }
        let dialed = normalise_number(&missed.dialed, &country);
        require_text("dialed number", &dialed, MAX_NAME_LEN)?;
        if let Some(queue) = &missed.queue {
            require_text("queue name", queue, MAX_NAME_LEN)?;
        }
        let entry = MissedTask {
            number: &number,
            dialed: &dialed,
            reason: &missed.reason,
            call: missed.call.as_ref(),
            queue: missed.queue.as_deref(),
        };
        let mut tx = self.begin_write().await?;
        let task = upsert_missed_due(&mut tx, tenant, &entry, missed.due, now).await?;
        tx.commit().await?;
        Ok(task)
    }

    /// One task of the tenant.
    pub async fn callback_task(
        &self,
        tenant: TenantId,
        id: CallbackTaskId,
    ) -> Result<CallbackTask> {
        let row = sqlx::query(&format!(
            "SELECT {TASK_COLUMNS} FROM callback_tasks WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("callback task"))?;
        task_from_row(&row)
    }

    /// The tenant's tasks (in one state, or all), soonest due first.
    pub async fn list_callbacks(
        &self,
        tenant: TenantId,
        state: Option<CallbackState>,
        page: Page,
    ) -> Result<Vec<CallbackTask>> {
        let rows = sqlx::query(&format!(
            "SELECT {TASK_COLUMNS} FROM callback_tasks WHERE tenant_id = $1 AND ($2 = '' OR state = $2) \
             ORDER BY due_ms, id {}",
            page.sql()
        ))
        .bind(tenant.0)
        .bind(state.map_or("", CallbackState::as_str))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(task_from_row).collect()
    }

    /// Claims one task for `claimer` (new -> in progress, one more attempt). Atomic: of
    /// concurrent claimers exactly one succeeds; the others get [`StoreError::Conflict`].
    pub async fn claim_callback(
        &self,
        tenant: TenantId,
        id: CallbackTaskId,
        claimer: &str,
        now: UnixMs,
    ) -> Result<CallbackTask> {
        require_text("claimer", claimer, MAX_NAME_LEN)?;
        let row = sqlx::query(&format!(
            "UPDATE callback_tasks SET state = 'in_progress', attempts = attempts + 1, claimed_by = $3, \
             updated_ms = $4 WHERE tenant_id = $1 AND id = $2 AND state = 'new' RETURNING {TASK_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .bind(claimer)
        .bind(now.0)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => task_from_row(&row),
            None => {
                self.callback_task(tenant, id).await?;
                Err(StoreError::Conflict("claim on this callback task"))
            }
        }
    }

    /// Claims the soonest-due new task whose due time has come, if any (the auto-callback
    /// dialer's "next customer to call"). One statement, atomic on both backends: SQLite
    /// runs one writer at a time, and on PostgreSQL `FOR UPDATE SKIP LOCKED` makes
    /// concurrent dialers pick different tasks instead of colliding on the same one.
    pub async fn claim_next_callback(
        &self,
        tenant: TenantId,
        claimer: &str,
        now: UnixMs,
    ) -> Result<Option<CallbackTask>> {
        require_text("claimer", claimer, MAX_NAME_LEN)?;
        let lock = match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let row = sqlx::query(&format!(
            "UPDATE callback_tasks SET state = 'in_progress', attempts = attempts + 1, claimed_by = $3, \
             updated_ms = $2 WHERE state = 'new' AND id = (SELECT id FROM callback_tasks \
             WHERE tenant_id = $1 AND state = 'new' AND due_ms <= $2 ORDER BY due_ms, id LIMIT 1 {lock}) \
             RETURNING {TASK_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(now.0)
        .bind(claimer)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(task_from_row).transpose()
    }

    /// Gives back a claim that was not used (no agent could take the task): the task is
    /// new again and the claim's attempt is not counted. `Ok(false)` when `claimer` does
    /// not hold it (a call closed it meanwhile, or someone else claimed it).
    pub async fn release_callback(
        &self,
        tenant: TenantId,
        id: CallbackTaskId,
        claimer: &str,
        now: UnixMs,
    ) -> Result<bool> {
        let released = sqlx::query(
            "UPDATE callback_tasks SET state = 'new', claimed_by = NULL, updated_ms = $4, \
             attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END \
             WHERE tenant_id = $1 AND id = $2 AND state = 'in_progress' AND claimed_by = $3",
        )
        .bind(tenant.0)
        .bind(id.0)
        .bind(claimer)
        .bind(now.0)
        .execute(&self.pool)
        .await?;
        Ok(released.rows_affected() == 1)
    }

    /// Gives back every claim of `claimer` (of any tenant) taken before `before`: after a
    /// restart nothing in memory serves them any more. Their attempts are not counted.
    /// How many were released.
    pub async fn release_stale_callback_claims(
        &self,
        claimer: &str,
        before: UnixMs,
        now: UnixMs,
    ) -> Result<u64> {
        let released = sqlx::query(
            "UPDATE callback_tasks SET state = 'new', claimed_by = NULL, updated_ms = $3, \
             attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END \
             WHERE state = 'in_progress' AND claimed_by = $1 AND updated_ms < $2",
        )
        .bind(claimer)
        .bind(before.0)
        .bind(now.0)
        .execute(&self.pool)
        .await?;
        Ok(released.rows_affected())
    }

    /// Records how a claimed attempt went. A task that a call already closed stays done
    /// (returned unchanged); a task that is not claimed is a [`StoreError::Conflict`].
    pub async fn finish_callback(
        &self,
        tenant: TenantId,
        id: CallbackTaskId,
        outcome: CallbackOutcome,
        call: Option<&CallId>,
        now: UnixMs,
    ) -> Result<CallbackTask> {
        let (state, due) = match outcome {
            CallbackOutcome::Done => (CallbackState::Done, None),
            CallbackOutcome::Failed => (CallbackState::Failed, None),
            CallbackOutcome::Retry { due } => (CallbackState::New, Some(due)),
        };
        let closing_call = if state == CallbackState::Done {
            call.map(|id| id.0.as_str())
        } else {
            None
        };
        let row = sqlx::query(&format!(
            "UPDATE callback_tasks SET state = $3, due_ms = COALESCE($4, due_ms), updated_ms = $5, \
             closed_by_call_id = COALESCE($6, closed_by_call_id) \
             WHERE tenant_id = $1 AND id = $2 AND state = 'in_progress' RETURNING {TASK_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .bind(state.as_str())
        .bind(due.map(|due| due.0))
        .bind(now.0)
        .bind(closing_call)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = row {
            return task_from_row(&row);
        }
        let task = self.callback_task(tenant, id).await?;
        if task.state == CallbackState::Done {
            Ok(task)
        } else {
            Err(StoreError::Conflict("finish of an unclaimed callback task"))
        }
    }
}
