//! Tenant records (orders, bookings, trips): create, read, change status, query.

use wasmphony_engine::api::{CallError, NewRecord, RecordData};
use wasmphony_store as store;
use wasmphony_store::{RecordId, StoreError};

use super::StoreServices;
use super::errors::to_call_error;
use super::fields::{check_field_count, from_map, to_map, to_ms, to_seconds};
use super::ids::parse_id;

impl StoreServices {
    pub(super) async fn new_record(&self, data: NewRecord) -> Result<String, CallError> {
        check_field_count(data.fields.len())?;
        let new = store::NewRecord {
            due: data.due_unix.map(to_ms).transpose()?,
            kind: data.kind,
            status: data.status,
            contact_number: data.contact_number,
            fields: to_map(data.fields),
        };
        let record = self
            .store
            .create_record(self.tenant, &new, self.now())
            .await
            .map_err(self.fail("create record"))?;
        Ok(record.id.to_string())
    }

    /// `None` for an unknown or malformed id, as the simulator answers.
    pub(super) async fn record_by_id(&self, id: &str) -> Result<Option<RecordData>, CallError> {
        let Some(id) = parse_id(id) else {
            return Ok(None);
        };
        match self.store.record(self.tenant, RecordId(id)).await {
            Ok(record) => Ok(Some(to_guest(record))),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(error) => Err(to_call_error(self.tenant, "get record", error)),
        }
    }

    /// Changes the status and keeps the due time, as the simulator does. The store sets
    /// both at once, so this reads the due time first: a due time changed (through the
    /// API) between the two statements is overwritten with the one read.
    pub(super) async fn record_status(&self, id: &str, status: &str) -> Result<(), CallError> {
        let id = RecordId(parse_id(id).ok_or_else(|| CallError::NotFound("record".into()))?);
        let record = self
            .store
            .record(self.tenant, id)
            .await
            .map_err(self.fail("get record"))?;
        self.store
            .set_record_status(self.tenant, id, status, record.due, self.now())
            .await
            .map_err(self.fail("set record status"))?;
        Ok(())
    }

    /// Soonest due first, undated last; at most the store's `MAX_RECORDS_PER_QUERY`.
    pub(super) async fn records_in(
        &self,
        kind: &str,
        status: &str,
        limit: u32,
    ) -> Result<Vec<RecordData>, CallError> {
        let records = self
            .store
            .records_by_status(self.tenant, kind, status, limit)
            .await
            .map_err(self.fail("query records"))?;
        Ok(records.into_iter().map(to_guest).collect())
    }
}

fn to_guest(record: store::Record) -> RecordData {
    RecordData {
        id: record.id.to_string(),
        kind: record.kind,
        status: record.status,
        due_unix: record.due.map(to_seconds),
        contact_number: record.contact_number,
        fields: from_map(&record.fields),
    }
}
