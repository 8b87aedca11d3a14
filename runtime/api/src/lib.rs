//! The HTTP API of wasmphony (axum), under `/api/v1`, plus `GET /metrics`.
//!
//! ```no_run
//! # async fn serve(store: wasmphony_store::Store, registry: std::sync::Arc<wasmphony_engine::ScenarioRegistry>) -> std::io::Result<()> {
//! // At start-up: load the stored components into the registry new calls read.
//! wasmphony_api::restore_registry(&store, &registry).await.ok();
//! let state = wasmphony_api::ApiState::new(store, registry).with_admin_key("operator-secret");
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, wasmphony_api::router(state)).await
//! # }
//! ```
//!
//! * **Auth**: `Authorization: Bearer <key>`. The platform administrator's key (given to
//!   [`ApiState::with_admin_key`]) creates tenants and their first key; tenant keys (only
//!   their SHA-256 is stored) carry a role (admin, supervisor, agent) and reach only their
//!   tenant's objects: every tenant handler passes the key's tenant id, and nothing from
//!   the request, to the store.
//! * **Errors**: always `{"error": {"code": "...", "message": "..."}}` with the status of
//!   [`ApiError::status`].
//! * **Limits**: every route has a body limit ([`limits`]); uploads are validated before
//!   anything is stored.
//! * **Live events**: `GET /api/v1/events` is a WebSocket of the caller's tenant's events
//!   (one JSON text message each) from the bus given to [`ApiState::with_events`]; browsers
//!   may pass the key as `?key=` there. At most [`MAX_EVENT_SUBSCRIBERS_PER_TENANT`] at once.
//! * **Routes**: [`ENDPOINTS`] lists them; `openapi.json` documents them, and a test keeps
//!   the two equal.
#![deny(missing_docs)]

mod auth;
mod byte_range;
mod callback_number;
mod component_sync;
mod error;
mod extract;
mod handlers;
mod keys;
pub mod limits;
pub mod login_throttle;
mod metrics;
mod originator;
mod passwords;
mod rate_limit;
mod rfc3339;
mod router;
mod state;

pub use component_sync::{RestoreError, RestoreReport, restore_registry};
pub use error::{ApiError, ApiResult};
pub use handlers::events::MAX_EVENT_SUBSCRIBERS_PER_TENANT;
pub use handlers::widget::{AT_PAST_TOLERANCE_MS, MAX_CALLBACK_AHEAD_MS, MAX_VISITOR_NAME_LEN};
pub use handlers::widget_keys::WIDGET_KEY_PREFIX;
pub use keys::{KEY_PREFIX, NewKey, SESSION_LIFETIME_MS, SESSION_PREFIX, generate_key, hash_key};
pub use limits::ApiLimits;
pub use metrics::{
    Collector, Counter, Gauge, Histogram, LATENCY_BUCKETS, Labels, MAX_SERIES_PER_METRIC, Metrics,
    Scrape,
};
pub use originator::{OriginateRefusal, OriginateRequest, Originator};
pub use passwords::{MAX_PASSWORD_LEN, MIN_PASSWORD_LEN};
pub use rate_limit::{BucketSpec, RateLimiter};
pub use router::{
    API_PREFIX, Access, BodyKind, ENDPOINTS, Endpoint, OPENAPI_JSON, endpoint_method, router,
};
pub use state::{ApiState, Clock};
