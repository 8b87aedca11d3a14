//! Brings the store in line with a validated site file, entry by entry: created when
//! missing, updated when different, left alone when equal — so a second run changes
//! nothing. Components are stored like uploads (a new version only for new bytes) and the
//! file's version is made the active one.

use std::collections::HashMap;

use wasmphony_store::{
    ComponentSource, Device, NewComponentVersion, NewTenant, RouteSpec, Store, StoreError,
    TenantId, UnixMs, User, UserSpec, normalise_number,
};

use super::model::{RouteEntry, TenantEntry, UserEntry};
use super::{ApplyError, LoadedComponent, SiteConfig};

/// What one application did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ApplyReport {
    /// Entries written for the first time, as `tenant/kind/key`.
    pub(crate) created: Vec<String>,
    /// Entries that differed from the store and were rewritten.
    pub(crate) updated: Vec<String>,
    /// Entries already as the file says.
    pub(crate) unchanged: usize,
}

impl ApplyReport {
    fn note(&mut self, change: Change, what: String) {
        match change {
            Change::Created => self.created.push(what),
            Change::Updated => self.updated.push(what),
            Change::Unchanged => self.unchanged += 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Created,
    Updated,
    Unchanged,
}

/// Names the entry a store error belongs to.
fn at(path: impl Into<String>) -> impl FnOnce(StoreError) -> ApplyError {
    let path = path.into();
    move |source| ApplyError { path, source }
}

impl SiteConfig {
    /// Applies the file to `store` (see the module documentation).
    pub(crate) async fn apply(&self, store: &Store) -> Result<ApplyReport, ApplyError> {
        self.preflight(store).await?;
        let mut report = ApplyReport::default();
        let now = UnixMs::now();
        for (index, entry) in self.site.tenants.iter().enumerate() {
            let path = format!("tenants[{index}]");
            let (tenant, change) = tenant(store, entry).await.map_err(at(&path))?;
            report.note(change, entry.slug.clone());
            let slug = &entry.slug;
            for (n, queue) in entry.queues.iter().enumerate() {
                let change = match store
                    .queue_by_name(tenant, &queue.name)
                    .await
                    .map_err(at(format!("{path}.queues[{n}]")))?
                {
                    None => {
                        store
                            .create_queue(tenant, queue)
                            .await
                            .map_err(at(format!("{path}.queues[{n}]")))?;
                        Change::Created
                    }
                    Some(stored) if stored.spec == *queue => Change::Unchanged,
                    Some(stored) => {
                        store
                            .update_queue(tenant, stored.id, queue)
                            .await
                            .map_err(at(format!("{path}.queues[{n}]")))?;
                        Change::Updated
                    }
                };
                report.note(change, format!("{slug}/queue/{}", queue.name));
            }
            let users = store.list_users(tenant).await.map_err(at(&path))?;
            let secrets: HashMap<String, String> = store
                .sip_accounts(tenant)
                .await
                .map_err(at(&path))?
                .into_iter()
                .map(|account| (account.username, account.secret))
                .collect();
            for (n, user) in entry.users.iter().enumerate() {
                let user_path = format!("{path}.users[{n}]");
                let change = apply_user(store, tenant, &users, &secrets, user)
                    .await
                    .map_err(at(user_path))?;
                report.note(change, format!("{slug}/user/{}", user.extension));
            }
            let owned: Vec<String> = store
                .list_numbers(tenant)
                .await
                .map_err(at(&path))?
                .into_iter()
                .map(|number| number.number)
                .collect();
            for (n, number) in entry.numbers.iter().enumerate() {
                let number_path = format!("{path}.numbers[{n}]");
                let normalised = store
                    .normalise_for_tenant(tenant, number)
                    .await
                    .map_err(at(&number_path))?;
                let change = if owned.contains(&normalised) {
                    Change::Unchanged
                } else {
                    store
                        .add_number(tenant, number, None)
                        .await
                        .map_err(at(&number_path))?;
                    Change::Created
                };
                report.note(change, format!("{slug}/number/{normalised}"));
            }
            for (n, (component, loaded)) in entry
                .components
                .iter()
                .zip(&self.components[index])
                .enumerate()
            {
                let change = apply_component(store, tenant, &component.name, loaded, now)
                    .await
                    .map_err(at(format!("{path}.components[{n}]")))?;
                report.note(change, format!("{slug}/component/{}", component.name));
            }
            for (n, (prompt, audio)) in entry
                .prompts
                .iter()
                .zip(&self.prompt_audio[index])
                .enumerate()
            {
                let prompt_path = format!("{path}.prompts[{n}]");
                let stored = match store.prompt_audio(tenant, &prompt.name).await {
                    Ok((_, stored)) => Some(stored),
                    Err(StoreError::NotFound(_)) => None,
                    Err(error) => return Err(at(prompt_path)(error)),
                };
                let change = match stored {
                    Some(stored) if stored == *audio => Change::Unchanged,
                    found => {
                        store
                            .put_prompt(tenant, &prompt.name, "audio/wav", audio, now)
                            .await
                            .map_err(at(&prompt_path))?;
                        if found.is_some() {
                            Change::Updated
                        } else {
                            Change::Created
                        }
                    }
                };
                report.note(change, format!("{slug}/prompt/{}", prompt.name));
            }
            for (n, route) in entry.routes.iter().enumerate() {
                let change = apply_route(store, tenant, entry, &self.components[index], route, now)
                    .await
                    .map_err(at(format!("{path}.routes[{n}]")))?;
                report.note(change, format!("{slug}/route/{}", route.number));
            }
            let trunks = store.list_trunks(tenant).await.map_err(at(&path))?;
            for (n, trunk) in entry.trunks.iter().enumerate() {
                let trunk_path = format!("{path}.trunks[{n}]");
                let change = match trunks.iter().find(|stored| stored.spec.name == trunk.name) {
                    None => {
                        store
                            .create_trunk(tenant, trunk)
                            .await
                            .map_err(at(&trunk_path))?;
                        Change::Created
                    }
                    Some(stored) if stored.spec == *trunk => Change::Unchanged,
                    Some(stored) => {
                        store
                            .update_trunk(tenant, stored.id, trunk)
                            .await
                            .map_err(at(&trunk_path))?;
                        Change::Updated
                    }
                };
                report.note(change, format!("{slug}/trunk/{}", trunk.name));
            }
        }
        Ok(report)
    }
}

impl SiteConfig {
    /// What only the store can tell, checked before the first write: every number of the
    /// file is free or already the same tenant's (numbers are unique platform-wide).
    async fn preflight(&self, store: &Store) -> Result<(), ApplyError> {
        for (index, entry) in self.site.tenants.iter().enumerate() {
            let path = format!("tenants[{index}]");
            let own = store.tenant_by_slug(&entry.slug).await.map_err(at(&path))?;
            let country = entry.country_code.trim().trim_start_matches('+');
            for (n, number) in entry.numbers.iter().enumerate() {
                let number_path = format!("{path}.numbers[{n}]");
                let normalised = normalise_number(number, country);
                let owner = store
                    .tenant_for_number(&normalised)
                    .await
                    .map_err(at(&number_path))?;
                if owner.is_some() && owner != own.as_ref().map(|tenant| tenant.id) {
                    return Err(at(number_path)(StoreError::Conflict(
                        "number (another tenant's)",
                    )));
                }
            }
        }
        Ok(())
    }
}

async fn tenant(store: &Store, entry: &TenantEntry) -> Result<(TenantId, Change), StoreError> {
    let country = entry.country_code.trim().trim_start_matches('+');
    match store.tenant_by_slug(&entry.slug).await? {
        None => {
            let created = store
                .create_tenant(&NewTenant {
                    slug: entry.slug.clone(),
                    name: entry.name.clone(),
                    country_code: country.to_owned(),
                })
                .await?;
            Ok((created.id, Change::Created))
        }
        Some(stored) if stored.name == entry.name && stored.country_code == country => {
            Ok((stored.id, Change::Unchanged))
        }
        Some(stored) => {
            store.update_tenant(stored.id, &entry.name, country).await?;
            Ok((stored.id, Change::Updated))
        }
    }
}

async fn apply_user(
    store: &Store,
    tenant: TenantId,
    users: &[User],
    secrets: &HashMap<String, String>,
    entry: &UserEntry,
) -> Result<Change, StoreError> {
    let devices: Vec<Device> = entry
        .phones
        .iter()
        .map(|phone| Device::Sip {
            username: phone.username.clone(),
        })
        .chain(
            entry
                .external_numbers
                .iter()
                .map(|number| Device::External {
                    number: number.clone(),
                }),
        )
        .collect();
    let existing = users.iter().find(|user| user.extension == entry.extension);
    let spec = UserSpec {
        extension: entry.extension.clone(),
        name: entry.name.clone(),
        department: entry.department.clone(),
        role: entry.role,
        skills: entry.skills.clone(),
        // The file never sets passwords; a stored one stays.
        password_hash: existing.and_then(|user| user.password_hash.clone()),
        devices,
    };
    let mut change = match existing {
        None => {
            store.create_user(tenant, &spec).await?;
            Change::Created
        }
        Some(user)
            if user.name == spec.name
                && user.department == spec.department
                && user.role == spec.role
                && user.skills == spec.skills
                && user.devices == spec.devices =>
        {
            Change::Unchanged
        }
        Some(user) => {
            store.update_user(tenant, user.id, &spec).await?;
            Change::Updated
        }
    };
    for phone in &entry.phones {
        if secrets.get(&phone.username) != Some(&phone.secret) {
            store
                .set_sip_secret(tenant, &phone.username, &phone.secret)
                .await?;
            if change == Change::Unchanged {
                change = Change::Updated;
            }
        }
    }
    Ok(change)
}

async fn apply_component(
    store: &Store,
    tenant: TenantId,
    name: &str,
    loaded: &LoadedComponent,
    now: UnixMs,
) -> Result<Change, StoreError> {
    let versions = match store.component_versions(tenant, name).await {
        Ok(versions) => versions,
        Err(StoreError::NotFound(_)) => Vec::new(),
        Err(error) => return Err(error),
    };
    let (version, mut change) = match versions.iter().find(|v| v.hash == loaded.hash) {
        Some(stored) => (stored.version, Change::Unchanged),
        None => {
            let new = NewComponentVersion {
                hash: loaded.hash.clone(),
                world: loaded.world.to_owned(),
                source: ComponentSource::Bytes(loaded.bytes.clone()),
                size_bytes: loaded.bytes.len() as u64,
            };
            let stored = store.add_component_version(tenant, name, &new, now).await?;
            let change = if versions.is_empty() {
                Change::Created
            } else {
                Change::Updated
            };
            (stored.version, change)
        }
    };
    if store.component(tenant, name).await?.active_version != Some(version) {
        store
            .activate_component_version(tenant, name, version)
            .await?;
        if change == Change::Unchanged {
            change = Change::Updated;
        }
    }
    Ok(change)
}

async fn apply_route(
    store: &Store,
    tenant: TenantId,
    entry: &TenantEntry,
    components: &[LoadedComponent],
    route: &RouteEntry,
    now: UnixMs,
) -> Result<Change, StoreError> {
    // No configuration in the file: the shipped scenario's default, else an empty object.
    let config = match &route.config {
        Some(config) => config.clone(),
        None => entry
            .components
            .iter()
            .zip(components)
            .find(|(component, _)| component.name == route.scenario)
            .and_then(|(_, loaded)| loaded.default_config.clone())
            .unwrap_or_else(|| serde_json::json!({})),
    };
    let number = store.normalise_for_tenant(tenant, &route.number).await?;
    let spec = RouteSpec {
        number: number.clone(),
        scenario: route.scenario.clone(),
        config,
        fallback: route.fallback.clone(),
        working_hours: route.working_hours.clone(),
    };
    match store.route_for_number(tenant, &number).await? {
        None => {
            store.create_route(tenant, &spec, now).await?;
            Ok(Change::Created)
        }
        Some(stored)
            if stored.scenario == spec.scenario
                && stored.config == spec.config
                && stored.fallback == spec.fallback
                && stored.working_hours == spec.working_hours =>
        {
            Ok(Change::Unchanged)
        }
        Some(stored) => {
            store.update_route(tenant, stored.id, &spec).await?;
            Ok(Change::Updated)
        }
    }
}
