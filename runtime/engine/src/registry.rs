//! Per-tenant scenario versions: register, activate, roll back, canary.
//!
//! Activation swaps an `Arc` under a lock, so it is atomic for new calls while
//! calls in progress keep the `Arc` of the version they started with.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use parking_lot::RwLock;

use crate::compiled::{CompiledScenario, ValidationError, World};
use crate::content_hash::ContentHash;
use crate::scenario_host::ScenarioHost;

/// Versions one tenant may keep of one scenario.
pub const MAX_VERSIONS_PER_SCENARIO: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInfo {
    pub version: u32,
    pub hash: ContentHash,
    pub world: World,
    pub active: bool,
    /// Share of new calls (0-100) sent to this version as a canary.
    pub canary_percent: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("tenant {tenant} has no scenario named {name}")]
    UnknownScenario { tenant: String, name: String },
    #[error("scenario {name} has no version {version}")]
    UnknownVersion { name: String, version: u32 },
    #[error("scenario {name} has no earlier active version to roll back to")]
    NothingToRollBack { name: String },
    #[error("canary percentage must be 0-100, got {0}")]
    BadPercent(u8),
    #[error("scenario {name} already has {MAX_VERSIONS_PER_SCENARIO} versions")]
    TooManyVersions { name: String },
    #[error("version {version} implements the {got} world, but {name} runs the {want} world")]
    WorldMismatch {
        name: String,
        version: u32,
        want: &'static str,
        got: &'static str,
    },
}

struct Versions {
    list: Vec<Arc<CompiledScenario>>,
    /// Index into `list` of the active version.
    active: usize,
    /// Earlier active versions, most recent last (for rollback).
    history: Vec<usize>,
    canary: Option<(usize, u8)>,
}

type Key = (String, String);

pub struct ScenarioRegistry {
    host: Arc<ScenarioHost>,
    scenarios: RwLock<HashMap<Key, Versions>>,
}

impl ScenarioRegistry {
    pub fn new(host: Arc<ScenarioHost>) -> Self {
        ScenarioRegistry {
            host,
            scenarios: RwLock::new(HashMap::new()),
        }
    }

    pub fn host(&self) -> &Arc<ScenarioHost> {
        &self.host
    }

    /// Validates and compiles `bytes` as the next version of `name`. The first
    /// version becomes active; later ones wait for [`Self::activate`]. Uploading
    /// bytes identical to an existing version returns that version.
    pub fn register(
        &self,
        tenant: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<VersionInfo, RegistryError> {
        let compiled = Arc::new(self.host.compile(bytes)?);
        let mut scenarios = self.scenarios.write();
        let key = (tenant.to_string(), name.to_string());
        let Some(versions) = scenarios.get_mut(&key) else {
            scenarios.insert(
                key,
                Versions {
                    list: vec![compiled.clone()],
                    active: 0,
                    history: vec![],
                    canary: None,
                },
            );
            return Ok(info(&compiled, 0, true, 0));
        };
        if let Some(index) = versions.list.iter().position(|v| v.hash == compiled.hash) {
            return Ok(versions.info(index));
        }
        let want = versions.list[versions.active].world;
        if compiled.world != want {
            return Err(RegistryError::WorldMismatch {
                name: name.to_string(),
                version: versions.list.len() as u32 + 1,
                want: want.as_str(),
                got: compiled.world.as_str(),
            });
        }
        if versions.list.len() >= MAX_VERSIONS_PER_SCENARIO {
            return Err(RegistryError::TooManyVersions {
                name: name.to_string(),
            });
        }
        versions.list.push(compiled);
        Ok(versions.info(versions.list.len() - 1))
    }

    /// Makes `version` the one new calls get; clears a canary of that version.
    pub fn activate(&self, tenant: &str, name: &str, version: u32) -> Result<(), RegistryError> {
        self.update(tenant, name, |versions| {
            let index = versions.index_of(name, version)?;
            if index != versions.active {
                versions.history.push(versions.active);
                versions.active = index;
            }
            if matches!(versions.canary, Some((c, _)) if c == index) {
                versions.canary = None;
            }
            Ok(())
        })
    }

    /// Re-activates the previously active version; returns its number.
    pub fn rollback(&self, tenant: &str, name: &str) -> Result<u32, RegistryError> {
        self.update(tenant, name, |versions| {
            let previous =
                versions
                    .history
                    .pop()
                    .ok_or_else(|| RegistryError::NothingToRollBack {
                        name: name.to_string(),
                    })?;
            versions.active = previous;
            versions.canary = None;
            Ok(previous as u32 + 1)
        })
    }

    /// Sends `percent` of new calls to `version` (0 removes the canary).
    pub fn set_canary(
        &self,
        tenant: &str,
        name: &str,
        version: u32,
        percent: u8,
    ) -> Result<(), RegistryError> {
        if percent > 100 {
            return Err(RegistryError::BadPercent(percent));
        }
        self.update(tenant, name, |versions| {
            let index = versions.index_of(name, version)?;
            versions.canary = (percent > 0).then_some((index, percent));
            Ok(())
        })
    }

    /// The version a new call gets. `call_id` picks canary calls
    /// deterministically, so a retried lookup for one call gives one answer.
    pub fn pick(
        &self,
        tenant: &str,
        name: &str,
        call_id: &str,
    ) -> Result<Arc<CompiledScenario>, RegistryError> {
        let scenarios = self.scenarios.read();
        let versions = scenarios
            .get(&(tenant.to_string(), name.to_string()))
            .ok_or_else(|| unknown(tenant, name))?;
        if let Some((index, percent)) = versions.canary
            && bucket(call_id) < percent
        {
            return Ok(versions.list[index].clone());
        }
        Ok(versions.list[versions.active].clone())
    }

    pub fn versions(&self, tenant: &str, name: &str) -> Result<Vec<VersionInfo>, RegistryError> {
        let scenarios = self.scenarios.read();
        let versions = scenarios
            .get(&(tenant.to_string(), name.to_string()))
            .ok_or_else(|| unknown(tenant, name))?;
        Ok((0..versions.list.len()).map(|i| versions.info(i)).collect())
    }

    /// Names of the tenant's scenarios.
    pub fn names(&self, tenant: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .scenarios
            .read()
            .keys()
            .filter(|(t, _)| t == tenant)
            .map(|(_, n)| n.clone())
            .collect();
        names.sort();
        names
    }

    fn update<T>(
        &self,
        tenant: &str,
        name: &str,
        change: impl FnOnce(&mut Versions) -> Result<T, RegistryError>,
    ) -> Result<T, RegistryError> {
        let mut scenarios = self.scenarios.write();
        let versions = scenarios
            .get_mut(&(tenant.to_string(), name.to_string()))
            .ok_or_else(|| unknown(tenant, name))?;
        change(versions)
    }
}

impl Versions {
    fn index_of(&self, name: &str, version: u32) -> Result<usize, RegistryError> {
        let index = (version as usize).wrapping_sub(1);
        if index < self.list.len() {
            Ok(index)
        } else {
            Err(RegistryError::UnknownVersion {
                name: name.to_string(),
                version,
            })
        }
    }

    fn info(&self, index: usize) -> VersionInfo {
        let canary = match self.canary {
            Some((c, percent)) if c == index => percent,
            _ => 0,
        };
        info(&self.list[index], index, index == self.active, canary)
    }
}

fn info(
    compiled: &CompiledScenario,
    index: usize,
    active: bool,
    canary_percent: u8,
) -> VersionInfo {
    VersionInfo {
        version: index as u32 + 1,
        hash: compiled.hash,
        world: compiled.world,
        active,
        canary_percent,
    }
}

fn unknown(tenant: &str, name: &str) -> RegistryError {
    RegistryError::UnknownScenario {
        tenant: tenant.to_string(),
        name: name.to_string(),
    }
}

/// A stable 0-99 bucket for a call id.
fn bucket(call_id: &str) -> u8 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    call_id.hash(&mut hasher);
    (hasher.finish() % 100) as u8
}

#[cfg(test)]
mod tests {
    use super::bucket;

    #[test]
    fn buckets_spread_calls_over_percentages() {
        let below_20 = (0..10_000)
            .filter(|i| bucket(&format!("call-{i}")) < 20)
            .count();
        assert!(
            (1_700..2_300).contains(&below_20),
            "{below_20} of 10000 in a 20% canary"
        );
        assert_eq!(bucket("same"), bucket("same"));
    }
}
