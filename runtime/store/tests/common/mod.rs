//! Runs one test body against both backends: a fresh SQLite file and a fresh PostgreSQL
//! database. PostgreSQL comes from `WASMPHONY_TEST_POSTGRES` (default: the local trust-auth
//! server); when it is unreachable the PostgreSQL variant fails if `CI` is set and
//! otherwise prints a loud skip.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::future::Future;

use wasmphony_store::{NewTenant, Store, TenantId, UnixMs};

/// Generates `mod $name { fn sqlite(); fn postgres(); }` running `$body` (a closure taking
/// the [`Store`] and returning a future) on each backend.
#[macro_export]
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

/// Runs `body` on a store over a new SQLite file.
pub async fn on_sqlite<F, Fut>(body: F)
where
    F: FnOnce(Store) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    on_sqlite_url(|url| async move { with_store(&url, body).await }).await;
}

/// Runs `body` on a store over a new PostgreSQL database, dropped afterwards.
pub async fn on_postgres<F, Fut>(body: F)
where
    F: FnOnce(Store) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    on_postgres_url(|url| async move { with_store(&url, body).await }).await;
}

/// Connects to `url`, runs `body` in its own task (so a panic still lets us close the
/// pool), closes the store and re-raises the panic.
async fn with_store<F, Fut>(url: &str, body: F)
where
    F: FnOnce(Store) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let store = Store::connect(url).await.unwrap();
    let outcome = tokio::spawn(body(store.clone())).await;
    store.close().await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

/// Runs `body` with the URL of a new SQLite file in a temporary directory.
pub async fn on_sqlite_url<F, Fut>(body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    body(format!(
        "sqlite://{}",
        dir.path().join("store.db").display()
    ))
    .await;
}

pub use wasmphony_testkit::postgres::on_postgres_url;

/// A tenant with the given slug and country code.
pub async fn tenant(store: &Store, slug: &str, country: &str) -> TenantId {
    store
        .create_tenant(&NewTenant {
            slug: slug.into(),
            name: slug.to_uppercase(),
            country_code: country.into(),
        })
        .await
        .unwrap()
        .id
}

/// A fixed start of time for tests (2026-11-23 00:00 UTC).
pub const T0: UnixMs = UnixMs(1_795_392_000_000);

/// `T0` plus `seconds`.
pub fn at(seconds: i64) -> UnixMs {
    T0.plus_ms(seconds * 1000)
}
