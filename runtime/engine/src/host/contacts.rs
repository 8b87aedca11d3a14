use crate::api::{CallError, Contact, ContactUpdate, HistoryEntry};
use crate::bindings::call_world::wasmphony::scenario::contacts::Host;
use crate::host::try_guest;
use crate::state::CallState;

/// History entries one call may ask for at once.
const MAX_HISTORY: u32 = 100;

impl Host for CallState {
    async fn find_by_number(
        &mut self,
        number: String,
    ) -> wasmtime::Result<Result<Option<Contact>, CallError>> {
        try_guest!(self.enter().text("number", &number));
        Ok(self.services.find_contact(&number).await)
    }

    async fn upsert(
        &mut self,
        update: ContactUpdate,
    ) -> wasmtime::Result<Result<Contact, CallError>> {
        let check = self.enter();
        try_guest!(check.text("number", &update.number));
        try_guest!(check.opt_text("name", &update.name));
        try_guest!(check.opt_text("company", &update.company));
        try_guest!(check.opt_text("assigned manager", &update.assigned_manager));
        try_guest!(check.fields(&update.fields));
        if update.number.trim().is_empty() {
            return Ok(Err(CallError::Invalid("a contact needs a number".into())));
        }
        Ok(self.services.upsert_contact(update).await)
    }

    async fn history(
        &mut self,
        contact_id: String,
        limit: u32,
    ) -> wasmtime::Result<Result<Vec<HistoryEntry>, CallError>> {
        try_guest!(self.enter().text("contact id", &contact_id));
        Ok(self
            .services
            .contact_history(&contact_id, limit.min(MAX_HISTORY))
            .await)
    }

    async fn add_note(
        &mut self,
        contact_id: String,
        text: String,
    ) -> wasmtime::Result<Result<(), CallError>> {
        let check = self.enter();
        try_guest!(check.text("contact id", &contact_id));
        try_guest!(check.text("note", &text));
        Ok(self.services.add_note(&contact_id, &text).await)
    }
}
