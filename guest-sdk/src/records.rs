//! Tenant-scoped documents with a status and a due time: orders, bookings, trips.

use crate::wit::contacts::Field;
use crate::wit::records;
pub use crate::wit::records::{NewRecord, RecordData};
use crate::wit::types::CallError;

/// Reads a record by id.
pub fn get(id: &str) -> Result<Option<RecordData>, CallError> {
    records::get(id)
}

/// Changes a record's status.
pub fn set_status(id: &str, status: &str) -> Result<(), CallError> {
    records::set_status(id, status)
}

/// Records of a kind in a status, soonest due first.
pub fn query(kind: &str, status: &str, limit: u32) -> Result<Vec<RecordData>, CallError> {
    records::query(kind, status, limit)
}

impl RecordData {
    /// A field of the record by name.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|field| field.name == name)
            .map(|field| field.value.as_str())
    }
}

/// Builds and creates a record.
///
/// ```no_run
/// use wasmphony_guest::records::New;
/// # fn demo() -> wasmphony_guest::ScenarioResult {
/// let id = New::new("booking", "self-service")
///     .contact("+359888123456")
///     .due_unix(1_795_000_000)
///     .field("party", "4")
///     .create()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a record is not stored until `create` is called"]
pub struct New {
    record: NewRecord,
}

impl New {
    /// A record of `kind` in `status`.
    #[allow(
        clippy::self_named_constructors,
        reason = "reads as `records::New::new(..)`"
    )]
    pub fn new(kind: impl Into<String>, status: impl Into<String>) -> Self {
        Self {
            record: NewRecord {
                kind: kind.into(),
                status: status.into(),
                due_unix: None,
                contact_number: None,
                fields: Vec::new(),
            },
        }
    }

    /// When the record is due (Unix seconds).
    pub fn due_unix(mut self, unix: i64) -> Self {
        self.record.due_unix = Some(unix);
        self
    }

    /// The customer's number.
    pub fn contact(mut self, number: impl Into<String>) -> Self {
        self.record.contact_number = Some(number.into());
        self
    }

    /// Adds a field.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.record.fields.push(Field {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    /// The record as the host receives it.
    pub fn build(self) -> NewRecord {
        self.record
    }

    /// Stores the record; returns its id.
    pub fn create(self) -> Result<String, CallError> {
        records::create(&self.record)
    }
}
