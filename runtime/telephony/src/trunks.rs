//! A tenant's stored trunks as the controller's [`TrunkPlan`]: URIs parsed and
//! carrier hosts resolved once per rebuild (a trunk whose host does not resolve
//! is left out, with a warning, until the next rebuild).

use std::time::Duration;

use wasmphony_controller::{Trunk, TrunkPlan};
use wasmphony_sip::auth::ClientCredentials;
use wasmphony_sip::endpoint::{Target, TransportKind};
use wasmphony_sip::message::Uri;
use wasmphony_store::Trunk as StoredTrunk;

/// Longest wait for a carrier's host name to resolve.
const RESOLVE_WAIT: Duration = Duration::from_secs(3);

/// The plan of `trunks` (one tenant's).
pub(crate) async fn trunk_plan(trunks: &[StoredTrunk]) -> TrunkPlan {
    let mut plan = TrunkPlan::new();
    for stored in trunks {
        match controller_trunk(stored).await {
            Ok(trunk) => plan.add(trunk),
            Err(reason) => tracing::warn!(trunk = %stored.spec.name, "trunk left out: {reason}"),
        }
    }
    plan
}

async fn controller_trunk(stored: &StoredTrunk) -> Result<Trunk, String> {
    let spec = &stored.spec;
    let uri = Uri::parse(&spec.uri).map_err(|e| format!("URI {:?}: {e}", spec.uri))?;
    let transport = match uri.transport_param() {
        Some(t) if t.eq_ignore_ascii_case("tcp") => TransportKind::Tcp,
        _ => TransportKind::Udp,
    };
    let port = uri.host_port.port.unwrap_or(5060);
    let addr = match uri.host_port.socket_addr(port) {
        Some(addr) => addr,
        None => {
            let name = format!("{}:{port}", uri.host_port.host);
            let lookup = tokio::time::timeout(RESOLVE_WAIT, tokio::net::lookup_host(name.clone()));
            lookup
                .await
                .map_err(|_| format!("{name} did not resolve in time"))?
                .map_err(|e| format!("{name}: {e}"))?
                .next()
                .ok_or_else(|| format!("{name} has no address"))?
        }
    };
    let credentials = match (&spec.username, &spec.password) {
        (Some(username), Some(password)) => Some(ClientCredentials::new(username, password)),
        _ => None,
    };
    Ok(Trunk {
        name: spec.name.clone(),
        host: uri.host_port.clone(),
        target: Target { addr, transport },
        credentials,
        caller_id: spec.caller_id.clone(),
        prefixes: spec.prefixes.clone(),
        priority: spec.priority,
        register: spec.register,
    })
}
