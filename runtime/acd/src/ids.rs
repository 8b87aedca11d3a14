//! Typed identifiers. The cores treat them as opaque; the server maps them to
//! SIP dialogs, registered contacts and phone numbers.

use serde::{Deserialize, Serialize};

/// One agent (a person who answers queue calls).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AgentId(pub u32);

/// One caller in a queue: a live call, or later the callback task it became.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CallerId(pub u64);

/// A device an agent answers on: a registered SIP phone (AOR) or an external number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DeviceId(pub String);

/// A skill name, e.g. `"banquets"` or `"english"`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Skill(pub String);

/// How good an agent is at a skill; higher is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SkillLevel(pub u8);

impl std::fmt::Display for AgentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a{}", self.0)
    }
}

impl std::fmt::Display for CallerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "c{}", self.0)
    }
}

impl Skill {
    /// A skill from its name.
    pub fn new(name: impl Into<String>) -> Self {
        Skill(name.into())
    }
}

impl DeviceId {
    /// A device from its address (AOR or number).
    pub fn new(address: impl Into<String>) -> Self {
        DeviceId(address.into())
    }
}
