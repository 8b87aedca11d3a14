//! Platform-wide counts for the metrics endpoint (operators, not tenants, see these).

use sqlx::Row;

use crate::call_record::Disposition;
use crate::error::Result;
use crate::store::Store;

impl Store {
    /// Finished calls of all tenants per disposition (platform-wide, for metrics).
    pub async fn calls_by_disposition_all_tenants(&self) -> Result<Vec<(Disposition, u64)>> {
        let rows = sqlx::query(
            "SELECT disposition, CAST(COUNT(*) AS BIGINT) AS n FROM calls \
             WHERE disposition IS NOT NULL GROUP BY disposition ORDER BY disposition",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let disposition = Disposition::parse(&row.try_get::<String, _>("disposition")?)?;
                let count: i64 = row.try_get("n")?;
                Ok((disposition, u64::try_from(count).unwrap_or(0)))
            })
            .collect()
    }

    /// Live calls of all tenants (platform-wide, for metrics).
    pub async fn live_call_count_all_tenants(&self) -> Result<u64> {
        let count: (i64,) =
            sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM calls WHERE status = 'live'")
                .fetch_one(&self.pool)
                .await?;
        Ok(u64::try_from(count.0).unwrap_or(0))
    }

    /// Component versions stored for all tenants (platform-wide, for metrics).
    pub async fn component_version_count_all_tenants(&self) -> Result<u64> {
        let count: (i64,) =
            sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM component_versions")
                .fetch_one(&self.pool)
                .await?;
        Ok(u64::try_from(count.0).unwrap_or(0))
    }
}
