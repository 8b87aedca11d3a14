//! The HTTP API listener: the `wasmphony-api` router over this server's store and registry.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use wasmphony_api::{ApiState, Originator};

use super::Server;

/// A bound API listener, not yet serving.
pub(crate) struct HttpApi {
    listener: TcpListener,
    state: ApiState,
}

impl HttpApi {
    /// Binds `addr` (port 0 picks a free port) for `server`'s API; `admin_key` is the
    /// platform administrator's bearer key.
    pub(crate) async fn bind(
        server: &Server,
        addr: SocketAddr,
        admin_key: &str,
    ) -> std::io::Result<HttpApi> {
        let listener = TcpListener::bind(addr).await?;
        let state = ApiState::new(server.store.clone(), server.registry.clone())
            .with_admin_key(admin_key)
            .with_recordings_dir(server.data_dir.join("recordings"))
            .with_metrics(server.metrics.clone())
            .with_events(server.events.clone())
            .with_webhook_changes(server.webhook_changes.clone());
        Ok(HttpApi { listener, state })
    }

    /// Places click-to-call calls with `originator` (the phone side's controller, which
    /// starts after the API is bound).
    pub(crate) fn set_originator(&mut self, originator: Arc<dyn Originator>) {
        self.state = self.state.clone().with_originator(originator);
    }

    /// The address actually bound.
    pub(crate) fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes.
    pub(crate) async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // With the peer's address: the login attempt limit and the public widget route
        // count per source.
        let app =
            wasmphony_api::router(self.state).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    }
}
