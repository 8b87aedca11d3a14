//! The route configuration of `ivr-menu` (see `config.json`).

use serde::Deserialize;
use wasmphony_guest::Schedule;
use wasmphony_guest::menu::{MenuAction, MenuNode, MenuTree};

/// Default ring time of dialed extensions.
pub(crate) const DEFAULT_RING_TIMEOUT_SECONDS: u32 = 20;
/// Default longest voicemail message.
pub(crate) const DEFAULT_VOICEMAIL_SECONDS: u32 = 120;

/// Menu actions of kind `scenario` this scenario understands.
pub(crate) const ACTION_VOICEMAIL: &str = "voicemail";
/// Schedules a callback to the caller.
pub(crate) const ACTION_CALLBACK: &str = "callback";

/// Everything a route configures.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Settings {
    /// Opening hours; outside them the after-hours branch runs.
    pub(crate) hours: Schedule,
    /// Played after answering (company greeting, current promotion).
    pub(crate) greeting: Vec<String>,
    /// Ring time of extensions dialed from the menu.
    #[serde(default = "default_ring_timeout")]
    pub(crate) ring_timeout_seconds: u32,
    /// How callers wait in queues.
    #[serde(default)]
    pub(crate) queue: QueueSettings,
    /// Queue whose agents handle callbacks.
    pub(crate) callback_queue: String,
    /// What callers hear out of hours.
    pub(crate) after_hours: AfterHours,
    /// Voicemail.
    pub(crate) voicemail: Voicemail,
    /// The menu tree.
    pub(crate) menu: MenuTree,
}

/// Queue options for every queue the menu leads to.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct QueueSettings {
    /// Leave the queue (to voicemail) after this long; 0: the queue's own limit.
    pub(crate) max_wait_seconds: u32,
    /// Position announcements; 0: none.
    pub(crate) announce_every_seconds: u32,
    /// Key that asks for a callback while waiting.
    pub(crate) callback_key: Option<String>,
}

/// The after-hours branch.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AfterHours {
    /// Says the office is closed (and when it opens).
    pub(crate) prompt: String,
    /// Offers a callback (the key below) or a message (any other key or silence).
    pub(crate) offer_prompt: String,
    /// Key that asks for a callback.
    pub(crate) callback_key: String,
}

/// Voicemail.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Voicemail {
    /// Played before the beep.
    pub(crate) prompt: String,
    /// Longest message.
    #[serde(default = "default_voicemail_seconds")]
    pub(crate) max_seconds: u32,
}

impl Settings {
    /// Checks what serde cannot: the menu tree, and that every `scenario` action is known.
    pub(crate) fn validate(&self) -> Result<(), String> {
        self.menu.validate()?;
        if let Some(action) = &self.menu.on_failure {
            check_action(action)?;
        }
        check_node(&self.menu.root)
    }
}

fn check_node(node: &MenuNode) -> Result<(), String> {
    for action in node.options.values() {
        check_action(action)?;
        if let MenuAction::Submenu { menu } = action {
            check_node(menu)?;
        }
    }
    Ok(())
}

fn check_action(action: &MenuAction) -> Result<(), String> {
    match action {
        MenuAction::Scenario { name } if name != ACTION_VOICEMAIL && name != ACTION_CALLBACK => {
            Err(format!("unknown menu action `{name}` (use `{ACTION_VOICEMAIL}` or `{ACTION_CALLBACK}`)"))
        }
        _ => Ok(()),
    }
}

fn default_ring_timeout() -> u32 {
    DEFAULT_RING_TIMEOUT_SECONDS
}

fn default_voicemail_seconds() -> u32 {
    DEFAULT_VOICEMAIL_SECONDS
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmphony_guest::menu::{MenuInput, MenuSession, MenuStep};

    fn shipped() -> Settings {
        wasmphony_guest::config::parse(include_str!("../config.json")).unwrap()
    }

    #[test]
    fn shipped_configuration_is_valid() {
        let settings = shipped();
        assert_eq!(settings.validate(), Ok(()));
        assert_eq!(settings.menu.extension_digits, Some(3));
        assert!(settings.hours.is_open_at(1, 12 * 60));
        assert!(!settings.hours.is_open_at(1, 22 * 60 + 30));
        assert!(!settings.hours.is_open_at(7, 19 * 60));
    }

    #[test]
    fn shipped_menu_nests_and_accepts_extensions_in_submenus() {
        let settings = shipped();
        let mut session = MenuSession::new(&settings.menu);
        assert_eq!(session.feed(MenuInput::Digits("2".into())), MenuStep::Continue);
        assert_eq!(session.request().prompts, ["menu-delivery"]);
        let MenuStep::Done(selection) = session.feed(MenuInput::Digits("105".into())) else {
            panic!("an extension ends the menu");
        };
        assert_eq!(selection.action, MenuAction::Extension { extension: "105".into() });
    }

    #[test]
    fn unknown_scenario_actions_are_rejected() {
        let mut settings = shipped();
        settings.menu.root.options.insert("7".into(), MenuAction::Scenario { name: "order".into() });
        assert!(settings.validate().unwrap_err().contains("order"));
    }
}
