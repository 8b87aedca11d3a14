//! CDR search with filters and paging, and CSV export of the same result.

use std::collections::HashMap;
use std::io::Write;

use serde::{Deserialize, Serialize};

use crate::call_record::{CALL_COLUMNS, Call, Direction, Disposition, call_from_row};
use crate::codec::{Bind, Conditions, MAX_PAGE_SIZE, Page, col};
use crate::error::{Result, StoreError};
use crate::ids::{TenantId, UnixMs, UserId};
use crate::store::Store;

/// Rows fetched per round trip while exporting.
const EXPORT_BATCH: u32 = 500;

/// Which calls to find. Every field narrows the result; `None` means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallFilter {
    /// Started at or after this time.
    pub since: Option<UnixMs>,
    /// Started before this time.
    pub until: Option<UnixMs>,
    /// The customer's number or the tenant's dialled number (normalised before matching).
    pub number: Option<String>,
    /// Handled by this agent.
    pub agent: Option<UserId>,
    /// Ended like this.
    pub disposition: Option<Disposition>,
    /// Carries this tag.
    pub tag: Option<String>,
    /// Came from this source or campaign.
    pub source: Option<String>,
    /// Inbound or outbound.
    pub direction: Option<Direction>,
}

/// Where the next batch of [`Store::export_calls_csv_batch`] starts (opaque to callers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvCursor {
    start: UnixMs,
    id: String,
}

/// The CSV columns of [`Store::export_calls_csv`], in order.
pub const CSV_COLUMNS: [&str; 21] = [
    "id",
    "status",
    "direction",
    "from",
    "to",
    "dialed",
    "customer_number",
    "source",
    "start_ms",
    "answer_ms",
    "connected_ms",
    "end_ms",
    "duration_ms",
    "talk_ms",
    "disposition",
    "hangup_cause",
    "hangup_side",
    "scenario",
    "component_hash",
    "agent_id",
    "tags",
];

impl Store {
    fn call_conditions(&self, tenant: TenantId, filter: &CallFilter, country: &str) -> Conditions {
        let mut conditions = Conditions::default();
        let tenant_at = conditions.bind(Bind::Int(tenant.0));
        conditions.push(format!("tenant_id = {tenant_at}"));
        if let Some(since) = filter.since {
            let at = conditions.bind(Bind::Int(since.0));
            conditions.push(format!("start_ms >= {at}"));
        }
        if let Some(until) = filter.until {
            let at = conditions.bind(Bind::Int(until.0));
            conditions.push(format!("start_ms < {at}"));
        }
        if let Some(number) = &filter.number {
            let at = conditions.bind(Bind::Text(crate::normalise_number(number, country)));
            conditions.push(format!("(customer_number = {at} OR dialed = {at})"));
        }
        if let Some(agent) = filter.agent {
            let at = conditions.bind(Bind::Int(agent.0));
            conditions.push(format!("agent_id = {at}"));
        }
        if let Some(disposition) = filter.disposition {
            let at = conditions.bind(Bind::Text(disposition.as_str().to_owned()));
            conditions.push(format!("disposition = {at}"));
        }
        if let Some(tag) = &filter.tag {
            let at = conditions.bind(Bind::Text(tag.clone()));
            conditions.push(format!(
                "id IN (SELECT call_id FROM call_tags WHERE tenant_id = {tenant_at} AND tag = {at})"
            ));
        }
        if let Some(source) = &filter.source {
            let at = conditions.bind(Bind::Text(source.clone()));
            conditions.push(format!("source = {at}"));
        }
        if let Some(direction) = filter.direction {
            let at = conditions.bind(Bind::Text(direction.as_str().to_owned()));
            conditions.push(format!("direction = {at}"));
        }
        conditions
    }

    /// The tenant's calls matching `filter`, newest first, one page.
    pub async fn search_calls(
        &self,
        tenant: TenantId,
        filter: &CallFilter,
        page: Page,
    ) -> Result<Vec<Call>> {
        let country = self.tenant_country(tenant).await?;
        let conditions = self.call_conditions(tenant, filter, &country);
        let sql = format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE {} ORDER BY start_ms DESC, id DESC {}",
            conditions.sql(),
            page.sql()
        );
        let rows = conditions
            .apply(sqlx::query(&sql))
            .fetch_all(&self.pool)
            .await?;
        let mut calls = rows.iter().map(call_from_row).collect::<Result<Vec<_>>>()?;
        self.fill_tags(tenant, &mut calls).await?;
        Ok(calls)
    }

    /// How many of the tenant's calls match `filter`.
    pub async fn count_calls(&self, tenant: TenantId, filter: &CallFilter) -> Result<u64> {
        let country = self.tenant_country(tenant).await?;
        let conditions = self.call_conditions(tenant, filter, &country);
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM calls WHERE {}",
            conditions.sql()
        );
        let row = conditions
            .apply(sqlx::query(&sql))
            .fetch_one(&self.pool)
            .await?;
        let count: i64 = col(&row, "n")?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Writes every call matching `filter` as CSV ([`CSV_COLUMNS`], newest first) and
    /// returns how many rows were written. Pages by (start, id) rather than by offset, so
    /// calls finishing during the export neither repeat nor vanish from it.
    pub async fn export_calls_csv(
        &self,
        tenant: TenantId,
        filter: &CallFilter,
        output: impl Write,
    ) -> Result<u64> {
        let country = self.tenant_country(tenant).await?;
        let mut writer = csv::Writer::from_writer(output);
        writer.write_record(CSV_COLUMNS)?;
        let mut written = 0_u64;
        let mut after: Option<(i64, String)> = None;
        loop {
            let mut conditions = self.call_conditions(tenant, filter, &country);
            if let Some((start, id)) = &after {
                let start_at = conditions.bind(Bind::Int(*start));
                let id_at = conditions.bind(Bind::Text(id.clone()));
                conditions.push(format!(
                    "(start_ms < {start_at} OR (start_ms = {start_at} AND id < {id_at}))"
                ));
            }
            let sql = format!(
                "SELECT {CALL_COLUMNS} FROM calls WHERE {} ORDER BY start_ms DESC, id DESC LIMIT {}",
                conditions.sql(),
                EXPORT_BATCH.min(MAX_PAGE_SIZE)
            );
            let rows = conditions
                .apply(sqlx::query(&sql))
                .fetch_all(&self.pool)
                .await?;
            let mut calls = rows.iter().map(call_from_row).collect::<Result<Vec<_>>>()?;
            self.fill_tags(tenant, &mut calls).await?;
            for call in &calls {
                writer.write_record(csv_row(call))?;
                written += 1;
            }
            match calls.last() {
                Some(last) if calls.len() == EXPORT_BATCH as usize => {
                    after = Some((last.start.0, last.id.0.clone()))
                }
                _ => break,
            }
        }
        writer.flush().map_err(StoreError::Io)?;
        Ok(written)
    }

    /// One batch of the CSV export, for callers that stream it (the HTTP API): the rows
    /// after `after` (all from the newest when `None`), with the header line when `after`
    /// is `None`, and the cursor of the next batch (`None` when this was the last). Same
    /// order and columns as [`Store::export_calls_csv`].
    pub async fn export_calls_csv_batch(
        &self,
        tenant: TenantId,
        filter: &CallFilter,
        after: Option<&CsvCursor>,
    ) -> Result<(Vec<u8>, Option<CsvCursor>)> {
        let country = self.tenant_country(tenant).await?;
        let mut conditions = self.call_conditions(tenant, filter, &country);
        if let Some(cursor) = after {
            let start_at = conditions.bind(Bind::Int(cursor.start.0));
            let id_at = conditions.bind(Bind::Text(cursor.id.clone()));
            conditions.push(format!(
                "(start_ms < {start_at} OR (start_ms = {start_at} AND id < {id_at}))"
            ));
        }
        let sql = format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE {} ORDER BY start_ms DESC, id DESC LIMIT {}",
            conditions.sql(),
            EXPORT_BATCH.min(MAX_PAGE_SIZE)
        );
        let rows = conditions
            .apply(sqlx::query(&sql))
            .fetch_all(&self.pool)
            .await?;
        let mut calls = rows.iter().map(call_from_row).collect::<Result<Vec<_>>>()?;
        self.fill_tags(tenant, &mut calls).await?;
        let mut writer = csv::Writer::from_writer(Vec::new());
        if after.is_none() {
            writer.write_record(CSV_COLUMNS)?;
        }
        for call in &calls {
            writer.write_record(csv_row(call))?;
        }
        let bytes = writer
            .into_inner()
            .map_err(|error| StoreError::Io(error.into_error()))?;
        let next = match calls.last() {
            Some(last) if calls.len() == EXPORT_BATCH as usize => Some(CsvCursor {
                start: last.start,
                id: last.id.0.clone(),
            }),
            _ => None,
        };
        Ok((bytes, next))
    }

    /// Loads the tags of `calls` in one query.
    async fn fill_tags(&self, tenant: TenantId, calls: &mut [Call]) -> Result<()> {
        if calls.is_empty() {
            return Ok(());
        }
        let mut conditions = Conditions::default();
        let tenant_at = conditions.bind(Bind::Int(tenant.0));
        let ids: Vec<String> = calls
            .iter()
            .map(|call| conditions.bind(Bind::Text(call.id.0.clone())))
            .collect();
        conditions.push(format!(
            "tenant_id = {tenant_at} AND call_id IN ({})",
            ids.join(", ")
        ));
        let sql = format!(
            "SELECT call_id, tag FROM call_tags WHERE {} ORDER BY tag",
            conditions.sql()
        );
        let rows = conditions
            .apply(sqlx::query(&sql))
            .fetch_all(&self.pool)
            .await?;
        let mut tags: HashMap<String, Vec<String>> = HashMap::new();
        for row in &rows {
            tags.entry(col(row, "call_id")?)
                .or_default()
                .push(col(row, "tag")?);
        }
        for call in calls {
            call.tags = tags.remove(&call.id.0).unwrap_or_default();
        }
        Ok(())
    }
}

fn csv_row(call: &Call) -> Vec<String> {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let time = |value: Option<UnixMs>| value.map(|at| at.0.to_string()).unwrap_or_default();
    vec![
        call.id.0.clone(),
        call.status.as_str().to_owned(),
        call.direction.as_str().to_owned(),
        call.from.clone(),
        call.to.clone(),
        call.dialed.clone(),
        call.customer_number.clone(),
        text(&call.source),
        call.start.0.to_string(),
        time(call.answer),
        time(call.connected),
        time(call.end),
        call.duration_ms.to_string(),
        call.talk_ms.to_string(),
        call.disposition
            .map(|d| d.as_str().to_owned())
            .unwrap_or_default(),
        text(&call.hangup_cause),
        call.hangup_side
            .map(|side| side.as_str().to_owned())
            .unwrap_or_default(),
        text(&call.scenario),
        text(&call.component_hash),
        call.agent
            .map(|agent| agent.0.to_string())
            .unwrap_or_default(),
        call.tags.join(";"),
    ]
}
