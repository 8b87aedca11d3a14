//! The registrations the host keeps with carriers that want them
//! ([`Trunk::register`]): one registration task per such trunk, started,
//! restarted or stopped (with an un-REGISTER) as the route table changes.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use wasmphony_sip::endpoint::Endpoint;
use wasmphony_sip::message::Uri;
use wasmphony_sip::registration::{
    RegistrationConfig, RegistrationHandle, RegistrationState, RegistrationTiming,
    spawn_registration,
};

use super::plan::{Trunk, TrunkPlan};

/// Expiry asked of carriers, in seconds (they may grant less; refreshes follow the grant).
pub const TRUNK_REGISTER_EXPIRES: u32 = 600;

struct Running {
    /// The trunk as it was when the task started: any change restarts it.
    trunk: Arc<Trunk>,
    handle: RegistrationHandle,
}

/// Registration tasks by (tenant, trunk name).
#[derive(Default)]
pub(crate) struct TrunkRegistrations {
    running: Mutex<HashMap<(String, String), Running>>,
}

impl TrunkRegistrations {
    /// Makes the running registrations match `plans`. Must run inside the runtime.
    pub(crate) fn sync(&self, endpoint: &Endpoint, plans: &HashMap<String, Arc<TrunkPlan>>) {
        let wanted: HashMap<(String, String), Arc<Trunk>> = plans
            .iter()
            .flat_map(|(tenant, plan)| {
                plan.trunks()
                    .iter()
                    .filter(|trunk| trunk.register && trunk.credentials.is_some())
                    .map(move |trunk| ((tenant.clone(), trunk.name.clone()), trunk.clone()))
            })
            .collect();
        let mut running = self.running.lock();
        let stale: Vec<(String, String)> = running
            .iter()
            .filter(|(key, task)| wanted.get(*key).is_none_or(|trunk| *trunk != task.trunk))
            .map(|(key, _)| key.clone())
            .collect();
        for key in stale {
            if let Some(task) = running.remove(&key) {
                tokio::spawn(task.handle.stop());
            }
        }
        for (key, trunk) in wanted {
            if running.contains_key(&key) {
                continue;
            }
            match registration_config(endpoint, &trunk) {
                Some(config) => {
                    tracing::info!(tenant = %key.0, trunk = %key.1, "registering with the carrier");
                    let handle = spawn_registration(endpoint.clone(), config);
                    running.insert(key, Running { trunk, handle });
                }
                None => tracing::warn!(trunk = %trunk.name, "no local address towards the carrier"),
            }
        }
    }

    /// Every registration's state, by (tenant, trunk name).
    pub(crate) fn states(&self) -> Vec<(String, String, RegistrationState)> {
        let running = self.running.lock();
        let mut states: Vec<_> = running
            .iter()
            .map(|((tenant, name), task)| (tenant.clone(), name.clone(), task.handle.current()))
            .collect();
        states.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        states
    }
}

/// Registers `user@carrier` (the trunk's user name) with our address as contact,
/// where the carrier then sends the tenant's calls.
fn registration_config(endpoint: &Endpoint, trunk: &Trunk) -> Option<RegistrationConfig> {
    let credentials = trunk.credentials.clone()?;
    let contact_host = endpoint.contact_host_port(trunk.target)?;
    Some(RegistrationConfig {
        target: trunk.target,
        registrar_uri: Uri::sip(None, trunk.host.clone()),
        aor: Uri::sip(Some(&credentials.username), trunk.host.clone()),
        contact: Uri::sip(Some(&credentials.username), contact_host),
        credentials,
        expires: TRUNK_REGISTER_EXPIRES,
        timing: RegistrationTiming::default(),
    })
}
