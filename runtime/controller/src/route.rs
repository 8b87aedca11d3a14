//! Dialed number -> tenant -> route: which scenario answers a number, with
//! which configuration and fallback. A plain in-memory table built by the
//! caller (the server builds it from the store's routes).

use std::collections::HashMap;
use std::sync::Arc;

use wasmphony_engine::{Fallback, TenantServices};
use wasmphony_media::play::PromptLibrary;

use crate::phones::PhoneBook;
use crate::queues::{HostedQueue, QueueDefinition};
use crate::trunks::TrunkPlan;

/// What answers one dialed number.
#[derive(Clone)]
pub struct Route {
    /// The tenant that owns the number.
    pub tenant: String,
    /// The scenario's name in the [`wasmphony_engine::ScenarioRegistry`].
    pub scenario: String,
    /// The configuration the scenario reads (`host.config`).
    pub config_json: Arc<str>,
    /// What takes the caller when the scenario fails.
    pub fallback: Fallback,
}

/// What a tenant's calls share: its data and its prompts.
#[derive(Clone)]
pub struct Tenant {
    /// Contacts, records, callbacks (the store later; anything for now).
    pub services: Arc<dyn TenantServices>,
    /// The tenant's prompt library, with the built-in digit/number words.
    pub prompts: Arc<PromptLibrary>,
}

/// Numbers and tenants known to the controller.
#[derive(Clone, Default)]
pub struct RouteTable {
    numbers: HashMap<String, Route>,
    /// Other ways of dialing a routed number (without `+`, national form) -> the number.
    aliases: HashMap<String, String>,
    tenants: HashMap<String, Tenant>,
    /// Each tenant's SIP accounts (staff phones), by tenant.
    phone_books: HashMap<String, Arc<PhoneBook>>,
    /// Each tenant's call queues, by (tenant, queue name).
    queues: HashMap<(String, String), QueueDefinition>,
    /// Each tenant's carrier trunks, by tenant.
    trunk_plans: HashMap<String, Arc<TrunkPlan>>,
}

impl RouteTable {
    /// An empty table (every call gets `404`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a tenant.
    pub fn add_tenant(&mut self, name: &str, tenant: Tenant) {
        self.tenants.insert(name.to_string(), tenant);
    }

    /// Routes `number` (as dialed, normalised by [`normalise_number`]).
    pub fn add_number(&mut self, number: &str, route: Route) {
        self.numbers.insert(normalise_number(number), route);
    }

    /// Sets the SIP accounts of `tenant`'s staff phones.
    pub fn set_phone_book(&mut self, tenant: &str, book: PhoneBook) {
        self.phone_books.insert(tenant.to_string(), Arc::new(book));
    }

    /// Adds or replaces a call queue of `tenant`.
    pub fn add_queue(&mut self, tenant: &str, queue: QueueDefinition) {
        self.queues
            .insert((tenant.to_string(), queue.name.clone()), queue);
    }

    /// Every tenant's queues, with their tenant (a queue of an unknown tenant is left out).
    pub(crate) fn queues(&self) -> HashMap<(String, String), HostedQueue> {
        self.queues
            .iter()
            .filter_map(|(key, definition)| {
                let tenant = self.tenants.get(&key.0)?.clone();
                let hosted = HostedQueue {
                    definition: definition.clone(),
                    tenant,
                };
                Some((key.clone(), hosted))
            })
            .collect()
    }

    /// Every tenant's phone book.
    /// Sets `tenant`'s carrier trunks (numbers its calls dial go out through them).
    pub fn set_trunk_plan(&mut self, tenant: &str, plan: TrunkPlan) {
        self.trunk_plans.insert(tenant.to_string(), Arc::new(plan));
    }

    pub(crate) fn trunk_plans(&self) -> HashMap<String, Arc<TrunkPlan>> {
        self.trunk_plans.clone()
    }

    pub(crate) fn phone_books(&self) -> HashMap<String, Arc<PhoneBook>> {
        self.phone_books.clone()
    }

    /// The tenant whose SIP domain is `domain` (its slug), if it is known here.
    pub fn tenant_for_domain(&self, domain: &str) -> Option<&str> {
        self.tenants
            .keys()
            .find(|slug| slug.eq_ignore_ascii_case(domain))
            .map(String::as_str)
    }

    /// A tenant's data and prompts.
    pub(crate) fn tenant(&self, name: &str) -> Option<&Tenant> {
        self.tenants.get(name)
    }

    /// Makes `alias` reach the route of `number` (added with [`RouteTable::add_number`]);
    /// calls to it are recorded as calls to `number`.
    pub fn add_alias(&mut self, alias: &str, number: &str) {
        self.aliases
            .insert(normalise_number(alias), normalise_number(number));
    }

    /// The number a dialed number stands for: itself, or the number it is an alias of.
    pub fn canonical_number(&self, dialed: &str) -> String {
        let key = normalise_number(dialed);
        self.aliases.get(&key).cloned().unwrap_or(key)
    }

    /// The route of a dialed number and its tenant, when both are known.
    pub fn resolve(&self, dialed: &str) -> Option<(&Route, &Tenant)> {
        let route = self.numbers.get(&self.canonical_number(dialed))?;
        let tenant = self.tenants.get(&route.tenant)?;
        Some((route, tenant))
    }
}

/// Strips visual separators so `+359 2 123-456` and `+3592123456` match.
pub fn normalise_number(number: &str) -> String {
    number
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alias_reaches_its_number_and_is_recorded_as_it() {
        let mut table = RouteTable::new();
        table.add_alias("3592400", "+3592400");
        assert_eq!(table.canonical_number("359 2400"), "+3592400");
        assert_eq!(table.canonical_number("101"), "101");
    }

    #[test]
    fn separators_do_not_matter() {
        assert_eq!(normalise_number("+359 (2) 123-45.6"), "+3592123456");
    }
}
