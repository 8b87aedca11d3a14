//! The menu configuration as scenario authors write it (serde).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// How many failed inputs (invalid or none) in a row a caller gets by default.
pub const DEFAULT_RETRIES: u8 = 3;
/// Default wait for the first key after a menu prompt.
pub const DEFAULT_TIMEOUT_MS: u32 = 5_000;
/// Default wait between keys (only matters when several keys may be typed).
pub const DEFAULT_INTER_DIGIT_TIMEOUT_MS: u32 = 2_000;
/// The deepest menu accepted; deeper trees are a configuration mistake.
pub const MAX_DEPTH: usize = 16;

/// A whole menu configuration: the root menu plus settings shared by every level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuTree {
    /// Failed inputs (invalid key or silence) in a row before `on_failure` runs.
    #[serde(default = "default_retries")]
    pub retries: u8,
    /// Played before the menu is repeated after an invalid key.
    #[serde(default)]
    pub invalid_prompt: Option<String>,
    /// Played before the menu is repeated after silence (nothing when absent).
    #[serde(default)]
    pub timeout_prompt: Option<String>,
    /// Wait for the first key after the menu prompt.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u32,
    /// Wait between keys when an extension may be typed.
    #[serde(default = "default_inter_digit_timeout_ms")]
    pub inter_digit_timeout_ms: u32,
    /// Length of extensions a caller may type at any level (no extension dialing when absent).
    #[serde(default)]
    pub extension_digits: Option<u8>,
    /// Extensions that may be typed (any extension of the right length when empty).
    #[serde(default)]
    pub extensions: Vec<String>,
    /// What happens when the caller runs out of retries (hang up when absent).
    #[serde(default)]
    pub on_failure: Option<MenuAction>,
    /// The top-level menu.
    pub root: MenuNode,
}

/// One level of the menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuNode {
    /// Prompts played each time the menu is offered (a name or a list of names).
    #[serde(default, deserialize_with = "one_or_many")]
    pub prompt: Vec<String>,
    /// Keys and what they do.
    #[serde(default)]
    pub options: BTreeMap<String, MenuAction>,
}

/// What a key does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum MenuAction {
    /// Enter a deeper menu.
    Submenu {
        /// The menu entered.
        menu: Box<MenuNode>,
    },
    /// Ring targets (extensions, numbers, SIP URIs or `assigned-manager`).
    Dial {
        /// Targets as written (see [`crate::dial::parse_target`]).
        targets: Vec<String>,
        /// Parallel (default) or sequential.
        #[serde(default)]
        strategy: Strategy,
        /// Ring time; the scenario's default when absent.
        #[serde(default)]
        ring_timeout_seconds: Option<u32>,
    },
    /// Ring one extension.
    Extension {
        /// The extension.
        extension: String,
    },
    /// Put the caller into a queue.
    Queue {
        /// The queue name.
        queue: String,
    },
    /// A scenario-specific action by name (for example `voicemail` or `order`).
    Scenario {
        /// The action name the scenario understands.
        name: String,
    },
    /// Play prompts, then offer the same menu again.
    Announce {
        /// What to play.
        #[serde(deserialize_with = "one_or_many")]
        prompt: Vec<String>,
    },
    /// Offer the same menu again.
    Repeat,
    /// Go up one level (the top menu repeats).
    Back,
    /// Go to the top menu.
    Main,
    /// End the call, optionally after a prompt.
    Hangup {
        /// Played before hanging up.
        #[serde(default)]
        prompt: Option<String>,
    },
}

/// Dial strategy in configuration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Ring every target at once.
    #[default]
    Parallel,
    /// Ring targets one after another.
    Sequential,
}

impl MenuAction {
    /// True for actions that leave the menu (the scenario carries them out).
    pub fn leaves_menu(&self) -> bool {
        matches!(
            self,
            Self::Dial { .. }
                | Self::Extension { .. }
                | Self::Queue { .. }
                | Self::Scenario { .. }
                | Self::Hangup { .. }
        )
    }
}

impl MenuTree {
    /// Checks what serde cannot: keys are digits, `*` or `#`; `on_failure` leaves the menu;
    /// the tree is not deeper than [`MAX_DEPTH`]; extension settings are coherent.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(action) = &self.on_failure
            && !action.leaves_menu()
        {
            return Err("on_failure must dial, queue, run a scenario action or hang up".into());
        }
        if let Some(digits) = self.extension_digits {
            if digits < 2 {
                return Err(
                    "extension_digits must be at least 2 (single keys are menu options)".into(),
                );
            }
            if let Some(bad) = self
                .extensions
                .iter()
                .find(|e| e.len() != usize::from(digits))
            {
                return Err(format!("extension {bad} does not have {digits} digits"));
            }
        }
        validate_node(&self.root, "root", 1)
    }

    /// The longest input any level may need (options or an extension).
    pub(crate) fn max_digits(&self, node: &MenuNode) -> u8 {
        let longest_key = node.options.keys().map(String::len).max().unwrap_or(1);
        let longest_key = u8::try_from(longest_key).unwrap_or(u8::MAX);
        longest_key.max(self.extension_digits.unwrap_or(1)).max(1)
    }
}

fn validate_node(node: &MenuNode, path: &str, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("menu {path} is deeper than {MAX_DEPTH} levels"));
    }
    for (key, action) in &node.options {
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
        {
            return Err(format!(
                "menu {path}: key `{key}` is not made of 0-9, * or #"
            ));
        }
        if let MenuAction::Submenu { menu } = action {
            validate_node(menu, &format!("{path}>{key}"), depth + 1)?;
        }
        if let MenuAction::Dial { targets, .. } = action
            && targets.is_empty()
        {
            return Err(format!("menu {path}: key {key} dials no targets"));
        }
    }
    Ok(())
}

fn default_retries() -> u8 {
    DEFAULT_RETRIES
}

fn default_timeout_ms() -> u32 {
    DEFAULT_TIMEOUT_MS
}

fn default_inter_digit_timeout_ms() -> u32 {
    DEFAULT_INTER_DIGIT_TIMEOUT_MS
}

/// Accepts `"name"` or `["a", "b"]`.
fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(name) => vec![name],
        OneOrMany::Many(names) => names,
    })
}
