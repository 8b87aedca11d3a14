//! Tenant slug -> id, as the controller names tenants by slug and the store by id.
//! Cached: a tenant's id never changes; a slug not found is asked again next time
//! (the tenant may be created meanwhile).

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use wasmphony_store::{Store, StoreError, TenantId};

/// The slug -> id cache. Cheap to clone.
#[derive(Clone)]
pub(crate) struct TenantIds {
    store: Store,
    known: Arc<Mutex<HashMap<String, TenantId>>>,
}

impl TenantIds {
    pub(crate) fn new(store: Store) -> Self {
        TenantIds {
            store,
            known: Arc::default(),
        }
    }

    /// The id of the tenant `slug`; `NotFound` when there is none.
    pub(crate) async fn id(&self, slug: &str) -> Result<TenantId, StoreError> {
        if let Some(id) = self.known.lock().get(slug) {
            return Ok(*id);
        }
        let tenant = self
            .store
            .tenant_by_slug(slug)
            .await?
            .ok_or(StoreError::NotFound("tenant"))?;
        self.known.lock().insert(slug.to_string(), tenant.id);
        Ok(tenant.id)
    }
}
