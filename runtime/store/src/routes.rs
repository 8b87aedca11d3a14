//! Routes: which scenario answers a number, with its configuration, fallback and
//! working hours.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::codec::{MAX_NAME_LEN, col, json_col, require_text, to_json};
use crate::error::{Result, StoreError, conflict_as};
use crate::ids::{RouteId, TenantId, UnixMs};
use crate::store::Store;
use crate::working_hours::WorkingHours;

/// Where a call goes when the scenario fails (trap, overrun, error) or is closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fallback {
    /// Put the caller in a queue.
    Queue {
        /// The queue's name.
        name: String,
    },
    /// Forward to a number (a backup phone, the director's mobile).
    Number {
        /// The number to dial.
        number: String,
    },
    /// Run another scenario (voice self-ordering).
    Scenario {
        /// The component's name.
        name: String,
    },
    /// Record a voicemail.
    Voicemail,
    /// Play a prompt and hang up.
    Announcement {
        /// The prompt's name.
        prompt: String,
    },
}

/// A route of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// The route's id.
    pub id: RouteId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The number it serves (normalised), unique within the tenant.
    pub number: String,
    /// The component that answers.
    pub scenario: String,
    /// Configuration handed to the scenario.
    pub config: serde_json::Value,
    /// Where calls go when the scenario fails.
    pub fallback: Option<Fallback>,
    /// When the scenario answers; outside, the after-hours branch does.
    pub working_hours: Option<WorkingHours>,
    /// When it was created.
    pub created: UnixMs,
}

/// The editable fields of a route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteSpec {
    /// The number it serves (normalised on write).
    pub number: String,
    /// The component that answers.
    pub scenario: String,
    /// Configuration handed to the scenario.
    pub config: serde_json::Value,
    /// Where calls go when the scenario fails.
    pub fallback: Option<Fallback>,
    /// When the scenario answers.
    pub working_hours: Option<WorkingHours>,
}

const ROUTE_COLUMNS: &str =
    "id, tenant_id, number, scenario, config, fallback, working_hours, created_ms";

fn route_from_row(row: &AnyRow) -> Result<Route> {
    Ok(Route {
        id: RouteId(col(row, "id")?),
        tenant_id: TenantId(col(row, "tenant_id")?),
        number: col(row, "number")?,
        scenario: col(row, "scenario")?,
        config: json_col(row, "config")?,
        fallback: json_col(row, "fallback")?,
        working_hours: json_col(row, "working_hours")?,
        created: UnixMs(col(row, "created_ms")?),
    })
}

impl RouteSpec {
    fn validate(&self) -> Result<()> {
        require_text("route number", &self.number, MAX_NAME_LEN)?;
        require_text("route scenario", &self.scenario, MAX_NAME_LEN)?;
        if let Some(hours) = &self.working_hours {
            hours.validate()?;
        }
        Ok(())
    }
}

impl Store {
    /// Creates a route; [`StoreError::Conflict`] if the number already has one.
    pub async fn create_route(
        &self,
        tenant: TenantId,
        spec: &RouteSpec,
        now: UnixMs,
    ) -> Result<Route> {
        spec.validate()?;
        let number = self.normalise_for_tenant(tenant, &spec.number).await?;
        let row = sqlx::query(&format!(
            "INSERT INTO routes (tenant_id, number, scenario, config, fallback, working_hours, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {ROUTE_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(number)
        .bind(&spec.scenario)
        .bind(to_json(&spec.config)?)
        .bind(to_json(&spec.fallback)?)
        .bind(to_json(&spec.working_hours)?)
        .bind(now.0)
        .fetch_one(&self.pool)
        .await
        .map_err(conflict_as("route for this number"))?;
        route_from_row(&row)
    }

    /// Replaces a route's fields.
    pub async fn update_route(
        &self,
        tenant: TenantId,
        id: RouteId,
        spec: &RouteSpec,
    ) -> Result<Route> {
        spec.validate()?;
        let number = self.normalise_for_tenant(tenant, &spec.number).await?;
        let row = sqlx::query(&format!(
            "UPDATE routes SET number = $3, scenario = $4, config = $5, fallback = $6, working_hours = $7 \
             WHERE tenant_id = $1 AND id = $2 RETURNING {ROUTE_COLUMNS}"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .bind(number)
        .bind(&spec.scenario)
        .bind(to_json(&spec.config)?)
        .bind(to_json(&spec.fallback)?)
        .bind(to_json(&spec.working_hours)?)
        .fetch_optional(&self.pool)
        .await
        .map_err(conflict_as("route for this number"))?
        .ok_or(StoreError::NotFound("route"))?;
        route_from_row(&row)
    }

    /// One route of the tenant.
    pub async fn route(&self, tenant: TenantId, id: RouteId) -> Result<Route> {
        let row = sqlx::query(&format!(
            "SELECT {ROUTE_COLUMNS} FROM routes WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("route"))?;
        route_from_row(&row)
    }

    /// The route serving `number` (normalised for the tenant), if any.
    pub async fn route_for_number(&self, tenant: TenantId, number: &str) -> Result<Option<Route>> {
        let number = self.normalise_for_tenant(tenant, number).await?;
        let row = sqlx::query(&format!(
            "SELECT {ROUTE_COLUMNS} FROM routes WHERE tenant_id = $1 AND number = $2"
        ))
        .bind(tenant.0)
        .bind(number)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(route_from_row).transpose()
    }

    /// The tenant's routes, by number.
    pub async fn list_routes(&self, tenant: TenantId) -> Result<Vec<Route>> {
        let rows = sqlx::query(&format!(
            "SELECT {ROUTE_COLUMNS} FROM routes WHERE tenant_id = $1 ORDER BY number"
        ))
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(route_from_row).collect()
    }

    /// Deletes a route of the tenant.
    pub async fn delete_route(&self, tenant: TenantId, id: RouteId) -> Result<()> {
        let done = sqlx::query("DELETE FROM routes WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0)
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("route"));
        }
        Ok(())
    }
}
