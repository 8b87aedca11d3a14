//! Ids as the guest sees them: the store's integer ids as decimal strings. A guest may
//! pass back anything; whatever is not a stored id's exact spelling names nothing.

/// The store id spelled by `text`, or `None` if `text` is not a canonical positive
/// decimal (`"42"`; not `"+42"`, `" 42"`, `"042"`, `"-1"`, or too large for an i64).
/// Callers answer `None` as "not found", as the simulator does for unknown ids.
pub(crate) fn parse_id(text: &str) -> Option<i64> {
    let canonical =
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && !text.starts_with('0');
    if !canonical {
        return None;
    }
    text.parse::<i64>().ok()
}

#[cfg(test)]
mod tests {
    use super::parse_id;

    #[test]
    fn only_canonical_positive_decimals_are_ids() {
        assert_eq!(parse_id("42"), Some(42));
        assert_eq!(parse_id("9223372036854775807"), Some(i64::MAX));
        for bad in [
            "",
            "0",
            "042",
            "+42",
            "-1",
            " 42",
            "4 2",
            "record-1",
            "9223372036854775808",
            "٤٢",
        ] {
            assert_eq!(parse_id(bad), None, "{bad:?}");
        }
    }
}
