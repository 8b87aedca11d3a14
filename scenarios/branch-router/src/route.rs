//! Choosing the branch: the caller's card, their call history, the schedule, or the menu.

use wasmphony_guest::contacts::{self, Contact};
use wasmphony_guest::time::{LocalTime, minute_of_day};
use wasmphony_guest::{Call, CallError, log};

use crate::settings::{Branch, Settings};

/// Calls of the caller's history looked at for a `branch:` tag.
const HISTORY_LOOKBACK: u32 = 10;

/// Why a branch was chosen (kept in the `route` call variable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// The caller's card names their last branch.
    LastBranch,
    /// A recent call of the caller was tagged with the branch.
    History,
    /// Only one branch is open now.
    Schedule,
    /// The caller chose at the menu.
    Menu,
    /// The caller did not choose; the first open branch was taken.
    Default,
}

impl Reason {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::LastBranch => "last-branch",
            Self::History => "history",
            Self::Schedule => "schedule",
            Self::Menu => "menu",
            Self::Default => "default",
        }
    }
}

/// Branches open at `now`, in configuration order.
pub(crate) fn open_at<'a>(branches: &'a [Branch], now: &LocalTime) -> Vec<&'a Branch> {
    let minute = minute_of_day(now);
    branches.iter().filter(|branch| branch.hours.is_open_at(now.weekday, minute)).collect()
}

/// The open branch named by `id`.
pub(crate) fn open_by_id<'a>(open: &[&'a Branch], id: &str) -> Option<&'a Branch> {
    open.iter().copied().find(|branch| branch.id == id)
}

/// The branch a known caller used last: the card's `last-branch`, else the most recent call
/// tagged `branch:<id>`. Only open branches count.
pub(crate) fn remembered<'a>(contact: &Contact, open: &[&'a Branch]) -> Result<Option<(&'a Branch, Reason)>, CallError> {
    if let Some(branch) = contact.field("last-branch").and_then(|id| open_by_id(open, id)) {
        return Ok(Some((branch, Reason::LastBranch)));
    }
    let history = contacts::history(&contact.id, HISTORY_LOOKBACK)?;
    Ok(history
        .iter()
        .filter_map(|entry| entry.tag_value("branch"))
        .find_map(|id| open_by_id(open, id))
        .map(|branch| (branch, Reason::History)))
}

/// Asks the caller to pick an open branch; after `menu_attempts` failures the first open
/// branch is taken. `None` when nothing is open.
pub(crate) fn by_menu<'a>(call: &Call, settings: &'a Settings, open: &[&'a Branch]) -> Result<Option<(&'a Branch, Reason)>, CallError> {
    let Some(first_open) = open.first().copied() else { return Ok(None) };
    let mut notice: Option<&str> = None;
    for _ in 0..settings.menu_attempts.max(1) {
        let mut prompts: Vec<&str> = notice.into_iter().collect();
        prompts.push(&settings.choose_prompt);
        let key = call
            .collect()
            .prompt(prompts.iter().map(|name| wasmphony_guest::prompt::file(*name)).collect::<Vec<_>>())
            .run_optional()?;
        let Some(key) = key else {
            notice = Some("no-input");
            continue;
        };
        match settings.branches.iter().find(|branch| branch.key == key) {
            Some(branch) if open.contains(&branch) => return Ok(Some((branch, Reason::Menu))),
            Some(_) => notice = Some(settings.closed_prompt.as_str()),
            None => notice = Some("invalid"),
        }
    }
    log::info("no branch chosen at the menu; taking the first open one");
    Ok(Some((first_open, Reason::Default)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmphony_guest::contacts::Field;

    fn settings() -> Settings {
        wasmphony_guest::config::parse(include_str!("../config.json")).unwrap()
    }

    fn at(weekday: u8, hour: u8) -> LocalTime {
        LocalTime {
            unix_seconds: 0,
            utc_offset_minutes: 120,
            year: 2026,
            month: 11,
            day: 23,
            weekday,
            hour,
            minute: 0,
            second: 0,
        }
    }

    #[test]
    fn shipped_configuration_is_valid_and_agentless_branches_are_not() {
        let mut settings = settings();
        assert_eq!(settings.validate(), Ok(()));
        settings.branches[1].agents.clear();
        assert!(settings.validate().unwrap_err().contains("mall"));
    }

    #[test]
    fn the_schedule_decides_which_branches_are_open() {
        let settings = settings();
        let ids = |time| open_at(&settings.branches, &time).iter().map(|b| b.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(at(1, 12)), ["center", "mall", "airport"]);
        assert_eq!(ids(at(1, 22)), ["center", "airport"]);
        assert_eq!(ids(at(2, 2)), ["airport"]);
    }

    #[test]
    fn the_cards_last_branch_counts_only_when_open() {
        let settings = settings();
        let contact = Contact {
            id: "c1".into(),
            number: "+359888123456".into(),
            name: None,
            company: None,
            assigned_manager: None,
            fields: vec![Field { name: "last-branch".into(), value: "mall".into() }],
        };
        let noon = open_at(&settings.branches, &at(1, 12));
        let found = remembered(&contact, &noon).unwrap();
        assert_eq!(found.map(|(b, reason)| (b.id.as_str(), reason)), Some(("mall", Reason::LastBranch)));
        assert!(open_by_id(&open_at(&settings.branches, &at(2, 2)), "mall").is_none());
    }
}
