//! A fresh PostgreSQL database per test, dropped afterwards even when the test panics.
//!
//! The server comes from `WASMPHONY_TEST_POSTGRES` (default: the local trust-auth server on
//! 127.0.0.1:5432); when it is unreachable the test is [`crate::missing`]: skipped loudly, or
//! failed under CI.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::Connection;

/// The administrative connection used to create and drop per-test databases.
pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Bound on reaching PostgreSQL, so an absent server does not hang the suite.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs `body` with the URL of a new, empty database, dropped afterwards even if `body`
/// panics (the panic is then re-raised).
pub async fn on_postgres_url<F, Fut>(body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    static NEXT: AtomicU64 = AtomicU64::new(0);
    sqlx::any::install_default_drivers();
    let admin_url =
        std::env::var("WASMPHONY_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned());
    let connecting = sqlx::AnyConnection::connect(&admin_url);
    let mut admin = match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Ok(Ok(connection)) => connection,
        Ok(Err(error)) => {
            return crate::missing(&format!("PostgreSQL at {admin_url}"), &error.to_string());
        }
        Err(_) => return crate::missing(&format!("PostgreSQL at {admin_url}"), "timed out"),
    };
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let database = format!(
        "wasmphony_test_{}_{millis}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    sqlx::raw_sql(&format!("CREATE DATABASE {database}"))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create the test database {database}: {e}"));
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(base, _)| base);
    let outcome = tokio::spawn(body(format!("{base}/{database}"))).await;
    sqlx::raw_sql(&format!("DROP DATABASE {database} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot drop the test database {database}: {e}"));
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}
