//! Request handlers, one module per object family. Every tenant handler takes a
//! [`crate::auth::TenantCaller`] and passes only its tenant id to the store.

pub(crate) mod callbacks;
pub(crate) mod calls;
pub(crate) mod components;
pub(crate) mod contacts;
pub(crate) mod events;
pub(crate) mod login;
pub(crate) mod metrics;
pub(crate) mod numbers;
pub(crate) mod originate;
pub(crate) mod prompts;
pub(crate) mod queues;
pub(crate) mod recordings;
pub(crate) mod records;
pub(crate) mod reports;
pub(crate) mod routes;
pub(crate) mod tenants;
pub(crate) mod trunks;
pub(crate) mod user_password;
pub(crate) mod users;
pub(crate) mod webhooks;
pub(crate) mod widget;
pub(crate) mod widget_keys;
