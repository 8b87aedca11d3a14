//! What the telephony test files share: run one body on a fresh SQLite file and on a fresh
//! PostgreSQL database (`WASMPHONY_TEST_POSTGRES`, skipped loudly when absent).
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::future::Future;

use wasmphony_store::Store;

/// `mod $name { sqlite(); postgres(); }` running `$body` (Store -> future) on each backend.
macro_rules! backend_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::common::on_sqlite($body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::common::on_postgres($body).await;
            }
        }
    };
}

pub async fn on_sqlite<F, Fut>(body: F)
where
    F: FnOnce(Store) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    with_store(url, body).await;
}

pub async fn on_postgres<F, Fut>(body: F)
where
    F: FnOnce(Store) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    wasmphony_testkit::postgres::on_postgres_url(|url| with_store(url, body)).await;
}

/// Runs `body` in its own task so a panic still lets the pool close, then re-raises it.
pub async fn with_store<F, Fut>(url: String, body: F)
where
    F: FnOnce(Store) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let store = Store::connect(&url).await.unwrap();
    let outcome = tokio::spawn(body(store.clone())).await;
    store.close().await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}
