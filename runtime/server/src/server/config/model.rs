//! The YAML site file as written: tenants with their users, queues, numbers, routes,
//! trunks, prompts and components. Unknown keys are errors (a typo must not be ignored).
//! Queue and trunk entries are the store's own specs, so the file and the API agree.

use std::path::PathBuf;

use serde::Deserialize;
use wasmphony_store::{Fallback, QueueSpec, Role, Skill, TrunkSpec, WorkingHours};

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SiteFile {
    pub(crate) tenants: Vec<TenantEntry>,
}

/// One tenant, found by its slug.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TenantEntry {
    pub(crate) slug: String,
    pub(crate) name: String,
    /// Country calling code for national numbers ("49"); may be empty.
    #[serde(default)]
    pub(crate) country_code: String,
    #[serde(default)]
    pub(crate) users: Vec<UserEntry>,
    #[serde(default)]
    pub(crate) queues: Vec<QueueSpec>,
    /// Public numbers of the tenant (a route's number must be one of them).
    #[serde(default)]
    pub(crate) numbers: Vec<String>,
    #[serde(default)]
    pub(crate) routes: Vec<RouteEntry>,
    #[serde(default)]
    pub(crate) trunks: Vec<TrunkSpec>,
    #[serde(default)]
    pub(crate) prompts: Vec<PromptEntry>,
    #[serde(default)]
    pub(crate) components: Vec<ComponentEntry>,
}

/// A user, found by extension within the tenant.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserEntry {
    pub(crate) extension: String,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) department: Option<String>,
    pub(crate) role: Role,
    #[serde(default)]
    pub(crate) skills: Vec<Skill>,
    /// SIP phones registering as this user, with their digest secrets.
    #[serde(default)]
    pub(crate) phones: Vec<PhoneEntry>,
    /// External numbers (mobiles) that ring after the phones.
    #[serde(default)]
    pub(crate) external_numbers: Vec<String>,
}

/// A SIP phone account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PhoneEntry {
    pub(crate) username: String,
    pub(crate) secret: String,
}

/// A route, found by its number.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RouteEntry {
    pub(crate) number: String,
    pub(crate) scenario: String,
    /// The scenario's configuration; default: the shipped scenario's default, else `{}`.
    #[serde(default)]
    pub(crate) config: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) fallback: Option<Fallback>,
    #[serde(default)]
    pub(crate) working_hours: Option<WorkingHours>,
}

/// A prompt read from a WAV file (relative paths: from the YAML file's directory).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PromptEntry {
    pub(crate) name: String,
    pub(crate) file: PathBuf,
}

/// A component: a shipped scenario by name, or a `.wasm` file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ComponentEntry {
    pub(crate) name: String,
    /// A shipped scenario's name (default: `name`, when no file is given).
    #[serde(default)]
    pub(crate) shipped: Option<String>,
    /// A component file (relative paths: from the YAML file's directory).
    #[serde(default)]
    pub(crate) file: Option<PathBuf>,
}
