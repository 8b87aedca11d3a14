//! Menu navigation as a pure state machine: asked what to collect, told what was typed.

use super::model::{MenuAction, MenuNode, MenuTree};

/// What the caller did at a menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuInput {
    /// Keys typed (without the terminator).
    Digits(String),
    /// Nothing typed before the timeout.
    Timeout,
}

/// What to play and collect next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuRequest {
    /// Library prompts, in order (a notice such as `invalid`, then the menu's own prompt).
    pub prompts: Vec<String>,
    /// Most keys to collect (more than one when an extension may be typed).
    pub max_digits: u8,
    /// Wait for the first key after the prompts.
    pub timeout_ms: u32,
    /// Wait between keys.
    pub inter_digit_timeout_ms: u32,
}

/// Why the menu ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectionReason {
    /// The caller pressed an option key.
    Option,
    /// The caller typed a full extension.
    Extension,
    /// The caller ran out of retries; the action is the tree's `on_failure`.
    Failure,
}

/// The action that leaves the menu, and how the caller got there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// One of the actions for which [`MenuAction::leaves_menu`] holds.
    pub action: MenuAction,
    /// Keys chosen at each level, joined by `>` (for example `2>1`; the extension for
    /// extension dialing; empty when the caller never chose).
    pub path: String,
    /// Why the menu ended.
    pub reason: SelectionReason,
}

/// The outcome of one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuStep {
    /// Still in the menu: ask [`MenuSession::request`] again.
    Continue,
    /// The menu is over.
    Done(Selection),
}

/// A caller's walk through a [`MenuTree`].
///
/// ```
/// use wasmphony_guest::menu::{MenuInput, MenuSession, MenuStep, MenuTree, MenuAction};
/// let tree: MenuTree = serde_json::from_str(r#"{"root": {"prompt": "menu-main",
///     "options": {"1": {"action": "queue", "queue": "bookings"}}}}"#).unwrap();
/// let mut session = MenuSession::new(&tree);
/// assert_eq!(session.request().prompts, ["menu-main"]);
/// let MenuStep::Done(selection) = session.feed(MenuInput::Digits("1".into())) else { panic!() };
/// assert_eq!(selection.action, MenuAction::Queue { queue: "bookings".into() });
/// ```
#[derive(Debug, Clone)]
pub struct MenuSession<'a> {
    tree: &'a MenuTree,
    /// The menus entered, root first, with the key that entered each (none for the root).
    stack: Vec<(Option<String>, &'a MenuNode)>,
    failures: u8,
    /// Played before the next menu prompt (a notice or an announcement).
    pending: Vec<String>,
}

impl<'a> MenuSession<'a> {
    /// Starts at the top menu.
    pub fn new(tree: &'a MenuTree) -> Self {
        Self {
            tree,
            stack: vec![(None, &tree.root)],
            failures: 0,
            pending: Vec::new(),
        }
    }

    fn current(&self) -> &'a MenuNode {
        self.stack.last().map_or(&self.tree.root, |(_, node)| *node)
    }

    /// Menu depth (1 at the top menu).
    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    /// Keys that led to the current menu, joined by `>`.
    pub fn path(&self) -> String {
        self.stack
            .iter()
            .filter_map(|(key, _)| key.as_deref())
            .collect::<Vec<_>>()
            .join(">")
    }

    /// What to play and collect now.
    pub fn request(&self) -> MenuRequest {
        let node = self.current();
        let mut prompts = self.pending.clone();
        prompts.extend(node.prompt.iter().cloned());
        MenuRequest {
            prompts,
            max_digits: self.tree.max_digits(node),
            timeout_ms: self.tree.timeout_ms,
            inter_digit_timeout_ms: self.tree.inter_digit_timeout_ms,
        }
    }

    /// Takes the caller's input.
    pub fn feed(&mut self, input: MenuInput) -> MenuStep {
        self.pending.clear();
        let digits = match input {
            MenuInput::Timeout => return self.fail(self.tree.timeout_prompt.clone()),
            MenuInput::Digits(digits) => digits,
        };
        let node = self.current();
        if let Some(action) = node.options.get(&digits) {
            return self.choose(&digits, action);
        }
        if self.is_extension(&digits) {
            return MenuStep::Done(Selection {
                action: MenuAction::Extension {
                    extension: digits.clone(),
                },
                path: digits,
                reason: SelectionReason::Extension,
            });
        }
        self.fail(self.tree.invalid_prompt.clone())
    }

    fn is_extension(&self, digits: &str) -> bool {
        let Some(length) = self.tree.extension_digits else {
            return false;
        };
        digits.len() == usize::from(length)
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (self.tree.extensions.is_empty() || self.tree.extensions.iter().any(|e| e == digits))
    }

    fn choose(&mut self, key: &str, action: &'a MenuAction) -> MenuStep {
        self.failures = 0;
        match action {
            MenuAction::Submenu { menu } => {
                if self.stack.len() < super::model::MAX_DEPTH {
                    self.stack.push((Some(key.to_owned()), menu));
                }
                MenuStep::Continue
            }
            MenuAction::Announce { prompt } => {
                self.pending = prompt.clone();
                MenuStep::Continue
            }
            MenuAction::Repeat => MenuStep::Continue,
            MenuAction::Back => {
                if self.stack.len() > 1 {
                    self.stack.pop();
                }
                MenuStep::Continue
            }
            MenuAction::Main => {
                self.stack.truncate(1);
                MenuStep::Continue
            }
            leaving => {
                let prefix = self.path();
                let path = if prefix.is_empty() {
                    key.to_owned()
                } else {
                    format!("{prefix}>{key}")
                };
                MenuStep::Done(Selection {
                    action: leaving.clone(),
                    path,
                    reason: SelectionReason::Option,
                })
            }
        }
    }

    fn fail(&mut self, notice: Option<String>) -> MenuStep {
        self.failures = self.failures.saturating_add(1);
        if self.failures >= self.tree.retries.max(1) {
            let action = self
                .tree
                .on_failure
                .clone()
                .filter(MenuAction::leaves_menu)
                .unwrap_or(MenuAction::Hangup { prompt: None });
            return MenuStep::Done(Selection {
                action,
                path: self.path(),
                reason: SelectionReason::Failure,
            });
        }
        self.pending.extend(notice);
        MenuStep::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TREE: &str = r#"{
        "retries": 3,
        "invalid_prompt": "invalid",
        "timeout_prompt": "no-input",
        "extension_digits": 3,
        "on_failure": { "action": "queue", "queue": "reception" },
        "root": {
            "prompt": ["menu-main"],
            "options": {
                "1": { "action": "submenu", "menu": {
                    "prompt": "menu-bookings",
                    "options": {
                        "1": { "action": "dial", "targets": ["201", "202"] },
                        "2": { "action": "announce", "prompt": "opening-hours" },
                        "0": { "action": "back" }
                    }
                } },
                "2": { "action": "scenario", "name": "order" },
                "9": { "action": "repeat" },
                "*": { "action": "hangup", "prompt": "goodbye" }
            }
        }
    }"#;

    fn tree() -> MenuTree {
        let tree: MenuTree = serde_json::from_str(TREE).unwrap();
        tree.validate().unwrap();
        tree
    }

    fn press(session: &mut MenuSession<'_>, keys: &str) -> MenuStep {
        session.feed(MenuInput::Digits(keys.to_owned()))
    }

    fn done(step: MenuStep) -> Selection {
        match step {
            MenuStep::Done(selection) => selection,
            MenuStep::Continue => panic!("menu should have ended"),
        }
    }

    #[test]
    fn option_in_a_submenu_reports_action_and_path() {
        let tree = tree();
        let mut session = MenuSession::new(&tree);
        assert_eq!(session.request().prompts, ["menu-main"]);
        assert_eq!(session.request().max_digits, 3);
        assert_eq!(press(&mut session, "1"), MenuStep::Continue);
        assert_eq!(session.depth(), 2);
        assert_eq!(session.request().prompts, ["menu-bookings"]);
        let selection = done(press(&mut session, "1"));
        assert_eq!(selection.path, "1>1");
        assert_eq!(selection.reason, SelectionReason::Option);
        assert!(
            matches!(selection.action, MenuAction::Dial { ref targets, .. } if targets == &["201", "202"])
        );
    }

    #[test]
    fn invalid_and_silence_replay_with_notices_then_fail_over() {
        let tree = tree();
        let mut session = MenuSession::new(&tree);
        assert_eq!(press(&mut session, "7"), MenuStep::Continue);
        assert_eq!(session.request().prompts, ["invalid", "menu-main"]);
        assert_eq!(session.feed(MenuInput::Timeout), MenuStep::Continue);
        assert_eq!(session.request().prompts, ["no-input", "menu-main"]);
        let selection = done(session.feed(MenuInput::Timeout));
        assert_eq!(selection.reason, SelectionReason::Failure);
        assert_eq!(
            selection.action,
            MenuAction::Queue {
                queue: "reception".into()
            }
        );
    }

    #[test]
    fn a_valid_choice_resets_the_retry_count() {
        let tree = tree();
        let mut session = MenuSession::new(&tree);
        press(&mut session, "7");
        press(&mut session, "8");
        assert_eq!(press(&mut session, "1"), MenuStep::Continue);
        press(&mut session, "7");
        press(&mut session, "7");
        assert_eq!(
            session.depth(),
            2,
            "two failures in the submenu are still allowed"
        );
        assert_eq!(
            done(press(&mut session, "7")).reason,
            SelectionReason::Failure
        );
    }

    #[test]
    fn extensions_can_be_typed_at_any_level() {
        let tree = tree();
        let mut session = MenuSession::new(&tree);
        let selection = done(press(&mut session, "105"));
        assert_eq!(
            selection.action,
            MenuAction::Extension {
                extension: "105".into()
            }
        );
        assert_eq!(selection.reason, SelectionReason::Extension);
        let mut session = MenuSession::new(&tree);
        press(&mut session, "1");
        assert_eq!(done(press(&mut session, "203")).path, "203");
        // Wrong length or non-digits are invalid input.
        let mut session = MenuSession::new(&tree);
        assert_eq!(press(&mut session, "12"), MenuStep::Continue);
        assert_eq!(session.request().prompts[0], "invalid");
    }

    #[test]
    fn extension_allow_list_is_honoured() {
        let mut tree = tree();
        tree.extensions = vec!["105".into()];
        let mut session = MenuSession::new(&tree);
        assert_eq!(press(&mut session, "106"), MenuStep::Continue);
        assert!(matches!(
            done(press(&mut session, "105")).action,
            MenuAction::Extension { .. }
        ));
    }

    #[test]
    fn repeat_back_announce_and_hangup() {
        let tree = tree();
        let mut session = MenuSession::new(&tree);
        assert_eq!(press(&mut session, "9"), MenuStep::Continue);
        assert_eq!(session.request().prompts, ["menu-main"]);
        press(&mut session, "1");
        press(&mut session, "2");
        assert_eq!(
            session.request().prompts,
            ["opening-hours", "menu-bookings"]
        );
        press(&mut session, "0");
        assert_eq!(session.depth(), 1);
        let selection = done(press(&mut session, "*"));
        assert_eq!(
            selection.action,
            MenuAction::Hangup {
                prompt: Some("goodbye".into())
            }
        );
    }

    #[test]
    fn missing_on_failure_hangs_up() {
        let tree: MenuTree =
            serde_json::from_str(r#"{"retries": 1, "root": {"prompt": "m", "options": {}}}"#)
                .unwrap();
        let mut session = MenuSession::new(&tree);
        let selection = done(session.feed(MenuInput::Timeout));
        assert_eq!(selection.action, MenuAction::Hangup { prompt: None });
    }

    #[test]
    fn validation_rejects_mistakes() {
        let mut bad = tree();
        bad.on_failure = Some(MenuAction::Repeat);
        assert!(bad.validate().is_err());
        let mut bad = tree();
        bad.extension_digits = Some(1);
        assert!(bad.validate().is_err());
        let bad: MenuTree =
            serde_json::from_str(r#"{"root": {"options": {"x": {"action": "repeat"}}}}"#).unwrap();
        assert!(bad.validate().unwrap_err().contains("`x`"));
        let bad: MenuTree = serde_json::from_str(
            r#"{"root": {"options": {"1": {"action": "dial", "targets": []}}}}"#,
        )
        .unwrap();
        assert!(bad.validate().is_err());
        assert!(
            serde_json::from_str::<MenuTree>(r#"{"root": {"options": {"1": {"action": "fly"}}}}"#)
                .is_err()
        );
    }
}
