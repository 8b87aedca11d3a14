//! Simulator scripts (`SIMSCRIPT.md`): parsed with serde-saphyr, unknown
//! fields refused, every error naming the file and the field.

mod expect;
mod parts;
mod short_or_long;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use wasmphony_engine::Fallback;

use crate::time::{Seconds, StartTime, VirtualTime};

pub use expect::{Expect, ExpectedDial, ExpectedRecord, FailureKind, Strategy};
pub use parts::{
    Answering, Caller, ConfigSource, ContactCard, PastCall, QueueBehaviour, QueueSetup, QueueState,
    RawAction, ScriptWorld, TargetBehaviour, TargetState,
};

/// Virtual time between two keys of one `press` action.
pub const KEY_SPACING_MS: u64 = 300;
/// Largest script file accepted.
pub const MAX_SCRIPT_BYTES: u64 = 1024 * 1024;
/// Most caller actions one script may hold (after splitting key sequences).
pub const MAX_ACTIONS: usize = 10_000;

/// A script as written (see [`Script`] for the checked form).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScript {
    #[serde(default)]
    name: Option<String>,
    scenario: String,
    #[serde(default)]
    world: Option<ScriptWorld>,
    #[serde(default)]
    config: Option<ConfigSource>,
    #[serde(default)]
    time: Option<StartTime>,
    caller: Caller,
    dialed: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    vars: BTreeMap<String, String>,
    #[serde(default)]
    actions: Vec<RawAction>,
    #[serde(default)]
    targets: BTreeMap<String, TargetBehaviour>,
    #[serde(default)]
    queues: BTreeMap<String, QueueBehaviour>,
    #[serde(default)]
    prompts: BTreeMap<String, Seconds>,
    #[serde(default)]
    fallback: Option<Fallback>,
    #[serde(default)]
    expect: Expect,
}

/// What the caller does, one key at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerAction {
    Press { at: VirtualTime, key: char },
    Hangup { at: VirtualTime },
}

impl CallerAction {
    /// When the action happens.
    pub fn at(&self) -> VirtualTime {
        match *self {
            CallerAction::Press { at, .. } | CallerAction::Hangup { at } => at,
        }
    }
}

/// A checked simulator script.
#[derive(Debug, Clone)]
pub struct Script {
    /// Shown in the timeline: the script's `name`, else its file name.
    pub name: String,
    /// Where the script came from (relative paths in it resolve beside it).
    pub origin: PathBuf,
    /// A shipped scenario name, or a path to a `.wasm` component.
    pub scenario: String,
    /// Absent: the shipped scenario's own world (inbound for a `.wasm` path).
    pub world: Option<ScriptWorld>,
    pub config: Option<ConfigSource>,
    pub time: StartTime,
    pub caller: Caller,
    pub dialed: String,
    pub source: Option<String>,
    pub vars: BTreeMap<String, String>,
    /// Caller actions sorted by time; key sequences are split into keys.
    pub actions: Vec<CallerAction>,
    pub targets: BTreeMap<String, TargetBehaviour>,
    pub queues: BTreeMap<String, QueueBehaviour>,
    pub prompts: BTreeMap<String, Seconds>,
    /// The route's fallback (default voicemail).
    pub fallback: Fallback,
    pub expect: Expect,
}

/// Why a script cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    #[error("{file}: cannot read the script: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: the script is {size} bytes; the limit is {MAX_SCRIPT_BYTES}")]
    TooLarge { file: String, size: u64 },
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: `{field}`: {message}")]
    Invalid {
        file: String,
        field: String,
        message: String,
    },
}

impl Script {
    /// Reads and checks the script at `path`.
    pub fn load(path: &Path) -> Result<Script, ScriptError> {
        let file = path.display().to_string();
        let read = |source| ScriptError::Read {
            file: file.clone(),
            source,
        };
        let size = std::fs::metadata(path).map_err(read)?.len();
        if size > MAX_SCRIPT_BYTES {
            return Err(ScriptError::TooLarge { file, size });
        }
        let text = std::fs::read_to_string(path).map_err(read)?;
        Script::parse(&text, path)
    }

    /// Parses script text; `origin` names it in errors and anchors relative paths.
    pub fn parse(text: &str, origin: &Path) -> Result<Script, ScriptError> {
        let file = origin.display().to_string();
        let raw: RawScript = serde_saphyr::from_str(text).map_err(|e| {
            // Name the file in the snippet header instead of `<input>`.
            let mut options = serde_saphyr::RenderOptions::default();
            options.source_name = Some(&file);
            ScriptError::Parse {
                file: file.clone(),
                message: e.render_with_options(options),
            }
        })?;
        let invalid = |field: String, message: String| ScriptError::Invalid {
            file: file.clone(),
            field,
            message,
        };
        let actions = expand_actions(&raw.actions).map_err(|(f, m)| invalid(f, m))?;
        if raw.scenario.trim().is_empty() {
            return Err(invalid("scenario".into(), "names no scenario".into()));
        }
        if raw.caller.number.trim().is_empty() {
            return Err(invalid("caller.number".into(), "is empty".into()));
        }
        let name = raw.name.unwrap_or_else(|| {
            origin
                .file_stem()
                .map_or_else(|| file.clone(), |s| s.to_string_lossy().into_owned())
        });
        Ok(Script {
            name,
            origin: origin.to_path_buf(),
            scenario: raw.scenario,
            world: raw.world,
            config: raw.config,
            time: raw.time.unwrap_or_default(),
            caller: raw.caller,
            dialed: raw.dialed,
            source: raw.source,
            vars: raw.vars,
            actions,
            targets: raw.targets,
            queues: raw.queues,
            prompts: raw.prompts,
            fallback: raw.fallback.unwrap_or_default(),
            expect: raw.expect,
        })
    }

    /// The directory relative paths in the script resolve against.
    pub fn base_dir(&self) -> &Path {
        self.origin.parent().unwrap_or(Path::new("."))
    }
}

/// Checks actions and splits key sequences into single keys.
fn expand_actions(raw: &[RawAction]) -> Result<Vec<CallerAction>, (String, String)> {
    let mut actions = Vec::new();
    for (index, action) in raw.iter().enumerate() {
        let field = |name: &str| format!("actions[{index}]{name}");
        let at = action.at.moment();
        match (&action.press, action.hangup) {
            (Some(keys), None) => {
                if keys.is_empty() {
                    return Err((field(".press"), "presses no key".into()));
                }
                for (n, key) in keys.chars().enumerate() {
                    if !is_dtmf(key) {
                        return Err((
                            field(".press"),
                            format!("{key:?} is not a phone key (0-9 * # A-D)"),
                        ));
                    }
                    let offset = crate::time::Span::from_millis(n as u64 * KEY_SPACING_MS);
                    actions.push(CallerAction::Press {
                        at: at.after(offset),
                        key,
                    });
                }
            }
            (None, Some(true)) => actions.push(CallerAction::Hangup { at }),
            (None, Some(false)) => {
                return Err((
                    field(".hangup"),
                    "only `hangup: true` means something".into(),
                ));
            }
            (Some(_), Some(_)) => {
                return Err((
                    field(""),
                    "has both `press` and `hangup`; split it in two".into(),
                ));
            }
            (None, None) => return Err((field(""), "needs `press` or `hangup`".into())),
        }
        if actions.len() > MAX_ACTIONS {
            return Err((
                "actions".into(),
                format!("more than {MAX_ACTIONS} key presses"),
            ));
        }
    }
    // Stable: keys written for one moment keep their order.
    actions.sort_by_key(CallerAction::at);
    Ok(actions)
}

/// A DTMF key.
pub fn is_dtmf(key: char) -> bool {
    matches!(key, '0'..='9' | '*' | '#' | 'A'..='D')
}
