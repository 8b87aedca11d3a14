//! What every handler can reach: the store, the scenario registry, limits, metrics, the
//! live event bus, the webhook change signal, the click-to-call originator and the widget
//! route's rate limits.

use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::{Notify, OnceCell};
use wasmphony_engine::ScenarioRegistry;
use wasmphony_events::EventBus;
use wasmphony_store::{Store, UnixMs};

use crate::keys::hash_key;
use crate::limits::{ApiLimits, WIDGET_TRACKED_SOURCES};
use crate::login_throttle::LoginThrottle;
use crate::metrics::Metrics;
use crate::originator::Originator;
use crate::rate_limit::RateLimiter;

/// The shared state of the router. Cheap to clone.
#[derive(Clone)]
pub struct ApiState {
    pub(crate) store: Store,
    pub(crate) registry: Arc<ScenarioRegistry>,
    pub(crate) limits: ApiLimits,
    pub(crate) metrics: Arc<Metrics>,
    /// SHA-256 of the platform administrator's key (creates tenants and their keys).
    pub(crate) admin_key_hash: Option<String>,
    /// Where recording files live (their stored paths are relative to it).
    pub(crate) recordings_dir: Option<PathBuf>,
    /// The live events streamed by `GET /api/v1/events`, by tenant slug.
    pub(crate) events: EventBus,
    /// Told after every webhook change, so webhook delivery re-reads the set at once.
    pub(crate) webhook_changes: Arc<Notify>,
    /// What time it is for session expiry and login limits (tests set a virtual clock).
    pub(crate) clock: Clock,
    /// Login attempt limits and the stand-in hash checked for unknown users.
    pub(crate) logins: Arc<LoginGuard>,
    /// Places click-to-call calls (the server's call controller); `None`: no phone side.
    pub(crate) originator: Option<Arc<dyn Originator>>,
    /// The public widget route's token buckets.
    pub(crate) widget_limits: Arc<Mutex<WidgetLimiters>>,
}

/// The API's source of the current time.
pub type Clock = Arc<dyn Fn() -> UnixMs + Send + Sync>;

/// What `POST /api/v1/login` shares between requests.
#[derive(Default)]
pub(crate) struct LoginGuard {
    pub(crate) throttle: Mutex<LoginThrottle>,
    /// A hash of a random password, verified when the tenant or user is unknown or has no
    /// password, so those answers take as long as a wrong password. Made on first use.
    pub(crate) stand_in_hash: OnceCell<String>,
}

/// Token buckets of the public widget route: per widget key and per source address.
#[derive(Debug)]
pub(crate) struct WidgetLimiters {
    pub(crate) per_key: RateLimiter<i64>,
    pub(crate) per_source: RateLimiter<std::net::IpAddr>,
}

impl WidgetLimiters {
    fn new(limits: &ApiLimits) -> Arc<Mutex<WidgetLimiters>> {
        Arc::new(Mutex::new(WidgetLimiters {
            per_key: RateLimiter::new(limits.widget_per_key, WIDGET_TRACKED_SOURCES),
            per_source: RateLimiter::new(limits.widget_per_source, WIDGET_TRACKED_SOURCES),
        }))
    }
}

impl ApiState {
    /// State over `store` and `registry` with the default limits, a fresh metrics registry
    /// and no platform administrator (tenant keys only).
    ///
    /// The registry is keyed by tenant **slug**, as the call controller looks scenarios up.
    pub fn new(store: Store, registry: Arc<ScenarioRegistry>) -> ApiState {
        let limits = ApiLimits::default();
        ApiState {
            store,
            registry,
            widget_limits: WidgetLimiters::new(&limits),
            originator: None,
            limits,
            metrics: Arc::new(Metrics::new()),
            admin_key_hash: None,
            recordings_dir: None,
            events: EventBus::new(),
            webhook_changes: Arc::new(Notify::new()),
            clock: Arc::new(UnixMs::now),
            logins: Arc::new(LoginGuard::default()),
        }
    }

    /// Reads the time from `clock` instead of the system clock (session expiry, login
    /// limits): tests pass a virtual clock.
    pub fn with_clock(mut self, clock: Clock) -> ApiState {
        self.clock = clock;
        self
    }

    /// The current time by this state's clock.
    pub(crate) fn now(&self) -> UnixMs {
        (self.clock)()
    }

    /// Accepts `key` as the platform administrator's bearer key (only its hash is kept).
    pub fn with_admin_key(mut self, key: &str) -> ApiState {
        self.admin_key_hash = Some(hash_key(key));
        self
    }

    /// Serves recording audio from `dir` (the recorder's directory).
    pub fn with_recordings_dir(mut self, dir: impl Into<PathBuf>) -> ApiState {
        self.recordings_dir = Some(dir.into());
        self
    }

    /// Streams the events published on `events` (shared with the call controller, which
    /// publishes by tenant slug). Without it the API has a bus of its own that nobody
    /// publishes on.
    pub fn with_events(mut self, events: EventBus) -> ApiState {
        self.events = events;
        self
    }

    /// Notifies `changes` after every webhook created, replaced or deleted (webhook
    /// delivery waits on it to reload). Without it nobody is told.
    pub fn with_webhook_changes(mut self, changes: Arc<Notify>) -> ApiState {
        self.webhook_changes = changes;
        self
    }

    /// Uses these body limits.
    pub fn with_limits(mut self, limits: ApiLimits) -> ApiState {
        self.limits = limits;
        self.widget_limits = WidgetLimiters::new(&limits);
        self
    }

    /// Places click-to-call calls (`POST /api/v1/calls/originate`) with `originator`.
    pub fn with_originator(mut self, originator: Arc<dyn Originator>) -> ApiState {
        self.originator = Some(originator);
        self
    }

    /// Shares `metrics` with the rest of the server (SIP, RTP and guest counters).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> ApiState {
        self.metrics = metrics;
        self
    }

    /// The live event bus `GET /api/v1/events` streams from.
    pub fn events(&self) -> &EventBus {
        &self.events
    }

    /// The metrics registry rendered by `GET /metrics`.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }
}
