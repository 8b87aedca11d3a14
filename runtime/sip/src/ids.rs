//! Random identifiers: Via branches, tags and Call-IDs.

use crate::message::BRANCH_MAGIC_COOKIE;

/// Random bytes behind each identifier (96 bits: collisions are not a concern).
const ID_BYTES: usize = 12;

fn random_hex() -> String {
    let mut bytes = [0u8; ID_BYTES];
    if getrandom::fill(&mut bytes).is_err() {
        // The OS RNG failing is exotic; fall back to time and a counter so ids stay unique.
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        return format!("{t:x}{n:x}");
    }
    hex::encode(bytes)
}

/// A new RFC 3261 branch (`z9hG4bK...`).
pub fn new_branch() -> String {
    format!("{BRANCH_MAGIC_COOKIE}{}", random_hex())
}

/// A new From/To tag.
pub fn new_tag() -> String {
    random_hex()
}

/// A new Call-ID.
pub fn new_call_id() -> String {
    random_hex()
}
