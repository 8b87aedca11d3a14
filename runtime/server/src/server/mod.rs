//! The server: the store, the scenario host and its registry, assembled at start-up.
//!
//! Start-up order matters: the store first (calls cut by a crash are closed before anything
//! new starts), then the site file if one is given (validated as a whole, then applied) or
//! else the demo tenant on an empty database, then every tenant's component versions into
//! the registry, so the first call already finds its scenario.

mod config;
mod demo;
mod http;
mod media_ips;
mod metrics;
mod telephony;

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Notify;
use wasmphony_api::{Metrics, RestoreReport};
use wasmphony_engine::{HostConfig, ScenarioHost, ScenarioRegistry};
use wasmphony_events::EventBus;
use wasmphony_store::{Store, UnixMs};
use wasmphony_webhooks::{WebhookConfig, WebhookError, Webhooks};

pub(crate) use config::{ApplyReport, SiteConfig};
pub(crate) use demo::{DEMO_NUMBERS, DEMO_TENANT};
pub(crate) use http::HttpApi;
pub(crate) use telephony::{Telephony, TelephonyConfig};

/// Where the server keeps its state and how it reaches its database.
#[derive(Debug, Clone)]
pub(crate) struct ServerConfig {
    /// Data directory: the SQLite file (by default) and the compiled-artifact cache.
    pub(crate) data_dir: PathBuf,
    /// `sqlite:…` or `postgres://…`; default: `sqlite:<data_dir>/wasmphony.db`.
    pub(crate) database_url: Option<String>,
    /// This node's name on the calls it opens (several nodes may share PostgreSQL).
    pub(crate) node: String,
    /// Whether to create the demo tenant when the database has no tenant at all.
    pub(crate) seed_demo: bool,
    /// A YAML site file applied at start (then no demo tenant is created).
    pub(crate) site_file: Option<PathBuf>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BootError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("storage: {0}")]
    Store(#[from] wasmphony_store::StoreError),
    #[error("scenario host: {0}")]
    Host(#[from] wasmphony_engine::HostError),
    #[error("demo tenant: {0}")]
    Demo(String),
    #[error("loading the stored components: {0}")]
    Restore(#[from] wasmphony_api::RestoreError),
    #[error("site file refused, nothing written: {0}")]
    SiteFile(#[from] config::ConfigError),
    #[error("applying the site file: {0}")]
    SiteApply(#[from] config::ApplyError),
}

/// A started server's parts.
pub(crate) struct Server {
    pub(crate) store: Store,
    pub(crate) registry: Arc<ScenarioRegistry>,
    pub(crate) database_url: String,
    pub(crate) closed_interrupted: u64,
    pub(crate) seeded_demo: bool,
    /// What the site file changed, when one was given.
    pub(crate) site: Option<ApplyReport>,
    pub(crate) components: RestoreReport,
    pub(crate) data_dir: PathBuf,
    /// Live events: the call journal publishes, the API's WebSocket streams them and
    /// webhook delivery POSTs them.
    pub(crate) events: EventBus,
    /// The API notifies it after each webhook change; webhook delivery then reloads.
    pub(crate) webhook_changes: Arc<Notify>,
    /// What `GET /metrics` renders: guests report here, the phone side adds its figures.
    pub(crate) metrics: Arc<Metrics>,
}

impl Server {
    /// Opens the store, closes calls cut by a crash, seeds the demo tenant when asked and
    /// the database is empty, and loads every component version into the registry.
    pub(crate) async fn boot(config: &ServerConfig) -> Result<Server, BootError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| BootError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        let database_url = match &config.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite:{}", config.data_dir.join("wasmphony.db").display()),
        };
        let store = Store::connect(&database_url).await?.for_node(&config.node);
        let closed_interrupted = store.close_interrupted(UnixMs::now()).await?;

        let metrics = Arc::new(Metrics::new());
        let host = ScenarioHost::observed(
            HostConfig {
                cache_dir: Some(config.data_dir.join("artifacts")),
                ..HostConfig::default()
            },
            Arc::new(metrics::GuestMetrics::new(metrics.clone())),
        )?;
        // A site file is validated as a whole (components compiled) before it is applied.
        let site = match &config.site_file {
            Some(file) => Some(SiteConfig::load(file, &host)?.apply(&store).await?),
            None => None,
        };
        let seeded_demo = config.seed_demo && site.is_none() && demo::seed_if_empty(&store).await?;

        let registry = Arc::new(ScenarioRegistry::new(host));
        let components = wasmphony_api::restore_registry(&store, &registry).await?;
        Ok(Server {
            store,
            registry,
            database_url,
            closed_interrupted,
            seeded_demo,
            site,
            components,
            data_dir: config.data_dir.clone(),
            events: EventBus::new(),
            webhook_changes: Arc::new(Notify::new()),
            metrics,
        })
    }

    /// Starts POSTing this server's live events to the tenants' webhooks; delivery runs
    /// as long as the returned handle lives. `allow_private_targets`: webhooks may reach
    /// loopback and private addresses (off: only public ones). Its delivery counters go on
    /// `/metrics`; call it once.
    pub(crate) fn start_webhooks(
        &self,
        allow_private_targets: bool,
    ) -> Result<Webhooks, WebhookError> {
        let webhooks = Webhooks::start(
            self.store.clone(),
            self.events.clone(),
            self.webhook_changes.clone(),
            WebhookConfig {
                allow_private_targets,
                ..WebhookConfig::default()
            },
        )?;
        metrics::register_webhooks(&self.metrics, webhooks.stats());
        Ok(webhooks)
    }
}
