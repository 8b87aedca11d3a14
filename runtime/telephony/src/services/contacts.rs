//! Customer cards: find by number, upsert with the simulator's merge rules, the card's
//! call history and notes.

use wasmphony_engine::api::{CallError, Contact, ContactUpdate, Direction, HistoryEntry};
use wasmphony_store as store;
use wasmphony_store::{CallId, ContactId, MAX_FIELDS_BYTES, Page, StoreError, UserId};

use super::StoreServices;
use super::errors::to_call_error;
use super::fields::{check_field_count, from_map, merge_fields, to_map, to_seconds};
use super::ids::parse_id;

/// Most history entries one request returns. The store's `contact_history` reads calls
/// without their tags, so each entry costs one more query for them; this bounds that.
pub(crate) const MAX_HISTORY_ENTRIES: u32 = 100;

/// Who the store records as the author of a note a scenario adds.
pub(crate) const NOTE_AUTHOR: &str = "scenario";

impl StoreServices {
    pub(super) async fn find_contact_card(
        &self,
        number: &str,
    ) -> Result<Option<Contact>, CallError> {
        let found = self
            .store
            .find_contact(self.tenant, number)
            .await
            .map_err(self.fail("find contact"))?;
        match found {
            Some(card) => Ok(Some(self.to_guest(card).await?)),
            None => Ok(None),
        }
    }

    /// Creates the card or changes only what the update names; fields merge by name.
    ///
    /// Not one transaction: the store offers a get-or-create and a full replacement, so
    /// two scenarios updating one card at the same instant may lose one's changes (last
    /// writer wins). Cards are edited by one call at a time in practice.
    pub(super) async fn upsert_contact_card(
        &self,
        update: ContactUpdate,
    ) -> Result<Contact, CallError> {
        check_field_count(update.fields.len())?;
        // Resolve and check everything the guest sent before a card is created, so a
        // rejected update leaves nothing behind.
        let manager = match &update.assigned_manager {
            Some(extension) => Some(self.manager_id(extension).await?),
            None => None,
        };
        let guest_fields = to_map(update.fields.clone());
        check_fields_size(&guest_fields)?;

        let now = self.now();
        let card = self
            .store
            .contact_for_number(self.tenant, &update.number, now)
            .await
            .map_err(self.fail("create contact"))?;
        let mut fields = card.fields.clone();
        merge_fields(&mut fields, update.fields);
        if fields.len() > card.fields.len() {
            check_field_count(fields.len())?;
        }
        let change = store::ContactUpdate {
            name: update.name.or(card.name),
            company: update.company.or(card.company),
            assigned_manager: manager.or(card.assigned_manager),
            fields,
        };
        let saved = self
            .store
            .update_contact(self.tenant, card.id, &change, now)
            .await
            .map_err(self.fail("update contact"))?;
        self.to_guest(saved).await
    }

    /// Most recent calls first. An unknown or malformed id has no history (as in the
    /// simulator), not an error.
    pub(super) async fn history_of(
        &self,
        contact_id: &str,
        limit: u32,
    ) -> Result<Vec<HistoryEntry>, CallError> {
        let Some(id) = parse_id(contact_id) else {
            return Ok(Vec::new());
        };
        let page = Page::first(limit.min(MAX_HISTORY_ENTRIES));
        let calls = match self
            .store
            .contact_history(self.tenant, ContactId(id), page)
            .await
        {
            Ok(calls) => calls,
            Err(StoreError::NotFound(_)) => return Ok(Vec::new()),
            Err(error) => return Err(to_call_error(self.tenant, "contact history", error)),
        };
        let mut history = Vec::with_capacity(calls.len());
        for mut call in calls {
            call.tags = self.tags_of(&call.id).await?;
            history.push(history_entry(&call));
        }
        Ok(history)
    }

    /// A call's tags (the history listing leaves them out). A call gone meanwhile has none.
    async fn tags_of(&self, call: &CallId) -> Result<Vec<String>, CallError> {
        match self.store.call(self.tenant, call).await {
            Ok(call) => Ok(call.tags),
            Err(StoreError::NotFound(_)) => Ok(Vec::new()),
            Err(error) => Err(to_call_error(self.tenant, "call tags", error)),
        }
    }

    pub(super) async fn note_on(&self, contact_id: &str, text: &str) -> Result<(), CallError> {
        let id = parse_id(contact_id).ok_or_else(|| CallError::NotFound("contact".into()))?;
        self.store
            .add_note(
                self.tenant,
                ContactId(id),
                Some(NOTE_AUTHOR),
                text,
                self.now(),
            )
            .await
            .map_err(self.fail("add note"))?;
        Ok(())
    }

    /// The user of this tenant with `extension`; `not-found` if there is none.
    async fn manager_id(&self, extension: &str) -> Result<UserId, CallError> {
        self.store
            .user_by_extension(self.tenant, extension)
            .await
            .map_err(self.fail("find manager"))?
            .map(|user| user.id)
            .ok_or_else(|| CallError::NotFound(format!("user with extension {extension:?}")))
    }

    /// The card as the guest sees it: the manager as an extension.
    async fn to_guest(&self, card: store::Contact) -> Result<Contact, CallError> {
        let assigned_manager = match card.assigned_manager {
            Some(user) => match self.store.user(self.tenant, user).await {
                Ok(user) => Some(user.extension),
                // Deleted between the two reads: the card has no manager any more.
                Err(StoreError::NotFound(_)) => None,
                Err(error) => return Err(to_call_error(self.tenant, "read manager", error)),
            },
            None => None,
        };
        Ok(Contact {
            id: card.id.to_string(),
            number: card.number,
            name: card.name,
            company: card.company,
            assigned_manager,
            fields: from_map(&card.fields),
        })
    }
}

/// The store's own bound on a card's document, checked before anything is written.
fn check_fields_size(fields: &serde_json::Map<String, serde_json::Value>) -> Result<(), CallError> {
    let size = serde_json::to_string(fields).map_or(usize::MAX, |text| text.len());
    if size > MAX_FIELDS_BYTES {
        Err(CallError::Invalid(format!(
            "fields are larger than {MAX_FIELDS_BYTES} bytes"
        )))
    } else {
        Ok(())
    }
}

fn history_entry(call: &store::Call) -> HistoryEntry {
    HistoryEntry {
        call_id: call.id.0.clone(),
        direction: match call.direction {
            store::Direction::Inbound => Direction::Inbound,
            store::Direction::Outbound => Direction::Outbound,
        },
        started_unix: to_seconds(call.start),
        // A call still in progress (this very call, for one) has no disposition yet:
        // the guest reads its status, `live`.
        disposition: call
            .disposition
            .map_or(call.status.as_str(), |disposition| disposition.as_str())
            .to_owned(),
        dialed: call.dialed.clone(),
        talk_seconds: u32::try_from(call.talk_ms.max(0) / 1_000).unwrap_or(u32::MAX),
        tags: call.tags.clone(),
    }
}
