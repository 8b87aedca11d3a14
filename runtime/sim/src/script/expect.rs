//! The `expect:` section of a script: what must have happened by the end of the call.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::disposition::Disposition;

/// Expectations; an absent field is not checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Library prompts played in this order (others may come between).
    #[serde(default)]
    pub prompts: Vec<String>,
    /// Library prompts never played.
    #[serde(default)]
    pub not_prompts: Vec<String>,
    /// Every digit string returned by `collect`, in order.
    #[serde(default)]
    pub collected: Option<Vec<String>>,
    /// Every dial operation, in order.
    #[serde(default)]
    pub dialed: Option<Vec<ExpectedDial>>,
    /// The caller was put into this queue.
    #[serde(default)]
    pub queue: Option<String>,
    /// The call was blind-transferred to this target.
    #[serde(default)]
    pub transfer: Option<String>,
    /// Records created (each must match one created record).
    #[serde(default)]
    pub records: Vec<ExpectedRecord>,
    /// Number of callback tasks scheduled.
    #[serde(default)]
    pub callbacks: Option<usize>,
    /// Tags set (a subset).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Call variables at the end (a subset).
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    #[serde(default)]
    pub disposition: Option<Disposition>,
    /// The guest failure expected; absent: no failure allowed.
    #[serde(default)]
    pub failure: Option<FailureKind>,
    /// Whether the route's fallback ran.
    #[serde(default)]
    pub fallback: Option<bool>,
}

/// One expected dial operation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedDial {
    /// Targets as written; the assigned manager as its extension.
    pub targets: Vec<String>,
    #[serde(default)]
    pub strategy: Option<Strategy>,
}

/// Dial strategy, as a script names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    Parallel,
    Sequential,
}

impl Strategy {
    /// The script's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Parallel => "parallel",
            Strategy::Sequential => "sequential",
        }
    }
}

/// One expected record.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedRecord {
    pub kind: String,
    #[serde(default)]
    pub status: Option<String>,
    /// Fields the record must have (a subset).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// Why a guest may be expected to fail; the names are
/// [`wasmphony_engine::ScenarioFailure::kind`]'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    Trap,
    Cpu,
    Memory,
    Stack,
    LogFlood,
    Error,
    InstanceLimit,
    Instantiate,
}

impl FailureKind {
    /// The engine's name for this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Trap => "trap",
            FailureKind::Cpu => "cpu",
            FailureKind::Memory => "memory",
            FailureKind::Stack => "stack",
            FailureKind::LogFlood => "log-flood",
            FailureKind::Error => "error",
            FailureKind::InstanceLimit => "instance-limit",
            FailureKind::Instantiate => "instantiate",
        }
    }
}
