//! Tenant data a scenario may use: customer cards, records, callbacks and
//! outbound calls. The server backs it with the store; the simulator keeps it
//! in memory. An implementation is already scoped to one tenant, so a guest
//! cannot name another tenant's data.

use async_trait::async_trait;

use crate::api::{
    CallError, CallbackRequest, Contact, ContactUpdate, HistoryEntry, NewRecord, OriginateRequest,
    RecordData,
};

/// A callback request as the host files it: the guest's (or the host queue's) request
/// plus the tenant number of the call it was filed on.
///
/// The dialled number is not part of the WIT request: the host takes it from the call
/// itself, so a guest cannot file a callback under another of the tenant's numbers, and
/// no implementation can forget it. It is what the callback list deduplicates on (the
/// call's own missed-call entry merges with the request), the caller id the customer is
/// called back from, and the route whose working hours the callback keeps.
#[derive(Debug, Clone)]
pub struct CallbackFiling {
    /// What was asked for.
    pub request: CallbackRequest,
    /// The tenant number the filing call dialled (inbound) or presented (outbound);
    /// `None` when no call filed it (a timer scenario).
    pub dialed: Option<String>,
}

impl CallbackFiling {
    /// A request filed on a call that dialled `dialed`.
    pub fn on_call(request: CallbackRequest, dialed: impl Into<String>) -> Self {
        CallbackFiling {
            request,
            dialed: Some(dialed.into()),
        }
    }

    /// A request filed with no call (a timer scenario).
    pub fn without_call(request: CallbackRequest) -> Self {
        CallbackFiling {
            request,
            dialed: None,
        }
    }
}

/// How one attempt at a callback task went ([`TenantServices::finish_callback`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackAttempt {
    /// The customer answered and was connected: the task is done.
    Reached,
    /// The customer did not answer (or the line failed): the task stays on the
    /// list for another attempt.
    NotReached,
}

#[async_trait]
pub trait TenantServices: Send + Sync {
    async fn find_contact(&self, number: &str) -> Result<Option<Contact>, CallError>;
    async fn upsert_contact(&self, update: ContactUpdate) -> Result<Contact, CallError>;
    async fn contact_history(
        &self,
        contact_id: &str,
        limit: u32,
    ) -> Result<Vec<HistoryEntry>, CallError>;
    async fn add_note(&self, contact_id: &str, text: &str) -> Result<(), CallError>;

    async fn create_record(&self, data: NewRecord) -> Result<String, CallError>;
    async fn get_record(&self, id: &str) -> Result<Option<RecordData>, CallError>;
    async fn set_record_status(&self, id: &str, status: &str) -> Result<(), CallError>;
    async fn query_records(
        &self,
        kind: &str,
        status: &str,
        limit: u32,
    ) -> Result<Vec<RecordData>, CallError>;

    /// Files a callback task; returns its id.
    async fn schedule_callback(&self, filing: CallbackFiling) -> Result<String, CallError>;
    /// Records an attempt at the callback task `task_id` (an id `schedule_callback`
    /// returned), made by the host's queue when an agent took the task. Services that
    /// keep no callback list refuse it.
    async fn finish_callback(
        &self,
        task_id: &str,
        attempt: CallbackAttempt,
    ) -> Result<(), CallError> {
        let _ = (task_id, attempt);
        Err(CallError::Rejected(
            "these services keep no callback list".into(),
        ))
    }
    async fn originate(&self, request: OriginateRequest) -> Result<String, CallError>;
}
