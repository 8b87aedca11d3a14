//! Reports over CDRs, aggregated in SQL so they stay fast on a year of calls (every query
//! range-scans the `(tenant_id, start_ms)` index): service level, abandonment, waits and
//! talk time; calls by weekday and hour; per agent; per source and per tag; target calls.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::codec::col;
use crate::error::{Result, StoreError};
use crate::ids::{TenantId, UnixMs, UserId};
use crate::store::Store;

/// The service-level threshold most call centres use ("answered within 20 s").
pub const DEFAULT_SERVICE_LEVEL_MS: i64 = 20_000;

const MS_PER_DAY: i64 = 86_400_000;
const MS_PER_HOUR: i64 = 3_600_000;

/// A report's time range: calls that started in `[since, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// First instant included.
    pub since: UnixMs,
    /// First instant excluded.
    pub until: UnixMs,
}

/// How the inbound calls of a period went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSummary {
    /// Finished inbound calls (interrupted ones included).
    pub offered: u64,
    /// Of those, answered.
    pub answered: u64,
    /// Answered within the service-level threshold (from start to the person who took the
    /// call, else to the answer).
    pub answered_within_threshold: u64,
    /// Hung up while waiting in a queue.
    pub abandoned: u64,
    /// Not answered for any reason (abandoned included).
    pub missed: u64,
    /// Sum of the waits of answered calls (start to the person who took the call, else to
    /// the answer), in milliseconds.
    pub total_wait_ms: i64,
    /// Sum of talk times of answered calls, in milliseconds.
    pub total_talk_ms: i64,
}

impl ServiceSummary {
    /// Share of offered calls answered within the threshold, in percent (`None` if no calls).
    pub fn service_level_percent(&self) -> Option<f64> {
        percent(self.answered_within_threshold, self.offered)
    }

    /// Share of offered calls abandoned, in percent.
    pub fn abandonment_percent(&self) -> Option<f64> {
        percent(self.abandoned, self.offered)
    }

    /// Mean wait before answer of answered calls, in milliseconds.
    pub fn average_wait_ms(&self) -> Option<i64> {
        (self.answered > 0).then(|| self.total_wait_ms / self.answered as i64)
    }

    /// Mean talk time of answered calls, in milliseconds.
    pub fn average_talk_ms(&self) -> Option<i64> {
        (self.answered > 0).then(|| self.total_talk_ms / self.answered as i64)
    }
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// Calls and answered calls of one group (an agent, a source, a tag, a weekday-hour).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupCount<K> {
    /// The group.
    pub key: K,
    /// Finished calls in the group.
    pub calls: u64,
    /// Of those, answered.
    pub answered: u64,
    /// Sum of talk times, in milliseconds.
    pub talk_ms: i64,
}

/// A weekday (1 = Monday .. 7 = Sunday) and an hour (0-23) of local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WeekdayHour {
    /// ISO weekday.
    pub weekday: u8,
    /// Hour of the day.
    pub hour: u8,
}

fn count(row: &AnyRow, name: &'static str) -> Result<u64> {
    let value: i64 = col(row, name)?;
    u64::try_from(value).map_err(|_| StoreError::Corrupt {
        what: name,
        value: value.to_string(),
    })
}

/// The aggregate columns every grouped report selects; SUMs are cast because PostgreSQL's
/// SUM of BIGINT is NUMERIC, which the `Any` driver cannot decode.
const GROUP_AGGREGATES: &str = "CAST(COUNT(*) AS BIGINT) AS calls, \
     CAST(COALESCE(SUM(CASE WHEN disposition = 'answered' THEN 1 ELSE 0 END), 0) AS BIGINT) AS answered, \
     CAST(COALESCE(SUM(talk_ms), 0) AS BIGINT) AS talk_ms";

/// When an answered caller got what they called for: the person they were connected to
/// (a queue agent, a dialled party), else the scenario that answered (a menu that served
/// them alone). Hold music is not an answer to a caller waiting for an agent.
const REACHED: &str = "COALESCE(connected_ms, answer_ms)";

/// Finished calls of the tenant in the period.
const IN_PERIOD: &str = "tenant_id = $1 AND start_ms >= $2 AND start_ms < $3 AND status <> 'live'";

fn group_from_row<K>(row: &AnyRow, key: K) -> Result<GroupCount<K>> {
    Ok(GroupCount {
        key,
        calls: count(row, "calls")?,
        answered: count(row, "answered")?,
        talk_ms: col(row, "talk_ms")?,
    })
}

impl Store {
    /// Service level, abandonment, waits and talk time of the inbound calls in `period`;
    /// a call counts within the threshold when the caller reached a person (or, for a call
    /// the scenario handled alone, was answered) no later than `threshold_ms` after it
    /// started (see [`DEFAULT_SERVICE_LEVEL_MS`]).
    pub async fn service_summary(
        &self,
        tenant: TenantId,
        period: Period,
        threshold_ms: i64,
    ) -> Result<ServiceSummary> {
        let row = sqlx::query(&format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS offered, \
             CAST(COALESCE(SUM(CASE WHEN disposition = 'answered' THEN 1 ELSE 0 END), 0) AS BIGINT) AS answered, \
             CAST(COALESCE(SUM(CASE WHEN disposition = 'answered' AND {REACHED} - start_ms <= $4 THEN 1 ELSE 0 END), 0) \
               AS BIGINT) AS within, \
             CAST(COALESCE(SUM(CASE WHEN disposition = 'abandoned' THEN 1 ELSE 0 END), 0) AS BIGINT) AS abandoned, \
             CAST(COALESCE(SUM(CASE WHEN disposition = 'answered' THEN {REACHED} - start_ms ELSE 0 END), 0) AS BIGINT) \
               AS wait_ms, \
             CAST(COALESCE(SUM(CASE WHEN disposition = 'answered' THEN talk_ms ELSE 0 END), 0) AS BIGINT) AS talk_ms \
             FROM calls WHERE {IN_PERIOD} AND direction = 'inbound'"
        ))
        .bind(tenant.0)
        .bind(period.since.0)
        .bind(period.until.0)
        .bind(threshold_ms)
        .fetch_one(&self.pool)
        .await?;
        let offered = count(&row, "offered")?;
        let answered = count(&row, "answered")?;
        Ok(ServiceSummary {
            offered,
            answered,
            answered_within_threshold: count(&row, "within")?,
            abandoned: count(&row, "abandoned")?,
            missed: offered - answered.min(offered),
            total_wait_ms: col(&row, "wait_ms")?,
            total_talk_ms: col(&row, "talk_ms")?,
        })
    }

    /// Calls per local weekday and hour (`utc_offset_minutes` from UTC), busiest slots
    /// first; slots without calls are absent.
    pub async fn calls_by_weekday_hour(
        &self,
        tenant: TenantId,
        period: Period,
        utc_offset_minutes: i32,
    ) -> Result<Vec<GroupCount<WeekdayHour>>> {
        // 1970-01-01 was a Thursday: (days + 3) % 7 is 0 on Mondays.
        let rows = sqlx::query(&format!(
            "SELECT CAST(((start_ms + $4) / {MS_PER_DAY} + 3) % 7 + 1 AS BIGINT) AS weekday, \
             CAST(((start_ms + $4) % {MS_PER_DAY}) / {MS_PER_HOUR} AS BIGINT) AS hour, {GROUP_AGGREGATES} \
             FROM calls WHERE {IN_PERIOD} GROUP BY 1, 2 ORDER BY calls DESC, weekday, hour"
        ))
        .bind(tenant.0)
        .bind(period.since.0)
        .bind(period.until.0)
        .bind(i64::from(utc_offset_minutes) * 60_000)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let slot = |name: &'static str| -> Result<u8> {
                    let value: i64 = col(row, name)?;
                    u8::try_from(value).map_err(|_| StoreError::Corrupt {
                        what: name,
                        value: value.to_string(),
                    })
                };
                group_from_row(
                    row,
                    WeekdayHour {
                        weekday: slot("weekday")?,
                        hour: slot("hour")?,
                    },
                )
            })
            .collect()
    }

    /// Calls handled per agent (calls with an agent set), most answered first.
    pub async fn calls_by_agent(
        &self,
        tenant: TenantId,
        period: Period,
    ) -> Result<Vec<GroupCount<UserId>>> {
        let rows = sqlx::query(&format!(
            "SELECT agent_id, {GROUP_AGGREGATES} FROM calls WHERE {IN_PERIOD} AND agent_id IS NOT NULL \
             GROUP BY agent_id ORDER BY answered DESC, agent_id"
        ))
        .bind(tenant.0)
        .bind(period.since.0)
        .bind(period.until.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| group_from_row(row, UserId(col(row, "agent_id")?)))
            .collect()
    }

    /// Calls per source or campaign (`None`: calls without one), most calls first.
    pub async fn calls_by_source(
        &self,
        tenant: TenantId,
        period: Period,
    ) -> Result<Vec<GroupCount<Option<String>>>> {
        let rows = sqlx::query(&format!(
            "SELECT source, {GROUP_AGGREGATES} FROM calls WHERE {IN_PERIOD} \
             GROUP BY source ORDER BY calls DESC, source IS NULL, source"
        ))
        .bind(tenant.0)
        .bind(period.since.0)
        .bind(period.until.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| group_from_row(row, col::<Option<String>>(row, "source")?))
            .collect()
    }

    /// Calls per tag, most calls first (a call with two tags counts in both).
    pub async fn calls_by_tag(
        &self,
        tenant: TenantId,
        period: Period,
    ) -> Result<Vec<GroupCount<String>>> {
        let rows = sqlx::query(&format!(
            "SELECT t.tag, {} FROM call_tags t JOIN calls c ON c.id = t.call_id \
             WHERE t.tenant_id = $1 AND t.start_ms >= $2 AND t.start_ms < $3 AND c.status <> 'live' \
             GROUP BY t.tag ORDER BY calls DESC, t.tag",
            GROUP_AGGREGATES.replace("disposition", "c.disposition").replace("SUM(talk_ms)", "SUM(c.talk_ms)")
        ))
        .bind(tenant.0)
        .bind(period.since.0)
        .bind(period.until.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| group_from_row(row, col::<String>(row, "tag")?))
            .collect()
    }

    /// Target calls: calls in the period that were the customer's first answered call with
    /// at least `min_talk_ms` of talk, ever (later qualifying calls of the same customer
    /// do not count again).
    pub async fn target_calls(
        &self,
        tenant: TenantId,
        period: Period,
        min_talk_ms: i64,
    ) -> Result<u64> {
        // One pass over the tenant's qualifying calls, grouped by customer: a customer
        // counts when their first qualifying call ever falls in the period. (A correlated
        // "no earlier qualifying call" subquery per call took minutes on a year of CDRs.)
        let row = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM \
             (SELECT customer_number, MIN(start_ms) AS first_ms FROM calls \
              WHERE tenant_id = $1 AND disposition = 'answered' AND talk_ms >= $4 \
              GROUP BY customer_number) firsts \
             WHERE firsts.first_ms >= $2 AND firsts.first_ms < $3",
        )
        .bind(tenant.0)
        .bind(period.since.0)
        .bind(period.until.0)
        .bind(min_talk_ms)
        .fetch_one(&self.pool)
        .await?;
        count(&row, "n")
    }
}
