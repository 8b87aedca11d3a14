//! Waiting for an optional deadline: `None` never comes.

use tokio::time::Instant;

/// Completes at `deadline`, or never without one.
pub(crate) async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
