//! A webhook receiver on 127.0.0.1 (axum) that reports every POST and answers with a
//! scripted status, a store over a temporary SQLite file, and delivery started on a bus.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use parking_lot::Mutex;
use tokio::sync::{Notify, mpsc, oneshot};
use wasmphony_events::EventBus;
use wasmphony_store::{NewTenant, Store, TenantId, UnixMs, Webhook, WebhookSpec};
use wasmphony_webhooks::{RetryPolicy, WebhookConfig, Webhooks};

/// Bound on every wait of a test.
pub const WAIT: Duration = Duration::from_secs(10);

/// The secret of the tests' webhooks.
pub const SECRET: &str = "test-webhook-secret-0123";

/// One POST the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Clone)]
struct ReceiverState {
    seen: mpsc::Sender<Received>,
    /// Statuses to answer, in order; 200 once they are used up.
    script: Arc<Mutex<VecDeque<u16>>>,
    /// When set, the next request waits for it before answering.
    hold: Arc<Mutex<Option<oneshot::Receiver<()>>>>,
}

/// A local webhook receiver.
pub struct Receiver {
    pub addr: SocketAddr,
    seen: mpsc::Receiver<Received>,
    script: Arc<Mutex<VecDeque<u16>>>,
    hold: Arc<Mutex<Option<oneshot::Receiver<()>>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn receive(
    State(state): State<ReceiverState>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let received = Received {
        path: uri.path().to_owned(),
        headers,
        body,
    };
    let _ = state.seen.send(received).await;
    let hold = state.hold.lock().take();
    if let Some(hold) = hold {
        let _ = hold.await;
    }
    let status = state.script.lock().pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

impl Receiver {
    /// Answers the statuses of `script` in order, then 200.
    pub async fn start(script: &[u16]) -> Receiver {
        let (seen_tx, seen) = mpsc::channel(64);
        let script = Arc::new(Mutex::new(script.iter().copied().collect()));
        let hold = Arc::new(Mutex::new(None));
        let state = ReceiverState {
            seen: seen_tx,
            script: Arc::clone(&script),
            hold: Arc::clone(&hold),
        };
        let app = Router::new()
            .route("/{*path}", post(receive))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            addr,
            seen,
            script,
            hold,
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Makes the next request wait until the returned sender is used (or dropped).
    pub fn hold_next(&self) -> oneshot::Sender<()> {
        let (release, hold) = oneshot::channel();
        *self.hold.lock() = Some(hold);
        release
    }

    /// Answers every further request with `status`.
    pub fn always(&self, status: u16) {
        let mut script = self.script.lock();
        script.clear();
        script.extend(std::iter::repeat_n(status, 1_000));
    }

    /// The next POST (fails the test after [`WAIT`]).
    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(WAIT, self.seen.recv())
            .await
            .expect("a POST arrives in time")
            .expect("the receiver runs")
    }

    /// Whether a POST arrives within `within`.
    pub async fn nothing_within(&mut self, within: Duration) -> bool {
        tokio::time::timeout(within, self.seen.recv())
            .await
            .is_err()
    }
}

/// Delivery over a fresh store with one tenant, `acme`.
pub struct Fixture {
    pub store: Store,
    pub tenant: TenantId,
    pub bus: EventBus,
    pub changes: Arc<Notify>,
    pub webhooks: Webhooks,
    _dir: tempfile::TempDir,
}

/// Short waits so retries take milliseconds.
pub fn fast_config() -> WebhookConfig {
    WebhookConfig {
        retry: RetryPolicy {
            first_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(80),
            max_attempts: 3,
        },
        request_timeout: Duration::from_secs(5),
        // Tests reload explicitly or through the change signal.
        reload_every: Duration::from_secs(3_600),
        // The receivers run on loopback.
        allow_private_targets: true,
        ..WebhookConfig::default()
    }
}

impl Fixture {
    pub async fn start(config: WebhookConfig) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("webhooks.db").display());
        let store = Store::connect(&url).await.unwrap();
        let tenant = store
            .create_tenant(&NewTenant {
                slug: "acme".into(),
                name: "Acme".into(),
                country_code: "49".into(),
            })
            .await
            .unwrap()
            .id;
        let bus = EventBus::new();
        let changes = Arc::new(Notify::new());
        let webhooks =
            Webhooks::start(store.clone(), bus.clone(), changes.clone(), config).unwrap();
        Fixture {
            store,
            tenant,
            bus,
            changes,
            webhooks,
            _dir: dir,
        }
    }

    /// Stores a webhook of `acme` to `url` for `events` (empty: all) and applies it.
    pub async fn webhook(&self, url: &str, events: &[&str]) -> Webhook {
        let spec = WebhookSpec {
            url: url.into(),
            secret: SECRET.into(),
            events: events.iter().map(|kind| (*kind).to_owned()).collect(),
            enabled: true,
        };
        let webhook = self
            .store
            .create_webhook(self.tenant, &spec, UnixMs::now())
            .await
            .unwrap();
        self.webhooks.reload().await;
        webhook
    }

    /// Waits until the webhook's stored health satisfies `done` (the worker records after
    /// answering, so this follows the receiver by a moment).
    pub async fn health_until(
        &self,
        webhook: &Webhook,
        done: impl Fn(&wasmphony_store::WebhookHealth) -> bool,
    ) -> wasmphony_store::WebhookHealth {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let health = self
                .store
                .webhook(self.tenant, webhook.id)
                .await
                .unwrap()
                .health;
            if done(&health) {
                return health;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "health never got there: {health:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
