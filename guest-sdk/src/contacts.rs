//! Customer cards of the tenant, keyed by normalised phone number.

use crate::wit::contacts;
pub use crate::wit::contacts::{Contact, ContactUpdate, Field, HistoryEntry};
use crate::wit::types::CallError;

/// Finds the card of a number.
pub fn find(number: &str) -> Result<Option<Contact>, CallError> {
    contacts::find_by_number(number)
}

/// Creates or updates a card (see [`Update`]); returns the stored card.
pub fn upsert(update: &ContactUpdate) -> Result<Contact, CallError> {
    contacts::upsert(update)
}

/// The card's calls, most recent first.
pub fn history(contact_id: &str, limit: u32) -> Result<Vec<HistoryEntry>, CallError> {
    contacts::history(contact_id, limit)
}

/// Adds a note to a card.
pub fn add_note(contact_id: &str, text: &str) -> Result<(), CallError> {
    contacts::add_note(contact_id, text)
}

impl Contact {
    /// A free-form field of the card (for example `last-branch`).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|field| field.name == name)
            .map(|field| field.value.as_str())
    }
}

impl HistoryEntry {
    /// The value of the first `prefix:value` tag (for example `branch` in `branch:center`).
    pub fn tag_value(&self, prefix: &str) -> Option<&str> {
        self.tags.iter().find_map(|tag| {
            tag.strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix(':'))
        })
    }
}

/// Builds a [`ContactUpdate`]: absent values are left as they are on the card.
///
/// ```
/// use wasmphony_guest::contacts::Update;
/// let update = Update::new("+359888123456").name("Ivan").field("last-branch", "center").build();
/// assert_eq!(update.fields[0].value, "center");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "an update does nothing until `upsert` is called"]
pub struct Update {
    update: ContactUpdate,
}

impl Update {
    /// An update of the card of `number`.
    pub fn new(number: impl Into<String>) -> Self {
        Self {
            update: ContactUpdate {
                number: number.into(),
                name: None,
                company: None,
                assigned_manager: None,
                fields: Vec::new(),
            },
        }
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.update.name = Some(name.into());
        self
    }

    /// Sets the company.
    pub fn company(mut self, company: impl Into<String>) -> Self {
        self.update.company = Some(company.into());
        self
    }

    /// Sets the assigned manager's extension.
    pub fn assigned_manager(mut self, extension: impl Into<String>) -> Self {
        self.update.assigned_manager = Some(extension.into());
        self
    }

    /// Sets a free-form field.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.update.fields.push(Field {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    /// The update as the host receives it.
    pub fn build(self) -> ContactUpdate {
        self.update
    }

    /// Creates or updates the card.
    pub fn upsert(self) -> Result<Contact, CallError> {
        upsert(&self.update)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wit::types::Direction;

    #[test]
    fn contact_fields_and_history_tags_are_found_by_name() {
        let contact = Contact {
            id: "c1".into(),
            number: "+359888123456".into(),
            name: None,
            company: None,
            assigned_manager: None,
            fields: vec![Field {
                name: "last-branch".into(),
                value: "center".into(),
            }],
        };
        assert_eq!(contact.field("last-branch"), Some("center"));
        assert_eq!(contact.field("vip"), None);
        let entry = HistoryEntry {
            call_id: "x".into(),
            direction: Direction::Inbound,
            started_unix: 0,
            disposition: "answered".into(),
            dialed: "+35924001000".into(),
            talk_seconds: 30,
            tags: vec!["order".into(), "branch:mall".into()],
        };
        assert_eq!(entry.tag_value("branch"), Some("mall"));
        assert_eq!(entry.tag_value("order"), None);
    }
}
