//! Calls: the CDR life cycle (open at start, finish at hang-up with its events in one
//! transaction, recovery of calls cut by a crash) and reads of single calls.

use crate::call_record::{
    CALL_COLUMNS, Call, CallEnd, CallEvent, Direction, Disposition, HangupSide, NewCall,
    call_from_row, validate_events,
};
use crate::callbacks::{close_open_tasks_for, upsert_missed};
use crate::codec::{col, json_col, to_json};
use crate::error::{Result, StoreError, conflict_as};
use crate::ids::{CallId, TenantId, UnixMs};
use crate::number::{is_customer_number, normalise_number};
use crate::store::Store;

/// Tags of a call in which the customer asked to be called back (a scenario's callback,
/// a queue's "press 1", a voicemail): such a call, though answered by the host, did not
/// serve them, so it leaves their open callback tasks open.
pub(crate) const KEEPS_CALLBACKS_OPEN: [&str; 3] = ["callback", "queue-callback", "voicemail"];

impl Store {
    /// Records a call that has just started (status live). An inbound or outbound call with
    /// an outside number creates that number's customer card if it has none, in the same
    /// transaction, so every caller gets a card.
    pub async fn open_call(&self, tenant: TenantId, call: &NewCall) -> Result<Call> {
        call.validate()?;
        let country = self.tenant_country(tenant).await?;
        let mut tx = self.begin_write().await?;
        let opened = self.open_call_in(&mut tx, tenant, call, &country).await?;
        tx.commit().await?;
        Ok(opened)
    }

    /// [`Store::open_call`]'s writes inside `tx`; `country` is the tenant's, read before the
    /// transaction so it holds the write lock no longer than its writes take. `call` is
    /// validated by the caller.
    pub(crate) async fn open_call_in(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        tenant: TenantId,
        call: &NewCall,
        country: &str,
    ) -> Result<Call> {
        let customer = normalise_number(call.customer_raw(), country);
        let dialed = normalise_number(&call.dialed, country);
        let row = sqlx::query(&format!(
            "INSERT INTO calls (id, tenant_id, status, node, direction, from_number, to_number, dialed, \
             customer_number, source, start_ms, scenario, component_hash) \
             VALUES ($1, $2, 'live', $12, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {CALL_COLUMNS}"
        ))
        .bind(&call.id.0)
        .bind(tenant.0)
        .bind(call.direction.as_str())
        .bind(&call.from)
        .bind(&call.to)
        .bind(&dialed)
        .bind(&customer)
        .bind(call.source.as_deref())
        .bind(call.start.0)
        .bind(call.scenario.as_deref())
        .bind(call.component_hash.as_deref())
        .bind(self.node())
        .fetch_one(&mut **tx)
        .await
        .map_err(conflict_as("call"))?;
        if is_customer_number(&customer) {
            sqlx::query(
                "INSERT INTO contacts (tenant_id, number, created_ms, updated_ms) VALUES ($1, $2, $3, $3) \
                 ON CONFLICT (tenant_id, number) DO NOTHING",
            )
            .bind(tenant.0)
            .bind(&customer)
            .bind(call.start.0)
            .execute(&mut **tx)
            .await?;
        }
        call_from_row(&row)
    }

    /// Completes a live call: writes the CDR, its tags and its events in ONE transaction
    /// (all or nothing), and in the same transaction updates the missed-call list: an
    /// unanswered inbound call adds (or merges into) the caller's callback task; an
    /// answered call with the customer closes the customer's open callback tasks.
    ///
    /// Times come from clocks, which can step backwards: rather than lose the CDR, times
    /// out of order are stored as given and the durations are clamped at zero.
    /// `agent` and `recording` are stored as given (the agent may be deleted meanwhile).
    ///
    /// Errors: [`StoreError::NotFound`] if the tenant has no such call,
    /// [`StoreError::Conflict`] if it is not live any more or two events share a `seq`,
    /// [`StoreError::Invalid`] for bad tags or events (more than the documented limits,
    /// empty names): the controller bounds its timeline, so these are programming errors.
    pub async fn finish_call(
        &self,
        tenant: TenantId,
        id: &CallId,
        end: &CallEnd,
        events: &[CallEvent],
    ) -> Result<Call> {
        let mut tx = self.begin_write().await?;
        match self
            .finish_call_in(&mut tx, tenant, id, end, events)
            .await?
        {
            Some(call) => {
                tx.commit().await?;
                Ok(call)
            }
            None => {
                drop(tx);
                Err(match self.call(tenant, id).await {
                    Ok(_) => StoreError::Conflict("finished call"),
                    Err(error) => error,
                })
            }
        }
    }

    /// [`Store::finish_call`]'s writes inside `tx`: `None` when the tenant has no such call
    /// live (unknown, or finished already), with nothing written.
    pub(crate) async fn finish_call_in(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        tenant: TenantId,
        id: &CallId,
        end: &CallEnd,
        events: &[CallEvent],
    ) -> Result<Option<Call>> {
        let tags = end.validated_tags()?;
        validate_events(events)?;
        let talk_ms = end
            .answer
            .map_or(0, |answer| end.end.0.saturating_sub(answer.0).max(0));
        let row = sqlx::query(&format!(
            "UPDATE calls SET status = 'completed', answer_ms = $3, end_ms = $4, \
             duration_ms = CASE WHEN $4 > start_ms THEN $4 - start_ms ELSE 0 END, \
             talk_ms = $5, disposition = $6, hangup_cause = $7, hangup_side = $8, queue = $9, agent_id = $10, \
             recording_id = $11 WHERE tenant_id = $1 AND id = $2 AND status = 'live' RETURNING {CALL_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(&id.0)
        .bind(end.answer.map(|at| at.0))
        .bind(end.end.0)
        .bind(talk_ms)
        .bind(end.disposition.as_str())
        .bind(end.hangup_cause.as_deref())
        .bind(end.hangup_side.map(HangupSide::as_str))
        .bind(end.queue.as_deref())
        .bind(end.agent.map(|agent| agent.0))
        .bind(end.recording.as_ref().map(|recording| recording.0.as_str()))
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut call = call_from_row(&row)?;
        for tag in &tags {
            sqlx::query(
                "INSERT INTO call_tags (call_id, tenant_id, tag, start_ms) VALUES ($1, $2, $3, $4)",
            )
            .bind(&id.0)
            .bind(tenant.0)
            .bind(*tag)
            .bind(call.start.0)
            .execute(&mut **tx)
            .await?;
        }
        for event in events {
            sqlx::query(
                "INSERT INTO call_events (call_id, tenant_id, seq, at_ms, kind, detail) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&id.0)
            .bind(tenant.0)
            .bind(i64::from(event.seq))
            .bind(event.at.0)
            .bind(&event.kind)
            .bind(to_json(&event.detail)?)
            .execute(&mut **tx)
            .await
            .map_err(conflict_as("call event with this seq"))?;
        }
        if is_customer_number(&call.customer_number) {
            let asked_back = tags.iter().any(|tag| KEEPS_CALLBACKS_OPEN.contains(tag));
            if end.disposition == Disposition::Answered && !asked_back {
                close_open_tasks_for(tx, tenant, &call.customer_number, id, call.start, end.end)
                    .await?;
            } else if call.direction == Direction::Inbound && end.disposition.is_missed() {
                let reason = end.disposition.as_str();
                upsert_missed(
                    tx,
                    tenant,
                    &call.customer_number,
                    &call.dialed,
                    reason,
                    Some(id),
                    end.end,
                )
                .await?;
            }
        }
        call.tags = tags.into_iter().map(str::to_owned).collect();
        Ok(Some(call))
    }

    /// Closes every call of this handle's node ([`Store::for_node`]) still live, that is
    /// cut by a crash or kill: status and disposition
    /// `interrupted`, hang-up side `system`, end unknown, an `interrupted` event at `now`,
    /// and an unanswered inbound caller lands on the missed-call list. Run once at start-up,
    /// before this node accepts new calls. Returns how many calls it closed.
    pub async fn close_interrupted(&self, now: UnixMs) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(&format!(
            "UPDATE calls SET status = 'interrupted', disposition = 'interrupted', hangup_side = 'system' \
             WHERE status = 'live' AND node = $1 RETURNING {CALL_COLUMNS}"
        ))
        .bind(self.node())
        .fetch_all(&mut *tx)
        .await?;
        for row in &rows {
            let call = call_from_row(row)?;
            sqlx::query(
                "INSERT INTO call_events (call_id, tenant_id, seq, at_ms, kind, detail) \
                 VALUES ($1, $2, 0, $3, 'interrupted', 'null')",
            )
            .bind(&call.id.0)
            .bind(call.tenant_id.0)
            .bind(now.0)
            .execute(&mut *tx)
            .await?;
            if call.direction == Direction::Inbound
                && call.answer.is_none()
                && is_customer_number(&call.customer_number)
            {
                let reason = Disposition::Interrupted.as_str();
                upsert_missed(
                    &mut tx,
                    call.tenant_id,
                    &call.customer_number,
                    &call.dialed,
                    reason,
                    Some(&call.id),
                    now,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    /// One call of the tenant, with its tags.
    pub async fn call(&self, tenant: TenantId, id: &CallId) -> Result<Call> {
        let row = sqlx::query(&format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant.0)
        .bind(&id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("call"))?;
        let mut call = call_from_row(&row)?;
        let tags: Vec<(String,)> = sqlx::query_as(
            "SELECT tag FROM call_tags WHERE tenant_id = $1 AND call_id = $2 ORDER BY tag",
        )
        .bind(tenant.0)
        .bind(&id.0)
        .fetch_all(&self.pool)
        .await?;
        call.tags = tags.into_iter().map(|(tag,)| tag).collect();
        Ok(call)
    }

    /// A call's timeline, in `seq` order.
    pub async fn call_events(&self, tenant: TenantId, id: &CallId) -> Result<Vec<CallEvent>> {
        self.call(tenant, id).await?;
        let rows = sqlx::query(
            "SELECT seq, at_ms, kind, detail FROM call_events WHERE tenant_id = $1 AND call_id = $2 ORDER BY seq",
        )
        .bind(tenant.0)
        .bind(&id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let seq: i64 = col(row, "seq")?;
                Ok(CallEvent {
                    seq: u32::try_from(seq).map_err(|_| StoreError::Corrupt {
                        what: "event seq",
                        value: seq.to_string(),
                    })?,
                    at: UnixMs(col(row, "at_ms")?),
                    kind: col(row, "kind")?,
                    detail: json_col(row, "detail")?,
                })
            })
            .collect()
    }

    /// The tenant's live calls, oldest first.
    pub async fn live_calls(&self, tenant: TenantId) -> Result<Vec<Call>> {
        let rows = sqlx::query(&format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE tenant_id = $1 AND status = 'live' ORDER BY start_ms, id"
        ))
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(call_from_row).collect()
    }
}
