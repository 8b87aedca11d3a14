//! Finding the component and the configuration a script names.

use std::path::{Path, PathBuf};

use wasmphony_engine::MAX_COMPONENT_BYTES;

use crate::script::{ConfigSource, Script, ScriptWorld};

/// Name scripts use for the sandbox test guest (`wasmphony_scenarios::test_guest`).
pub const TEST_GUEST: &str = "test-guest";
/// Largest configuration file accepted.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Why a script's scenario or configuration cannot be found or used.
#[derive(Debug, thiserror::Error)]
pub enum ComponentError {
    #[error(
        "{script}: `scenario`: no shipped scenario is named `{name}` (shipped: {shipped}; a path must end in .wasm)"
    )]
    UnknownScenario {
        script: String,
        name: String,
        shipped: String,
    },
    #[error("{script}: cannot read {path}: {source}")]
    Read {
        script: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{script}: {path} is {size} bytes; the limit is {max}")]
    TooLarge {
        script: String,
        path: PathBuf,
        size: u64,
        max: u64,
    },
    #[error("{script}: `config`: {path} is not valid {format}: {message}")]
    BadConfig {
        script: String,
        path: PathBuf,
        format: &'static str,
        message: String,
    },
}

/// A component to run, with its default configuration and world.
#[derive(Debug, Clone)]
pub struct ComponentSource {
    pub bytes: Vec<u8>,
    pub default_config: String,
    pub world: ScriptWorld,
    /// What the script named, for messages.
    pub label: String,
}

/// Resolves `scenario:`: a path ending in `.wasm` (relative to the script),
/// [`TEST_GUEST`], or a shipped scenario's name.
pub fn resolve_component(script: &Script) -> Result<ComponentSource, ComponentError> {
    let name = script.scenario.as_str();
    let script_name = script.origin.display().to_string();
    if name.ends_with(".wasm") {
        let path = script.base_dir().join(name);
        let bytes = read_bounded(&script_name, &path, MAX_COMPONENT_BYTES as u64)?;
        return Ok(ComponentSource {
            bytes,
            default_config: "{}".into(),
            world: ScriptWorld::InboundCall,
            label: path.display().to_string(),
        });
    }
    if name == TEST_GUEST {
        return Ok(ComponentSource {
            bytes: wasmphony_scenarios::test_guest().to_vec(),
            default_config: r#"{"behave":"ok"}"#.into(),
            world: ScriptWorld::InboundCall,
            label: TEST_GUEST.into(),
        });
    }
    let Some(shipped) = wasmphony_scenarios::by_name(name) else {
        let names: Vec<&str> = wasmphony_scenarios::shipped()
            .iter()
            .map(|s| s.name)
            .collect();
        return Err(ComponentError::UnknownScenario {
            script: script_name,
            name: name.to_string(),
            shipped: format!("{}, {TEST_GUEST}", names.join(", ")),
        });
    };
    Ok(ComponentSource {
        bytes: shipped.bytes.to_vec(),
        default_config: shipped.default_config.to_string(),
        world: match shipped.world {
            wasmphony_scenarios::World::InboundCall => ScriptWorld::InboundCall,
            wasmphony_scenarios::World::OutboundCall => ScriptWorld::OutboundCall,
        },
        label: shipped.name.to_string(),
    })
}

/// The configuration JSON the scenario gets: the script's `config:` (a JSON
/// or YAML file, or an inline mapping), else the component's default.
pub fn resolve_config(script: &Script, default: &str) -> Result<String, ComponentError> {
    let script_name = script.origin.display().to_string();
    match &script.config {
        None => Ok(default.to_string()),
        Some(ConfigSource::Inline(value)) => Ok(value.to_string()),
        Some(ConfigSource::File(file)) => {
            let path = script.base_dir().join(file);
            let bytes = read_bounded(&script_name, &path, MAX_CONFIG_BYTES)?;
            let bad = |format: &'static str, message: String| ComponentError::BadConfig {
                script: script_name.clone(),
                path: path.clone(),
                format,
                message,
            };
            let value: serde_json::Value = if is_json(&path) {
                serde_json::from_slice(&bytes).map_err(|e| bad("JSON", e.to_string()))?
            } else {
                serde_saphyr::from_slice(&bytes).map_err(|e| bad("YAML", e.to_string()))?
            };
            Ok(value.to_string())
        }
    }
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
}

fn read_bounded(script: &str, path: &Path, max: u64) -> Result<Vec<u8>, ComponentError> {
    let read = |source| ComponentError::Read {
        script: script.to_string(),
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read)?.len();
    if size > max {
        return Err(ComponentError::TooLarge {
            script: script.to_string(),
            path: path.to_path_buf(),
            size,
            max,
        });
    }
    std::fs::read(path).map_err(read)
}
