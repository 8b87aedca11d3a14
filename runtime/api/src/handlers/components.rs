//! Components (scenarios): upload a `.wasm` as the raw body, list versions with their
//! content hashes, activate, roll back, canary. Uploads are validated by compiling them
//! with the registry's host before anything is stored.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use wasmphony_store::{
    Component, ComponentSource, ComponentVersion, NewComponentVersion, Role, StoreError, UnixMs,
};

use crate::auth::TenantCaller;
use crate::component_sync::{apply, registry_version};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiBytes, ApiJson, ApiPath};
use crate::state::ApiState;

/// A component with all its versions.
#[derive(Debug, Serialize)]
pub(crate) struct ComponentDetail {
    component: Component,
    versions: Vec<ComponentVersion>,
}

pub(crate) async fn list(
    caller: TenantCaller,
    State(state): State<ApiState>,
) -> ApiResult<Json<Vec<Component>>> {
    Ok(Json(state.store.list_components(caller.tenant.id).await?))
}

pub(crate) async fn get(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<ComponentDetail>> {
    let tenant = caller.tenant.id;
    let component = state.store.component(tenant, &name).await?;
    let versions = state.store.component_versions(tenant, &name).await?;
    Ok(Json(ComponentDetail {
        component,
        versions,
    }))
}

pub(crate) async fn upload(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(name): ApiPath<String>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<(StatusCode, Json<ComponentDetail>)> {
    caller.require(Role::Admin)?;
    let tenant = caller.tenant.id;
    // Validation first: nothing is stored for bytes the host would not run. Compiling
    // takes long enough (tens of ms to seconds) to belong on the blocking pool.
    let registry = state.registry.clone();
    let bytes = body.clone();
    let (hash, world) = tokio::task::spawn_blocking(move || {
        registry
            .host()
            .compile(&bytes)
            .map(|compiled| (compiled.hash().to_hex(), compiled.world().as_str()))
    })
    .await
    .map_err(|_| ApiError::Internal("the component compiler stopped".into()))??;
    let existing = match state.store.component_versions(tenant, &name).await {
        Ok(versions) => versions,
        Err(StoreError::NotFound(_)) => Vec::new(),
        Err(error) => return Err(error.into()),
    };
    if let Some(first) = existing.first()
        && first.world != world
    {
        return Err(ApiError::InvalidComponent(format!(
            "this component implements the {world} world, but {name} runs the {} world",
            first.world
        )));
    }
    let status = if existing.iter().any(|version| version.hash == hash) {
        StatusCode::OK // the same bytes again: nothing new to store
    } else {
        let new = NewComponentVersion {
            hash,
            world: world.to_owned(),
            source: ComponentSource::Bytes(body.to_vec()),
            size_bytes: body.len() as u64,
        };
        state
            .store
            .add_component_version(tenant, &name, &new, UnixMs::now())
            .await?;
        StatusCode::CREATED
    };
    state.registry.register(&caller.tenant.slug, &name, &body)?;
    let mut component = state.store.component(tenant, &name).await?;
    if component.active_version.is_none() {
        // The first version of a component runs at once, as in the registry.
        component = state
            .store
            .activate_component_version(tenant, &name, 1)
            .await?;
    }
    apply(
        &state.store,
        &state.registry,
        &caller.tenant.slug,
        &component,
    )
    .await?;
    let versions = state.store.component_versions(tenant, &name).await?;
    Ok((
        status,
        Json(ComponentDetail {
            component,
            versions,
        }),
    ))
}

/// Which version to activate.
#[derive(Debug, Deserialize)]
pub(crate) struct ActivateBody {
    version: u32,
}

pub(crate) async fn activate(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(name): ApiPath<String>,
    ApiJson(body): ApiJson<ActivateBody>,
) -> ApiResult<Json<Component>> {
    caller.require(Role::Admin)?;
    let tenant = caller.tenant.id;
    // Make sure the registry can run it before the store says it runs.
    registry_version(
        &state.store,
        &state.registry,
        tenant,
        &caller.tenant.slug,
        &name,
        body.version,
    )
    .await?;
    let component = state
        .store
        .activate_component_version(tenant, &name, body.version)
        .await?;
    apply(
        &state.store,
        &state.registry,
        &caller.tenant.slug,
        &component,
    )
    .await?;
    Ok(Json(component))
}

pub(crate) async fn rollback(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<Component>> {
    caller.require(Role::Admin)?;
    let component = state
        .store
        .rollback_component(caller.tenant.id, &name)
        .await?;
    apply(
        &state.store,
        &state.registry,
        &caller.tenant.slug,
        &component,
    )
    .await?;
    Ok(Json(component))
}

/// Which version gets which share of new calls (`percent` 0 or no version ends the canary).
#[derive(Debug, Deserialize)]
pub(crate) struct CanaryBody {
    #[serde(default)]
    version: Option<u32>,
    percent: u8,
}

pub(crate) async fn canary(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(name): ApiPath<String>,
    ApiJson(body): ApiJson<CanaryBody>,
) -> ApiResult<Json<Component>> {
    caller.require(Role::Admin)?;
    let tenant = caller.tenant.id;
    if let Some(version) = body.version.filter(|_| body.percent > 0) {
        registry_version(
            &state.store,
            &state.registry,
            tenant,
            &caller.tenant.slug,
            &name,
            version,
        )
        .await?;
    }
    let component = state
        .store
        .set_canary(tenant, &name, body.version, body.percent)
        .await?;
    apply(
        &state.store,
        &state.registry,
        &caller.tenant.slug,
        &component,
    )
    .await?;
    Ok(Json(component))
}
