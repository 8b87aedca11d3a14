//! Conversions between the contract's shapes and the store's: free-form fields (a list
//! of name/value strings vs a JSON object) and times (Unix seconds vs milliseconds).

use serde_json::{Map, Value};
use wasmphony_engine::api::{CallError, Field};
use wasmphony_store::UnixMs;

use super::StoreServices;

impl StoreServices {
    /// Fields one card or record may carry, as in the simulator (more is `limit`). The
    /// store also bounds the serialised document (`MAX_FIELDS_BYTES`), answered as
    /// `invalid`.
    pub const MAX_FIELDS: usize = 64;
}

const MAX_FIELDS: usize = StoreServices::MAX_FIELDS;

/// `limit` unless the list is longer than [`MAX_FIELDS`].
pub(crate) fn check_field_count(count: usize) -> Result<(), CallError> {
    if count > MAX_FIELDS {
        Err(CallError::Limit(format!(
            "a card or record holds at most {MAX_FIELDS} fields"
        )))
    } else {
        Ok(())
    }
}

/// Writes `fields` over `into`, later names winning, as the simulator merges them.
pub(crate) fn merge_fields(into: &mut Map<String, Value>, fields: Vec<Field>) {
    for field in fields {
        into.insert(field.name, Value::String(field.value));
    }
}

/// A new document from `fields`.
pub(crate) fn to_map(fields: Vec<Field>) -> Map<String, Value> {
    let mut map = Map::new();
    merge_fields(&mut map, fields);
    map
}

/// The stored document as the guest's list. Values written by the API or a CSV import
/// may be numbers or booleans; the guest gets their JSON text (`3`, `true`), strings
/// without quotes.
pub(crate) fn from_map(map: &Map<String, Value>) -> Vec<Field> {
    map.iter()
        .map(|(name, value)| Field {
            name: name.clone(),
            value: match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            },
        })
        .collect()
}

/// Unix seconds from the guest as the store's milliseconds; `invalid` if out of range.
pub(crate) fn to_ms(unix_seconds: i64) -> Result<UnixMs, CallError> {
    unix_seconds
        .checked_mul(1_000)
        .map(UnixMs)
        .ok_or_else(|| CallError::Invalid(format!("time {unix_seconds} is out of range")))
}

/// The store's milliseconds as Unix seconds (rounded down, also before 1970).
pub(crate) fn to_seconds(at: UnixMs) -> i64 {
    at.0.div_euclid(1_000)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fields_round_trip_and_non_strings_read_as_json_text() {
        let mut map = to_map(vec![
            Field {
                name: "a".into(),
                value: "1".into(),
            },
            Field {
                name: "a".into(),
                value: "2".into(),
            },
        ]);
        map.insert("n".into(), json!(3));
        let back = from_map(&map);
        assert_eq!(back[0].value, "2");
        assert_eq!(back[1].value, "3");
    }

    #[test]
    fn times_convert_and_overflow_is_invalid() {
        assert_eq!(to_ms(5).unwrap(), UnixMs(5_000));
        assert!(matches!(to_ms(i64::MAX), Err(CallError::Invalid(_))));
        assert_eq!(to_seconds(UnixMs(1_999)), 1);
        assert_eq!(to_seconds(UnixMs(-1)), -1);
    }
}
