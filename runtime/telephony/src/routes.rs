//! The controller's route table from the store: every tenant's numbers and
//! routes, services and prompts; rebuilt when what it is made of changes.

use std::sync::Arc;
use std::time::Duration;

use wasmphony_controller::{Controller, PhoneBook, Route, RouteTable, Tenant};
use wasmphony_media::play::PromptLibrary;
use wasmphony_store::{
    Prompt, Queue, Route as StoredRoute, SipAccount, Store, StoreError, Tenant as StoredTenant,
    Trunk as StoredTrunk, User,
};

use crate::fallback::engine_fallback;
use crate::prompts::tenant_library;
use crate::queues::queue_definition;
use crate::services::StoreServices;
use crate::trunks::trunk_plan;

/// How often the store is asked whether routes or prompts changed.
pub const ROUTE_REFRESH: Duration = Duration::from_secs(2);

/// What a route table was built from, to tell when it must be rebuilt: routes
/// (numbers, scenarios, configuration, fallback), SIP accounts and trunks (secrets
/// only hashed), queues, users' departments and prompts (name, time, size).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RouteSource(String);

/// A route table and what it was built from.
pub struct LoadedRoutes {
    /// The table for [`Controller::set_routes`].
    pub table: RouteTable,
    /// Numbers routed, over all tenants.
    pub numbers: usize,
    /// What it was built from.
    pub source: RouteSource,
}

/// One tenant's stored objects the route table is made of, read in one pass.
struct TenantSnapshot {
    tenant: StoredTenant,
    routes: Vec<StoredRoute>,
    accounts: Vec<SipAccount>,
    queues: Vec<Queue>,
    users: Vec<User>,
    prompts: Vec<Prompt>,
    trunks: Vec<StoredTrunk>,
}

async fn read_snapshot(store: &Store) -> Result<Vec<TenantSnapshot>, StoreError> {
    let mut snapshot = Vec::new();
    for tenant in store.list_tenants().await? {
        snapshot.push(TenantSnapshot {
            routes: store.list_routes(tenant.id).await?,
            accounts: store.sip_accounts(tenant.id).await?,
            queues: store.list_queues(tenant.id).await?,
            users: store.list_users(tenant.id).await?,
            prompts: store.list_prompts(tenant.id).await?,
            trunks: store.list_trunks(tenant.id).await?,
            tenant,
        });
    }
    Ok(snapshot)
}

fn fingerprint(snapshot: &[TenantSnapshot]) -> RouteSource {
    let mut text = String::new();
    for part in snapshot {
        text.push_str(&format!("tenant {} {}\n", part.tenant.id, part.tenant.slug));
        for route in &part.routes {
            text.push_str(&serde_json::to_string(route).unwrap_or_default());
            text.push('\n');
        }
        for account in &part.accounts {
            // The secret's hash, not the secret: this text is kept for comparison only.
            text.push_str(&format!(
                "phone {} {} {:016x}\n",
                account.username,
                account.extension,
                fnv1a(account.secret.as_bytes())
            ));
        }
        for queue in &part.queues {
            text.push_str(&serde_json::to_string(&queue.spec).unwrap_or_default());
            text.push('\n');
        }
        for user in &part.users {
            text.push_str(&format!("user {} {:?}\n", user.extension, user.department));
        }
        for trunk in &part.trunks {
            let mut spec = trunk.spec.clone();
            let password = spec.password.take().unwrap_or_default();
            text.push_str(&serde_json::to_string(&spec).unwrap_or_default());
            text.push_str(&format!(" {:016x}\n", fnv1a(password.as_bytes())));
        }
        for prompt in &part.prompts {
            text.push_str(&format!(
                "prompt {} {} {}\n",
                prompt.name, prompt.created.0, prompt.size_bytes
            ));
        }
    }
    RouteSource(text)
}

/// Builds the route table of every tenant in the store.
pub async fn load_routes(store: &Store, base: &PromptLibrary) -> Result<LoadedRoutes, StoreError> {
    let snapshot = read_snapshot(store).await?;
    let source = fingerprint(&snapshot);
    build(store, base, snapshot, source).await
}

/// The route table of `snapshot` (whose fingerprint is `source`); only the tenants'
/// prompt audio is read here.
async fn build(
    store: &Store,
    base: &PromptLibrary,
    snapshot: Vec<TenantSnapshot>,
    source: RouteSource,
) -> Result<LoadedRoutes, StoreError> {
    let mut table = RouteTable::new();
    let mut numbers = 0;
    for part in snapshot {
        let slug = &part.tenant.slug;
        let tenant = Tenant {
            services: Arc::new(StoreServices::new(store.clone(), part.tenant.id)),
            prompts: Arc::new(tenant_library(base, store, part.tenant.id).await?),
        };
        table.add_tenant(slug, tenant);
        let mut phones = PhoneBook::new();
        for account in &part.accounts {
            phones.add_phone(&account.extension, &account.username, &account.secret);
        }
        table.set_phone_book(slug, phones);
        table.set_trunk_plan(slug, trunk_plan(&part.trunks).await);
        for queue in &part.queues {
            table.add_queue(slug, queue_definition(queue, &part.users));
        }
        for route in part.routes {
            let entry = Route {
                tenant: slug.clone(),
                scenario: route.scenario,
                config_json: Arc::from(route.config.to_string().as_str()),
                fallback: engine_fallback(route.fallback.as_ref()),
            };
            // Stored numbers are E.164 (`+359…`); phones and trunks often send them
            // without the plus.
            table.add_number(&route.number, entry);
            if let Some(digits) = route.number.strip_prefix('+') {
                table.add_alias(digits, &route.number);
            }
            numbers += 1;
        }
    }
    Ok(LoadedRoutes {
        table,
        numbers,
        source,
    })
}

/// Rebuilds the controller's route table whenever the store's routes or prompts
/// change (through the API, or another node sharing PostgreSQL). Runs until the
/// controller is dropped elsewhere; errors are logged and retried.
pub async fn keep_routes_fresh(
    controller: Arc<Controller>,
    store: Store,
    base: Arc<PromptLibrary>,
    mut current: RouteSource,
) {
    let mut ticks = tokio::time::interval(ROUTE_REFRESH);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while Arc::strong_count(&controller) > 1 {
        ticks.tick().await;
        let snapshot = match read_snapshot(&store).await {
            Ok(snapshot) => snapshot,
            Err(error) => {
                tracing::warn!("cannot read the routes: {error}");
                continue;
            }
        };
        let source = fingerprint(&snapshot);
        if source == current {
            continue;
        }
        match build(&store, &base, snapshot, source).await {
            Ok(loaded) => {
                tracing::info!(numbers = loaded.numbers, "routes reloaded");
                controller.set_routes(loaded.table);
                current = loaded.source;
            }
            Err(error) => tracing::warn!("cannot reload the routes: {error}"),
        }
    }
}

/// FNV-1a: a stable, cheap fingerprint (not a security hash: it only detects change).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3)
    })
}
