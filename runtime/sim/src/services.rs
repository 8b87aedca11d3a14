//! [`SimServices`]: the tenant's data in memory, seeded from a script's
//! caller card and capturing what a scenario creates.

use std::collections::BTreeMap;

use async_trait::async_trait;
use parking_lot::Mutex;
use wasmphony_engine::api::{
    CallError, CallbackRequest, Contact, ContactUpdate, Direction, Field, HistoryEntry, NewRecord,
    OriginateRequest, RecordData,
};
use wasmphony_engine::{CallbackFiling, TenantServices};

use crate::journal::CallJournal;
use crate::script::Script;
use crate::timeline::Happening;

/// Contact cards one simulated tenant may hold.
pub const MAX_CONTACTS: usize = 1_000;
/// Records one simulated tenant may hold.
pub const MAX_RECORDS: usize = 1_000;
/// Callbacks one simulated tenant may hold.
pub const MAX_CALLBACKS: usize = 1_000;
/// Outbound calls one simulated tenant may originate.
pub const MAX_ORIGINATIONS: usize = 1_000;
/// Notes one simulated tenant may hold.
pub const MAX_NOTES: usize = 1_000;
/// Fields one card or record may carry.
pub const MAX_FIELDS: usize = 64;

#[derive(Debug, Default)]
struct Data {
    contacts: BTreeMap<String, Contact>,
    history: BTreeMap<String, Vec<HistoryEntry>>,
    notes: Vec<(String, String)>,
    records: Vec<RecordData>,
    callbacks: Vec<CallbackRequest>,
    originations: Vec<OriginateRequest>,
    next_id: u64,
}

impl Data {
    fn next_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}-{}", self.next_id)
    }
}

/// In-memory tenant services. Every collection is bounded; a full one
/// answers `CallError::Limit`, as a real store's quota would.
#[derive(Debug, Default)]
pub struct SimServices {
    data: Mutex<Data>,
    journal: Option<CallJournal>,
}

impl SimServices {
    /// No contacts, no records.
    pub fn new() -> Self {
        SimServices::default()
    }

    /// Seeded with the script's caller card (and its history), if it has one.
    pub fn from_script(script: &Script) -> Self {
        let services = SimServices::new();
        if let Some(card) = &script.caller.contact {
            let mut data = services.data.lock();
            let id = data.next_id("contact");
            let contact = Contact {
                id: id.clone(),
                number: script.caller.number.clone(),
                name: card.name.clone(),
                company: card.company.clone(),
                assigned_manager: card.assigned_manager.clone(),
                fields: to_fields(&card.fields),
            };
            let history = card
                .history
                .iter()
                .enumerate()
                .map(|(n, past)| HistoryEntry {
                    call_id: format!("past-call-{}", n + 1),
                    direction: Direction::Inbound,
                    started_unix: script.time.unix_seconds - i64::from(past.days_ago) * 86_400,
                    disposition: past.disposition.clone(),
                    dialed: past.dialed.clone().unwrap_or_else(|| script.dialed.clone()),
                    talk_seconds: past.talk,
                    tags: past.tags.clone(),
                })
                .collect();
            data.history.insert(id, history);
            data.contacts.insert(script.caller.number.clone(), contact);
        }
        services
    }

    /// Writes what the scenario creates onto this call's timeline.
    pub fn with_journal(mut self, journal: CallJournal) -> Self {
        self.journal = Some(journal);
        self
    }

    /// The assigned manager on the card of `number`.
    pub fn assigned_manager(&self, number: &str) -> Option<String> {
        self.data
            .lock()
            .contacts
            .get(number)
            .and_then(|c| c.assigned_manager.clone())
    }

    /// Records created or seeded, in creation order.
    pub fn records(&self) -> Vec<RecordData> {
        self.data.lock().records.clone()
    }

    /// Callback tasks scheduled.
    pub fn callbacks(&self) -> Vec<CallbackRequest> {
        self.data.lock().callbacks.clone()
    }

    /// Outbound calls originated.
    pub fn originations(&self) -> Vec<OriginateRequest> {
        self.data.lock().originations.clone()
    }

    /// Contact cards by number.
    pub fn contacts(&self) -> Vec<Contact> {
        self.data.lock().contacts.values().cloned().collect()
    }

    /// Notes added, as (contact id, text).
    pub fn notes(&self) -> Vec<(String, String)> {
        self.data.lock().notes.clone()
    }

    fn note(&self, what: Happening) {
        if let Some(journal) = &self.journal {
            journal.note(what);
        }
    }
}

fn to_fields(fields: &BTreeMap<String, String>) -> Vec<Field> {
    fields
        .iter()
        .map(|(name, value)| Field {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

fn full(what: &str, max: usize) -> CallError {
    CallError::Limit(format!("the simulated tenant holds at most {max} {what}"))
}

fn check_fields(fields: &[Field]) -> Result<(), CallError> {
    if fields.len() > MAX_FIELDS {
        Err(full("fields per item", MAX_FIELDS))
    } else {
        Ok(())
    }
}

#[async_trait]
impl TenantServices for SimServices {
    async fn find_contact(&self, number: &str) -> Result<Option<Contact>, CallError> {
        Ok(self.data.lock().contacts.get(number).cloned())
    }

    async fn upsert_contact(&self, update: ContactUpdate) -> Result<Contact, CallError> {
        check_fields(&update.fields)?;
        let contact = {
            let mut data = self.data.lock();
            if !data.contacts.contains_key(&update.number) && data.contacts.len() >= MAX_CONTACTS {
                return Err(full("contacts", MAX_CONTACTS));
            }
            let id = match data.contacts.get(&update.number) {
                Some(existing) => existing.id.clone(),
                None => data.next_id("contact"),
            };
            let contact = data
                .contacts
                .entry(update.number.clone())
                .or_insert_with(|| Contact {
                    id,
                    number: update.number.clone(),
                    name: None,
                    company: None,
                    assigned_manager: None,
                    fields: Vec::new(),
                });
            if update.name.is_some() {
                contact.name = update.name;
            }
            if update.company.is_some() {
                contact.company = update.company;
            }
            if update.assigned_manager.is_some() {
                contact.assigned_manager = update.assigned_manager;
            }
            for field in update.fields {
                if let Some(existing) = contact.fields.iter_mut().find(|f| f.name == field.name) {
                    existing.value = field.value;
                } else if contact.fields.len() < MAX_FIELDS {
                    contact.fields.push(field);
                } else {
                    return Err(full("fields per item", MAX_FIELDS));
                }
            }
            contact.clone()
        };
        self.note(Happening::ContactSaved(contact.number.clone()));
        Ok(contact)
    }

    async fn contact_history(
        &self,
        contact_id: &str,
        limit: u32,
    ) -> Result<Vec<HistoryEntry>, CallError> {
        let data = self.data.lock();
        let history = data.history.get(contact_id).cloned().unwrap_or_default();
        Ok(history.into_iter().take(limit as usize).collect())
    }

    async fn add_note(&self, contact_id: &str, text: &str) -> Result<(), CallError> {
        {
            let mut data = self.data.lock();
            if !data.contacts.values().any(|c| c.id == contact_id) {
                return Err(CallError::NotFound(format!("contact {contact_id}")));
            }
            if data.notes.len() >= MAX_NOTES {
                return Err(full("notes", MAX_NOTES));
            }
            data.notes.push((contact_id.to_string(), text.to_string()));
        }
        self.note(Happening::NoteAdded(contact_id.to_string()));
        Ok(())
    }

    async fn create_record(&self, new: NewRecord) -> Result<String, CallError> {
        check_fields(&new.fields)?;
        let id = {
            let mut data = self.data.lock();
            if data.records.len() >= MAX_RECORDS {
                return Err(full("records", MAX_RECORDS));
            }
            let id = data.next_id("record");
            data.records.push(RecordData {
                id: id.clone(),
                kind: new.kind.clone(),
                status: new.status.clone(),
                due_unix: new.due_unix,
                contact_number: new.contact_number,
                fields: new.fields,
            });
            id
        };
        self.note(Happening::RecordCreated {
            id: id.clone(),
            kind: new.kind,
            status: new.status,
        });
        Ok(id)
    }

    async fn get_record(&self, id: &str) -> Result<Option<RecordData>, CallError> {
        Ok(self
            .data
            .lock()
            .records
            .iter()
            .find(|r| r.id == id)
            .cloned())
    }

    async fn set_record_status(&self, id: &str, status: &str) -> Result<(), CallError> {
        {
            let mut data = self.data.lock();
            let record = data
                .records
                .iter_mut()
                .find(|r| r.id == id)
                .ok_or_else(|| CallError::NotFound(format!("record {id}")))?;
            record.status = status.to_string();
        }
        self.note(Happening::RecordStatus {
            id: id.to_string(),
            status: status.to_string(),
        });
        Ok(())
    }

    async fn query_records(
        &self,
        kind: &str,
        status: &str,
        limit: u32,
    ) -> Result<Vec<RecordData>, CallError> {
        let data = self.data.lock();
        let mut found: Vec<RecordData> = data
            .records
            .iter()
            .filter(|r| r.kind == kind && r.status == status)
            .cloned()
            .collect();
        // Soonest due first; records without a due time last.
        found.sort_by_key(|r| r.due_unix.unwrap_or(i64::MAX));
        found.truncate(limit as usize);
        Ok(found)
    }

    async fn schedule_callback(&self, filing: CallbackFiling) -> Result<String, CallError> {
        let request = filing.request;
        let id = {
            let mut data = self.data.lock();
            if data.callbacks.len() >= MAX_CALLBACKS {
                return Err(full("callbacks", MAX_CALLBACKS));
            }
            data.callbacks.push(request.clone());
            data.next_id("callback")
        };
        if let Some(journal) = &self.journal {
            journal.with_facts(|facts| {
                facts.scheduled_callbacks += 1;
                facts.outcomes.callback = true;
            });
        }
        self.note(Happening::CallbackScheduled {
            id: id.clone(),
            number: request.number,
        });
        Ok(id)
    }

    async fn originate(&self, request: OriginateRequest) -> Result<String, CallError> {
        let id = {
            let mut data = self.data.lock();
            if data.originations.len() >= MAX_ORIGINATIONS {
                return Err(full("originated calls", MAX_ORIGINATIONS));
            }
            data.originations.push(request.clone());
            data.next_id("call")
        };
        self.note(Happening::Originated {
            id: id.clone(),
            to: request.to,
        });
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn script() -> Script {
        let text = "scenario: x.wasm\ndialed: \"+35924001000\"\ncaller:\n  number: \"+359888123456\"\n  contact:\n    name: Ivan\n    assigned_manager: \"105\"\n    fields: { last-branch: center }\n    history:\n      - { disposition: answered, days_ago: 2, tags: [\"branch:mall\"] }\n";
        Script::parse(text, Path::new("t.yaml")).unwrap()
    }

    fn record(kind: &str, status: &str, due: Option<i64>) -> NewRecord {
        NewRecord {
            kind: kind.into(),
            status: status.into(),
            due_unix: due,
            contact_number: None,
            fields: vec![],
        }
    }

    #[tokio::test]
    async fn the_callers_card_and_history_are_seeded() {
        let script = script();
        let services = SimServices::from_script(&script);
        let card = services
            .find_contact("+359888123456")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(card.assigned_manager.as_deref(), Some("105"));
        assert_eq!(
            card.fields,
            vec![Field {
                name: "last-branch".into(),
                value: "center".into()
            }]
        );
        let history = services.contact_history(&card.id, 10).await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].tags, vec!["branch:mall".to_string()]);
        assert_eq!(
            history[0].started_unix,
            script.time.unix_seconds - 2 * 86_400
        );
        assert_eq!(history[0].dialed, "+35924001000");
        assert_eq!(services.find_contact("+1555").await.unwrap(), None);
    }

    #[tokio::test]
    async fn upsert_keeps_the_id_and_merges_fields() {
        let services = SimServices::from_script(&script());
        let update = ContactUpdate {
            number: "+359888123456".into(),
            name: None,
            company: Some("Acme".into()),
            assigned_manager: None,
            fields: vec![Field {
                name: "last-branch".into(),
                value: "mall".into(),
            }],
        };
        let card = services.upsert_contact(update).await.unwrap();
        assert_eq!(card.id, "contact-1");
        assert_eq!(card.name.as_deref(), Some("Ivan"));
        assert_eq!(card.company.as_deref(), Some("Acme"));
        assert_eq!(card.fields.len(), 1);
        assert_eq!(card.fields[0].value, "mall");
    }

    #[tokio::test]
    async fn records_are_queried_soonest_first_and_bounded() {
        let services = SimServices::new();
        let late = services
            .create_record(record("order", "new", Some(200)))
            .await
            .unwrap();
        let early = services
            .create_record(record("order", "new", Some(100)))
            .await
            .unwrap();
        services
            .create_record(record("order", "done", Some(50)))
            .await
            .unwrap();
        let found = services.query_records("order", "new", 10).await.unwrap();
        assert_eq!(
            found.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
            vec![early.clone(), late]
        );
        services.set_record_status(&early, "done").await.unwrap();
        assert_eq!(
            services.get_record(&early).await.unwrap().unwrap().status,
            "done"
        );
        assert!(matches!(
            services.set_record_status("nope", "x").await,
            Err(CallError::NotFound(_))
        ));
        for _ in 3..MAX_RECORDS {
            services
                .create_record(record("order", "new", None))
                .await
                .unwrap();
        }
        assert!(matches!(
            services.create_record(record("order", "new", None)).await,
            Err(CallError::Limit(_))
        ));
    }

    #[tokio::test]
    async fn callbacks_count_on_the_journal() {
        let journal = CallJournal::default();
        let services = SimServices::new().with_journal(journal.clone());
        let request = CallbackRequest {
            number: "+1".into(),
            at_unix: None,
            queue: None,
            reason: "missed".into(),
        };
        services
            .schedule_callback(CallbackFiling::on_call(request, "+100", "sim-call"))
            .await
            .unwrap();
        assert_eq!(services.callbacks().len(), 1);
        assert_eq!(journal.facts().scheduled_callbacks, 1);
        assert!(journal.facts().outcomes.callback);
    }
}
