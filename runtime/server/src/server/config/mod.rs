//! The YAML site file (`wasmphony serve --config site.yaml`, `wasmphony config check`):
//! tenants, users, numbers, routes, queues, trunks, prompts and components of a small site.
//!
//! [`SiteConfig::load`] reads, parses and validates the whole file first — syntax errors
//! name the line, semantic ones the entry's path (`tenants[0].routes[1].fallback`), prompt
//! files are read and components compiled — so a bad file is refused before anything is
//! written. [`SiteConfig::apply`] then brings the store in line, entry by entry, keyed by
//! what names each entry (slug, extension, queue/trunk/prompt/component name, number): a
//! missing entry is created, a changed one updated, an equal one left alone, so applying
//! the same file twice changes nothing. Objects the file does not name are kept.

mod apply;
mod model;
mod validate;

use std::path::Path;

use wasmphony_engine::ScenarioHost;

pub(crate) use apply::ApplyReport;
use model::SiteFile;

/// Largest site file read (a small site's file is a few KiB).
const MAX_SITE_FILE_BYTES: u64 = 1024 * 1024;

/// Why a site file was refused; nothing was written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    #[error("{file}: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: larger than {MAX_SITE_FILE_BYTES} bytes")]
    TooLarge { file: String },
    #[error("{message}")]
    Parse { message: String },
    #[error("{file}: {path}: {message}")]
    Invalid {
        file: String,
        path: String,
        message: String,
    },
}

/// Why applying a validated file to the store failed part-way (the store refused an entry,
/// e.g. a number another tenant owns). Entries before it are applied; applying again after
/// fixing the file completes it.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub(crate) struct ApplyError {
    pub(crate) path: String,
    pub(crate) source: wasmphony_store::StoreError,
}

/// A validated site file with its prompt audio read and its components compiled.
#[derive(Debug)]
pub(crate) struct SiteConfig {
    pub(crate) site: SiteFile,
    /// Per tenant, per prompt entry: the WAV bytes.
    pub(crate) prompt_audio: Vec<Vec<Vec<u8>>>,
    /// Per tenant, per component entry: the bytes, hash and world.
    pub(crate) components: Vec<Vec<LoadedComponent>>,
}

/// A component's bytes, compiled once to validate them.
#[derive(Debug)]
pub(crate) struct LoadedComponent {
    pub(crate) bytes: Vec<u8>,
    pub(crate) hash: String,
    pub(crate) world: &'static str,
    /// The shipped scenario's default configuration, for routes that give none.
    pub(crate) default_config: Option<serde_json::Value>,
}

impl SiteConfig {
    /// Reads, parses and validates `file`; `host` compiles the components.
    pub(crate) fn load(file: &Path, host: &ScenarioHost) -> Result<SiteConfig, ConfigError> {
        let shown = file.display().to_string();
        let read = |source| ConfigError::Read {
            file: shown.clone(),
            source,
        };
        let size = std::fs::metadata(file).map_err(read)?.len();
        if size > MAX_SITE_FILE_BYTES {
            return Err(ConfigError::TooLarge { file: shown });
        }
        let text = std::fs::read_to_string(file).map_err(read)?;
        SiteConfig::parse(&text, file, host)
    }

    /// Parses and validates `text`, read from `file` (which anchors relative paths).
    pub(crate) fn parse(
        text: &str,
        file: &Path,
        host: &ScenarioHost,
    ) -> Result<SiteConfig, ConfigError> {
        let shown = file.display().to_string();
        let site: SiteFile = serde_saphyr::from_str(text).map_err(|error| {
            let mut options = serde_saphyr::RenderOptions::default();
            options.source_name = Some(&shown);
            ConfigError::Parse {
                message: error.render_with_options(options),
            }
        })?;
        let base = file.parent().unwrap_or(Path::new("."));
        validate::validate(site, file, base, host)
    }

    /// How many tenants, users, routes and components the file holds (for the banner).
    pub(crate) fn summary(&self) -> String {
        let tenants = &self.site.tenants;
        let count = |f: fn(&model::TenantEntry) -> usize| tenants.iter().map(f).sum::<usize>();
        format!(
            "{} tenant(s), {} user(s), {} number(s), {} route(s), {} queue(s), {} trunk(s), {} prompt(s), {} component(s)",
            tenants.len(),
            count(|t| t.users.len()),
            count(|t| t.numbers.len()),
            count(|t| t.routes.len()),
            count(|t| t.queues.len()),
            count(|t| t.trunks.len()),
            count(|t| t.prompts.len()),
            count(|t| t.components.len()),
        )
    }
}
