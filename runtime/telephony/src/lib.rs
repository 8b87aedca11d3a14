//! Binds the call controller to the store, so real calls use a tenant's stored data:
//!
//! - [`StoreServices`]: the engine's `TenantServices` (customer cards, records,
//!   callbacks) over one tenant of the [`wasmphony_store::Store`];
//! - [`StoreJournal`]: the controller's call journal — a CDR opened when a call is
//!   admitted, finished with its timeline when it ends;
//! - [`load_routes`] / [`keep_routes_fresh`]: the controller's route table from the
//!   stored routes, fallbacks and prompts, rebuilt when they change;
//! - [`dialer`]: the auto-callback dialer working the tenants' missed-call lists through
//!   the controller's queues.
#![cfg_attr(test, allow(clippy::unwrap_used))] // tests may unwrap

mod cdr;
pub mod dialer;
mod fallback;
mod journal;
mod prompts;
mod queues;
mod routes;
mod services;
mod tenant_ids;
mod trunks;

pub use fallback::engine_fallback;
pub use journal::{
    JOURNAL_COMMIT_WAIT, JOURNAL_QUEUE, JournalStats, POSTGRES_WRITERS, StoreJournal,
};
pub use prompts::{PROMPT_CODECS, base_library, tenant_library};
pub use queues::queue_definition;
pub use routes::{LoadedRoutes, ROUTE_REFRESH, RouteSource, keep_routes_fresh, load_routes};
pub use services::StoreServices;
