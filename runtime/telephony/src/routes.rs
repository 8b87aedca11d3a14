//! The controller's route table from the store: every tenant's numbers and
//! routes, services and prompts; rebuilt when what it is made of changes.

use std::sync::Arc;
use std::time::Duration;

use wasmphony_controller::{Controller, PhoneBook, Route, RouteTable, Tenant};
use wasmphony_media::play::PromptLibrary;
use wasmphony_store::{Store, StoreError, TenantId};

use crate::fallback::engine_fallback;
use crate::prompts::tenant_library;
use crate::queues::queue_definition;
use crate::services::StoreServices;

/// How often the store is asked whether routes or prompts changed.
pub const ROUTE_REFRESH: Duration = Duration::from_secs(2);

/// What a route table was built from, to tell when it must be rebuilt: routes
/// (numbers, scenarios, configuration, fallback), SIP accounts and prompts (name, time, size).
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

/// Reads what the route table is made of.
pub(crate) async fn route_source(store: &Store) -> Result<RouteSource, StoreError> {
    let mut text = String::new();
    for tenant in store.list_tenants().await? {
        text.push_str(&format!("tenant {} {}\n", tenant.id, tenant.slug));
        for route in store.list_routes(tenant.id).await? {
            let line = serde_json::to_string(&route).unwrap_or_default();
            text.push_str(&line);
            text.push('\n');
        }
        for account in store.sip_accounts(tenant.id).await? {
            // The secret's hash, not the secret: this text is kept for comparison only.
            text.push_str(&format!(
                "phone {} {} {:016x}\n",
                account.username,
                account.extension,
                fnv1a(account.secret.as_bytes())
            ));
        }
        for queue in store.list_queues(tenant.id).await? {
            text.push_str(&serde_json::to_string(&queue.spec).unwrap_or_default());
            text.push('\n');
        }
        for user in store.list_users(tenant.id).await? {
            text.push_str(&format!("user {} {:?}\n", user.extension, user.department));
        }
        for prompt in store.list_prompts(tenant.id).await? {
            text.push_str(&format!(
                "prompt {} {} {}\n",
                prompt.name, prompt.created.0, prompt.size_bytes
            ));
        }
    }
    Ok(RouteSource(text))
}

/// Builds the route table of every tenant in the store.
pub async fn load_routes(store: &Store, base: &PromptLibrary) -> Result<LoadedRoutes, StoreError> {
    let source = route_source(store).await?;
    let mut table = RouteTable::new();
    let mut numbers = 0;
    for tenant in store.list_tenants().await? {
        table.add_tenant(&tenant.slug, tenant_entry(store, base, tenant.id).await?);
        let mut phones = PhoneBook::new();
        for account in store.sip_accounts(tenant.id).await? {
            phones.add_phone(&account.extension, &account.username, &account.secret);
        }
        table.set_phone_book(&tenant.slug, phones);
        let users = store.list_users(tenant.id).await?;
        for queue in store.list_queues(tenant.id).await? {
            table.add_queue(&tenant.slug, queue_definition(&queue, &users));
        }
        for route in store.list_routes(tenant.id).await? {
            let entry = Route {
                tenant: tenant.slug.clone(),
                scenario: route.scenario.clone(),
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

async fn tenant_entry(
    store: &Store,
    base: &PromptLibrary,
    tenant: TenantId,
) -> Result<Tenant, StoreError> {
    Ok(Tenant {
        services: Arc::new(StoreServices::new(store.clone(), tenant)),
        prompts: Arc::new(tenant_library(base, store, tenant).await?),
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
        match route_source(&store).await {
            Ok(source) if source == current => continue,
            Ok(_) => {}
            Err(error) => {
                tracing::warn!("cannot read the routes: {error}");
                continue;
            }
        }
        match load_routes(&store, &base).await {
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
