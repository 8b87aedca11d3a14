//! [`StoreServices`]: the engine's [`TenantServices`] over one tenant of the store, so a
//! scenario on a real call reads and writes the tenant's stored cards, records and
//! callback list.
//!
//! What the guest sees matches the simulator's `SimServices` (ids are opaque strings, an
//! unknown id reads as "not found", absent update values leave a card as it is) with
//! these differences, all coming from the store:
//!
//! - ids are the store's decimal ids (`"42"`), not `contact-1` / `record-1`;
//! - numbers are normalised for the tenant (`030 1234567` -> `+49301234567`), and a card
//!   needs an outside phone number (an extension or `anonymous` is `invalid`);
//! - `assigned-manager` is a user's extension; the store keeps the user, so an extension
//!   that is no user of the tenant is `not-found`;
//! - history entries carry the store's dispositions (`answered`, `no_answer`, `busy`,
//!   `abandoned`, `voicemail`, `after_hours`, `failed`, `interrupted`);
//! - `originate` is refused: no outbound dialer is wired on this node yet.
//!
//! Every method is scoped by the tenant id given at construction; no method takes a
//! tenant from the guest, so tenant A's services can never reach tenant B's rows.

mod callbacks;
mod contacts;
mod errors;
mod fields;
mod ids;
mod records;

use async_trait::async_trait;
use wasmphony_engine::api::{
    CallError, Contact, ContactUpdate, HistoryEntry, NewRecord, OriginateRequest, RecordData,
};
use wasmphony_engine::{CallbackAttempt, CallbackFiling, TenantServices};
use wasmphony_store::{Store, StoreError, TenantId, UnixMs};

/// Tenant services backed by the store, scoped to one tenant. Cheap to clone (the
/// store is a shared pool).
#[derive(Debug, Clone)]
pub struct StoreServices {
    store: Store,
    tenant: TenantId,
}

impl StoreServices {
    /// Services of `tenant`. The tenant is not checked here; a missing tenant makes
    /// every call answer `not-found`.
    pub fn new(store: Store, tenant: TenantId) -> Self {
        StoreServices { store, tenant }
    }

    /// Services of the tenant with this slug, or `None` when there is no such tenant.
    pub async fn for_slug(store: Store, slug: &str) -> Result<Option<Self>, StoreError> {
        let tenant = store.tenant_by_slug(slug).await?;
        Ok(tenant.map(|tenant| StoreServices::new(store, tenant.id)))
    }

    /// The tenant these services are scoped to.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// Wall-clock time for `created`/`updated` columns and immediate callbacks.
    fn now(&self) -> UnixMs {
        UnixMs::now()
    }
}

#[async_trait]
impl TenantServices for StoreServices {
    async fn find_contact(&self, number: &str) -> Result<Option<Contact>, CallError> {
        self.find_contact_card(number).await
    }

    async fn upsert_contact(&self, update: ContactUpdate) -> Result<Contact, CallError> {
        self.upsert_contact_card(update).await
    }

    async fn contact_history(
        &self,
        contact_id: &str,
        limit: u32,
    ) -> Result<Vec<HistoryEntry>, CallError> {
        self.history_of(contact_id, limit).await
    }

    async fn add_note(&self, contact_id: &str, text: &str) -> Result<(), CallError> {
        self.note_on(contact_id, text).await
    }

    async fn create_record(&self, data: NewRecord) -> Result<String, CallError> {
        self.new_record(data).await
    }

    async fn get_record(&self, id: &str) -> Result<Option<RecordData>, CallError> {
        self.record_by_id(id).await
    }

    async fn set_record_status(&self, id: &str, status: &str) -> Result<(), CallError> {
        self.record_status(id, status).await
    }

    async fn query_records(
        &self,
        kind: &str,
        status: &str,
        limit: u32,
    ) -> Result<Vec<RecordData>, CallError> {
        self.records_in(kind, status, limit).await
    }

    async fn schedule_callback(&self, filing: CallbackFiling) -> Result<String, CallError> {
        self.file_callback(filing).await
    }

    async fn finish_callback(
        &self,
        task_id: &str,
        attempt: CallbackAttempt,
    ) -> Result<(), CallError> {
        self.record_callback_attempt(task_id, attempt).await
    }

    async fn originate(&self, request: OriginateRequest) -> Result<String, CallError> {
        self.refuse_originate(&request)
    }
}
