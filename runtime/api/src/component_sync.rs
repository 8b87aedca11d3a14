//! Keeping the in-memory [`ScenarioRegistry`] in step with the stored components.
//!
//! The store is the truth (it survives restarts); the registry is what new calls read.
//! Version numbers are matched by content hash, not by position, so a registry that was
//! filled in another order still activates the right bytes.

use wasmphony_engine::ScenarioRegistry;
use wasmphony_store::{Component, ComponentSource, Store, StoreError, TenantId};

use crate::error::{ApiError, ApiResult};

/// The registry's version number of the stored `version` of `name`, registering the stored
/// bytes first when the registry does not have them.
pub(crate) async fn registry_version(
    store: &Store,
    registry: &ScenarioRegistry,
    tenant: TenantId,
    slug: &str,
    name: &str,
    version: u32,
) -> ApiResult<u32> {
    let versions = store.component_versions(tenant, name).await?;
    let stored = versions
        .iter()
        .find(|candidate| candidate.version == version)
        .ok_or_else(|| ApiError::NotFound(format!("component {name} has no version {version}")))?;
    if let Ok(known) = registry.versions(slug, name)
        && let Some(info) = known.iter().find(|info| info.hash.to_hex() == stored.hash)
    {
        return Ok(info.version);
    }
    let bytes = source_bytes(store.component_source(tenant, name, version).await?).await?;
    Ok(registry.register(slug, name, &bytes)?.version)
}

/// Applies the stored active version and canary of `component` to the registry.
pub(crate) async fn apply(
    store: &Store,
    registry: &ScenarioRegistry,
    slug: &str,
    component: &Component,
) -> ApiResult<()> {
    let (tenant, name) = (component.tenant_id, component.name.as_str());
    if let Some(active) = component.active_version {
        let active = registry_version(store, registry, tenant, slug, name, active).await?;
        registry.activate(slug, name, active)?;
        match component.canary_version {
            Some(canary) if component.canary_percent > 0 => {
                let canary = registry_version(store, registry, tenant, slug, name, canary).await?;
                registry.set_canary(slug, name, canary, component.canary_percent)?;
            }
            _ => registry.set_canary(slug, name, active, 0)?,
        }
    }
    Ok(())
}

async fn source_bytes(source: ComponentSource) -> ApiResult<Vec<u8>> {
    match source {
        ComponentSource::Bytes(bytes) => Ok(bytes),
        ComponentSource::Path(path) => tokio::fs::read(&path)
            .await
            .map_err(|_| ApiError::Internal(format!("stored component file {path} is unreadable"))),
    }
}

/// What [`restore_registry`] loaded.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// Versions compiled and registered.
    pub registered: usize,
    /// Versions or activations that failed, each named with its tenant, component and
    /// reason; everything else was still loaded.
    pub refused: Vec<String>,
}

/// Loads every tenant's stored components into `registry` (every version, then the active
/// one and the canary), for server start-up. A version that no longer loads (a file gone
/// missing, an engine that dropped a contract version) is reported in
/// [`RestoreReport::refused`] rather than stopping the others: one tenant's broken upload
/// must not keep every other tenant's calls from being served. Only a store failure stops it.
pub async fn restore_registry(
    store: &Store,
    registry: &ScenarioRegistry,
) -> Result<RestoreReport, RestoreError> {
    let mut report = RestoreReport::default();
    for tenant in store.list_tenants().await? {
        for component in store.list_components(tenant.id).await? {
            let name = component.name.as_str();
            for version in store.component_versions(tenant.id, name).await? {
                let source = store
                    .component_source(tenant.id, name, version.version)
                    .await?;
                let registered = match source_bytes(source).await {
                    Ok(bytes) => registry
                        .register(&tenant.slug, name, &bytes)
                        .map_err(ApiError::from),
                    Err(error) => Err(error),
                };
                match registered {
                    Ok(_) => report.registered += 1,
                    Err(error) => report.refused.push(format!(
                        "{}/{name} v{}: {error}",
                        tenant.slug, version.version
                    )),
                }
            }
            if let Err(error) = apply(store, registry, &tenant.slug, &component).await {
                report
                    .refused
                    .push(format!("{}/{name}: activation: {error}", tenant.slug));
            }
        }
    }
    Ok(report)
}

/// Why [`restore_registry`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
