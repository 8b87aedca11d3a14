//! What a route configures for self-ordering.

use serde::Deserialize;
use wasmphony_guest::Schedule;

/// Default number of tries a caller gets for each entry (and for starting over).
pub const DEFAULT_ATTEMPTS: u8 = 3;
/// Default largest party accepted on the keypad.
pub const DEFAULT_MAX_PARTY: u32 = 20;
/// Default wait for the first key after a question.
pub const DEFAULT_TIMEOUT_MS: u32 = 6_000;
/// Default wait for the confirmation key after the (long) read-back.
pub const DEFAULT_CONFIRM_TIMEOUT_MS: u32 = 10_000;

/// A branch the caller can choose, and the prompt that names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BranchChoice {
    /// Stable id written into records and contact cards (`center`).
    pub id: String,
    /// Key that chooses it at the branch question.
    pub key: String,
    /// Library prompt that names it in the read-back (`branch-center`).
    pub prompt: String,
    /// When bookings are taken for it (any time when absent).
    #[serde(default)]
    pub hours: Option<Schedule>,
}

/// Checks a branch list: at least one branch, keys and ids unique, keys single keypad keys.
pub fn validate_branches(branches: &[BranchChoice]) -> Result<(), String> {
    if branches.is_empty() {
        return Err("no branches configured".to_owned());
    }
    for (index, branch) in branches.iter().enumerate() {
        let later = &branches[index + 1..];
        if later.iter().any(|other| other.id == branch.id) {
            return Err(format!("branch id `{}` is used twice", branch.id));
        }
        if later.iter().any(|other| other.key == branch.key) {
            return Err(format!("branch key `{}` is used twice", branch.key));
        }
        let is_key = branch.key.len() == 1 && branch.key.chars().all(|c| c.is_ascii_digit() || c == '*');
        if !is_key {
            return Err(format!("branch `{}`: key `{}` is not a single key (0-9 or *)", branch.id, branch.key));
        }
    }
    Ok(())
}

/// Settings of the ordering flow.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct OrderSettings {
    /// Record kind (`booking` or `order`).
    pub kind: String,
    /// Status of the new record; staff move it on.
    pub status: String,
    /// Tries per entry, and how often the caller may start over.
    pub attempts: u8,
    /// Largest party size accepted.
    pub max_party: u32,
    /// Wait for the first key after each question.
    pub timeout_ms: u32,
    /// Wait for the confirmation key after the read-back.
    pub confirm_timeout_ms: u32,
    /// Tag set on the call when a record is written.
    pub tag: String,
}

impl Default for OrderSettings {
    fn default() -> Self {
        Self {
            kind: "booking".to_owned(),
            status: "self-service".to_owned(),
            attempts: DEFAULT_ATTEMPTS,
            max_party: DEFAULT_MAX_PARTY,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            confirm_timeout_ms: DEFAULT_CONFIRM_TIMEOUT_MS,
            tag: "self-order".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn branch(id: &str, key: &str) -> BranchChoice {
        BranchChoice { id: id.into(), key: key.into(), prompt: format!("branch-{id}"), hours: None }
    }

    #[test]
    fn branch_lists_are_checked() {
        assert_eq!(validate_branches(&[branch("a", "1"), branch("b", "2")]), Ok(()));
        assert!(validate_branches(&[]).is_err());
        assert!(validate_branches(&[branch("a", "1"), branch("a", "2")]).unwrap_err().contains("id `a`"));
        assert!(validate_branches(&[branch("a", "1"), branch("b", "1")]).unwrap_err().contains("key `1`"));
        assert!(validate_branches(&[branch("a", "12")]).is_err());
        assert!(validate_branches(&[branch("a", "#")]).is_err());
    }
}
