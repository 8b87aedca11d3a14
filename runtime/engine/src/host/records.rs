use crate::api::{CallError, NewRecord, RecordData};
use crate::bindings::call_world::wasmphony::scenario::records::Host;
use crate::host::try_guest;
use crate::state::CallState;

/// Records one query may return.
const MAX_QUERY: u32 = 100;

impl Host for CallState {
    async fn create(&mut self, data: NewRecord) -> wasmtime::Result<Result<String, CallError>> {
        let check = self.enter();
        try_guest!(check.text("kind", &data.kind));
        try_guest!(check.text("status", &data.status));
        try_guest!(check.opt_text("contact number", &data.contact_number));
        try_guest!(check.fields(&data.fields));
        if data.kind.is_empty() || data.status.is_empty() {
            return Ok(Err(CallError::Invalid(
                "a record needs a kind and a status".into(),
            )));
        }
        Ok(self.services.create_record(data).await)
    }

    async fn get(&mut self, id: String) -> wasmtime::Result<Result<Option<RecordData>, CallError>> {
        try_guest!(self.enter().text("record id", &id));
        Ok(self.services.get_record(&id).await)
    }

    async fn set_status(
        &mut self,
        id: String,
        status: String,
    ) -> wasmtime::Result<Result<(), CallError>> {
        let check = self.enter();
        try_guest!(check.text("record id", &id));
        try_guest!(check.text("status", &status));
        Ok(self.services.set_record_status(&id, &status).await)
    }

    async fn query(
        &mut self,
        kind: String,
        status: String,
        limit: u32,
    ) -> wasmtime::Result<Result<Vec<RecordData>, CallError>> {
        let check = self.enter();
        try_guest!(check.text("kind", &kind));
        try_guest!(check.text("status", &status));
        Ok(self
            .services
            .query_records(&kind, &status, limit.min(MAX_QUERY))
            .await)
    }
}
