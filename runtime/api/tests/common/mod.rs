//! One test body against both backends, through real HTTP on 127.0.0.1: a fresh SQLite
//! file or a fresh PostgreSQL database (from `WASMPHONY_TEST_POSTGRES`, default the local
//! trust-auth server; unreachable: fails if `CI` is set, otherwise prints a loud skip), a
//! scenario host, the router served on an ephemeral port, and a small hyper client.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{HeaderMap, Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use serde_json::Value;
use wasmphony_api::{ApiLimits, ApiState, OriginateRefusal, OriginateRequest, Originator, router};
use wasmphony_engine::{HostConfig, ScenarioHost, ScenarioRegistry};
use wasmphony_store::Store;

/// The platform administrator's key in tests.
pub const ADMIN_KEY: &str = "test-platform-admin-key";

/// Bound on every request.
const TIMEOUT: Duration = Duration::from_secs(20);

/// Instance slots of the test host: uploads compile, nothing runs calls.
const TEST_POOL_SLOTS: u32 = 4;

/// Generates `mod $name { fn sqlite(); fn postgres(); }` running `$body` (a closure taking
/// a [`TestApp`] and returning a future) on each backend.
#[macro_export]
macro_rules! api_test {
    ($name:ident, $body:expr) => {
        api_test!($name, wasmphony_api::ApiLimits::default(), $body);
    };
    ($name:ident, $limits:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::common::on_sqlite($limits, $body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::common::on_postgres($limits, $body).await;
            }
        }
    };
}

/// A served API over a fresh store.
#[derive(Clone)]
pub struct TestApp {
    pub store: Store,
    pub registry: Arc<ScenarioRegistry>,
    pub addr: std::net::SocketAddr,
    /// Where the API reads recording files.
    pub recordings_dir: std::path::PathBuf,
    /// How far the API's clock is ahead of the real one (ms); see [`TestApp::advance`].
    pub clock_offset: Arc<std::sync::atomic::AtomicI64>,
    /// Click-to-call requests the API passed on: (tenant slug, from, to).
    pub originated: Arc<Mutex<Vec<(String, String, String)>>>,
}

/// The API's seam to the phone side, for tests without one: it notes what the API
/// passed on and places nothing (every extension is unknown to it).
struct NotingOriginator(Arc<Mutex<Vec<(String, String, String)>>>);

impl Originator for NotingOriginator {
    fn originate(&self, request: OriginateRequest<'_>) -> Result<String, OriginateRefusal> {
        self.0.lock().push((
            request.tenant.to_owned(),
            request.from.to_owned(),
            request.to.to_owned(),
        ));
        Err(OriginateRefusal::UnknownExtension(request.from.to_owned()))
    }
}

/// A response: status, headers, body.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `error.code` of a JSON error body.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

impl TestApp {
    /// Moves the API's clock (session expiry, login limits) `ms` ahead.
    pub fn advance(&self, ms: i64) {
        self.clock_offset
            .fetch_add(ms, std::sync::atomic::Ordering::SeqCst);
    }

    /// The API's current time.
    pub fn now(&self) -> wasmphony_store::UnixMs {
        wasmphony_store::UnixMs::now()
            .plus_ms(self.clock_offset.load(std::sync::atomic::Ordering::SeqCst))
    }

    /// Sends one request; `content_type` with `body`.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        let exchange = async {
            let stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .unwrap();
            tokio::spawn(connection);
            let mut request = Request::builder()
                .method(Method::from_bytes(method.as_bytes()).unwrap())
                .uri(path)
                .header("host", self.addr.to_string());
            if let Some(key) = key {
                request = request.header("authorization", format!("Bearer {key}"));
            }
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }
            let response = sender
                .send_request(request.body(Full::new(Bytes::from(body))).unwrap())
                .await
                .unwrap();
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            Reply {
                status,
                headers,
                body,
            }
        };
        tokio::time::timeout(TIMEOUT, exchange)
            .await
            .unwrap_or_else(|_| panic!("{method} {path} timed out"))
    }

    pub async fn get(&self, path: &str, key: &str) -> Reply {
        self.send("GET", path, Some(key), None, Vec::new()).await
    }

    pub async fn delete(&self, path: &str, key: &str) -> Reply {
        self.send("DELETE", path, Some(key), None, Vec::new()).await
    }

    /// Sends `body` as JSON.
    pub async fn json(&self, method: &str, path: &str, key: &str, body: Value) -> Reply {
        let bytes = serde_json::to_vec(&body).unwrap();
        self.send(method, path, Some(key), Some("application/json"), bytes)
            .await
    }

    /// Creates a tenant and an API key with `role` for it; returns (tenant id, key).
    pub async fn tenant_with_key(&self, slug: &str, role: &str) -> (i64, String) {
        let created = self
            .json(
                "POST",
                "/api/v1/tenants",
                ADMIN_KEY,
                serde_json::json!({"slug": slug, "name": slug.to_uppercase(), "country_code": "49"}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let id = created.json()["id"].as_i64().unwrap();
        let key = self.key_for(id, role).await;
        (id, key)
    }

    /// A new key with `role` for tenant `id`.
    pub async fn key_for(&self, id: i64, role: &str) -> String {
        let reply = self
            .json(
                "POST",
                &format!("/api/v1/tenants/{id}/keys"),
                ADMIN_KEY,
                serde_json::json!({"name": format!("{role} key"), "role": role}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        reply.json()["secret"].as_str().unwrap().to_owned()
    }
}

/// Starts the API over `store` on 127.0.0.1 (ephemeral port) and runs `body`.
async fn serve<F, Fut>(store: Store, limits: ApiLimits, body: F)
where
    F: FnOnce(TestApp) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let host = ScenarioHost::new(HostConfig {
        pool_slots: TEST_POOL_SLOTS,
        ..HostConfig::default()
    })
    .unwrap();
    let registry = Arc::new(ScenarioRegistry::new(host));
    let recordings = tempfile::tempdir().unwrap();
    // The API's clock is the real one plus an offset a test may move forward.
    let clock_offset = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let offset = clock_offset.clone();
    let clock = Arc::new(move || {
        wasmphony_store::UnixMs::now().plus_ms(offset.load(std::sync::atomic::Ordering::SeqCst))
    });
    let originated = Arc::new(Mutex::new(Vec::new()));
    let state = ApiState::new(store.clone(), registry.clone())
        .with_admin_key(ADMIN_KEY)
        .with_clock(clock)
        .with_limits(limits)
        .with_recordings_dir(recordings.path())
        .with_originator(Arc::new(NotingOriginator(originated.clone())));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // As the server serves it: with the peer's address (the widget route's rate limit).
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let app = TestApp {
        store: store.clone(),
        registry,
        addr,
        recordings_dir: recordings.path().to_owned(),
        clock_offset,
        originated,
    };
    let outcome = tokio::spawn(body(app)).await;
    server.abort();
    store.close().await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

/// Runs `body` against a new SQLite file.
pub async fn on_sqlite<F, Fut>(limits: ApiLimits, body: F)
where
    F: FnOnce(TestApp) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("api.db").display());
    let store = Store::connect(&url).await.unwrap();
    serve(store, limits, body).await;
}

/// Runs `body` against a new PostgreSQL database, dropped afterwards even on panic.
pub async fn on_postgres<F, Fut>(limits: ApiLimits, body: F)
where
    F: FnOnce(TestApp) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    wasmphony_testkit::postgres::on_postgres_url(|url| async move {
        let store = Store::connect(&url).await.unwrap();
        serve(store, limits, body).await;
    })
    .await;
}

/// A minimal valid WAV file (8 kHz mono 16-bit) whose samples spell `marker`.
pub fn wav(marker: &str) -> Vec<u8> {
    let data = marker.as_bytes();
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16_u32.to_le_bytes());
    out.extend_from_slice(&1_u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1_u16.to_le_bytes()); // mono
    out.extend_from_slice(&8000_u32.to_le_bytes());
    out.extend_from_slice(&16000_u32.to_le_bytes());
    out.extend_from_slice(&2_u16.to_le_bytes());
    out.extend_from_slice(&16_u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    out
}
