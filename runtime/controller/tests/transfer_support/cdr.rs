//! What a call's record says about transfers.

use wasmphony_controller::{CallRecord, TRANSFERRED_TAG};

pub fn var<'a>(record: &'a CallRecord, name: &str) -> Option<&'a str> {
    record
        .vars
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The record is tagged as transferred, and its last transfer was by `by` to `to`.
pub fn assert_transferred(record: &CallRecord, by: &str, to: &str) {
    assert!(
        record.tags.iter().any(|t| t == TRANSFERRED_TAG),
        "{:?}",
        record.tags
    );
    assert_eq!(var(record, "transferred_by"), Some(by));
    assert_eq!(var(record, "transferred_to"), Some(to));
}

/// The record shows no transfer: no tag and no target.
pub fn assert_not_transferred(record: &CallRecord) {
    assert!(
        !record.tags.iter().any(|t| t == TRANSFERRED_TAG),
        "{:?}",
        record.tags
    );
    assert_eq!(var(record, "transferred_to"), None);
}

/// How many hand-offs the record's log tells of.
pub fn transfers_logged(record: &CallRecord) -> usize {
    record
        .log
        .iter()
        .filter(|l| l.contains("transferred by"))
        .count()
}
