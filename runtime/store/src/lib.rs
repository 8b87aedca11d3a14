//! Storage for wasmphony: one schema over SQLite (embedded default) and PostgreSQL.
//!
//! Only this crate knows sqlx. Everything else sees [`Store`] and its typed methods,
//! grouped by object family in the modules below. Every method on a tenant's objects takes
//! the [`TenantId`] and filters on it, so one tenant can neither read nor change another's
//! rows; the few platform-wide lookups say so in their names and docs.
//!
//! A call's life in the store:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use wasmphony_store::*;
//!
//! let dir = tempfile::tempdir()?;
//! let store = Store::connect(&format!("sqlite://{}", dir.path().join("wasmphony.db").display())).await?;
//! store.close_interrupted(UnixMs::now()).await?; // at start-up: close calls cut by a crash
//!
//! let new = NewTenant { slug: "acme".into(), name: "Acme".into(), country_code: "49".into() };
//! let acme = store.create_tenant(&new).await?.id;
//! let start = UnixMs::now();
//! let call = NewCall {
//!     id: CallId::from("3f2a"),
//!     direction: Direction::Inbound,
//!     from: "030 1234567".into(),
//!     to: "+4930555000".into(),
//!     dialed: "+4930555000".into(),
//!     source: None,
//!     start,
//!     scenario: Some("ivr-menu".into()),
//!     component_hash: None,
//! };
//! store.open_call(acme, &call).await?;
//! let end = CallEnd {
//!     answer: None,
//!     connected: None,
//!     end: start.plus_ms(20_000),
//!     disposition: Disposition::NoAnswer,
//!     hangup_cause: None,
//!     hangup_side: Some(HangupSide::Caller),
//!     queue: None,
//!     agent: None,
//!     recording: None,
//!     tags: vec![],
//! };
//! store.finish_call(acme, &call.id, &end, &[]).await?;
//!
//! // The caller got a card and a place on the missed-call list.
//! assert!(store.find_contact(acme, "+49 30 1234567").await?.is_some());
//! let task = store.claim_next_callback(acme, "dialer-1", end.end).await?;
//! assert_eq!(task.map(|task| task.number), Some("+49301234567".to_owned()));
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod api_keys;
mod call_record;
mod call_search;
mod callbacks;
mod calls;
mod codec;
mod components;
mod contact_import;
mod contacts;
mod error;
mod ids;
mod journal_batch;
mod number;
mod numbers;
mod platform_stats;
mod prompts;
mod queues;
mod recordings;
mod records;
mod reports;
mod routes;
mod sip_accounts;
mod store;
mod tenants;
mod trunks;
mod user_sessions;
mod users;
mod webhooks;
mod widget_keys;
mod working_hours;

pub use api_keys::ApiKey;
pub use call_record::{
    Call, CallEnd, CallEvent, CallStatus, Direction, Disposition, HangupSide, MAX_CALL_ID_LEN,
    MAX_EVENTS_PER_CALL, MAX_TAGS_PER_CALL, NewCall,
};
pub use call_search::{CSV_COLUMNS, CallFilter, CsvCursor};
pub use callbacks::{CallbackOutcome, CallbackState, CallbackTask, MissedCall};
pub use codec::{MAX_NAME_LEN, MAX_PAGE_SIZE, Page};
pub use components::{
    Component, ComponentSource, ComponentVersion, MAX_INLINE_COMPONENT_BYTES, NewComponentVersion,
};
pub use contact_import::{ImportReport, ImportRowError, MAX_IMPORT_ROWS};
pub use contacts::{AuditEntry, Contact, ContactUpdate, MAX_FIELDS_BYTES, MAX_NOTE_LEN, Note};
pub use error::{Result, StoreError};
pub use ids::*;
pub use journal_batch::{JournalWrite, MAX_JOURNAL_BATCH};
pub use number::{MAX_EXTENSION_DIGITS, is_customer_number, normalise_number};
pub use numbers::OwnedNumber;
pub use prompts::{MAX_PROMPT_BYTES, Prompt};
pub use queues::{MAX_QUEUE_INTERVAL_MS, Queue, QueueSettings, QueueSpec, QueueStrategy};
pub use recordings::{MAX_RECORDING_PATH_LEN, Recording};
pub use records::{MAX_RECORDS_PER_QUERY, NewRecord, Record};
pub use reports::{DEFAULT_SERVICE_LEVEL_MS, GroupCount, Period, ServiceSummary, WeekdayHour};
pub use routes::{Fallback, Route, RouteSpec};
pub use sip_accounts::{MIN_SIP_SECRET_LEN, SipAccount};
pub use store::{
    ACQUIRE_TIMEOUT, Backend, DEFAULT_NODE, MAX_CONNECTIONS, SQLITE_BUSY_TIMEOUT, Store,
};
pub use tenants::{NewTenant, Tenant};
pub use trunks::{Trunk, TrunkSpec};
pub use user_sessions::UserSession;
pub use users::{Device, MAX_DEVICES_PER_USER, Role, Skill, User, UserSpec};
pub use webhooks::{
    AttemptOutcome, MAX_WEBHOOK_ERROR_LEN, MAX_WEBHOOK_SECRET_LEN, MAX_WEBHOOK_URL_LEN,
    MAX_WEBHOOKS_PER_TENANT, MIN_WEBHOOK_SECRET_LEN, TenantWebhook, WEBHOOK_EVENT_KINDS, Webhook,
    WebhookAttempt, WebhookHealth, WebhookId, WebhookSpec,
};
pub use widget_keys::{
    WIDGET_REASON, WidgetCallback, WidgetFiling, WidgetKey, WidgetKeyId, WidgetReport,
};
pub use working_hours::{MAX_WINDOWS, OpenWindow, WorkingHours};
