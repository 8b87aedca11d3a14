//! The ordering dialogue with a real call.

use wasmphony_guest::contacts::Update;
use wasmphony_guest::prompt::{self, Prompt};
use wasmphony_guest::time::{self, Date};
use wasmphony_guest::{Call, CallError, log};

use crate::entry::{self, DateChoice};
use crate::order::Order;
use crate::settings::{BranchChoice, OrderSettings};

/// Played before a question is asked again after a wrong entry.
const INVALID_NOTICE: &str = "invalid";
/// Played before a question is asked again after silence.
const NO_INPUT_NOTICE: &str = "no-input";
/// Played when the chosen time is outside the branch's hours.
const CLOSED_NOTICE: &str = "order-branch-closed";

/// Confirmation keys.
const KEY_CONFIRM: &str = "1";
const KEY_START_OVER: &str = "2";
const KEY_CANCEL: &str = "3";

/// How the ordering dialogue ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The caller confirmed; the record was written.
    Placed {
        /// The new record's id.
        record_id: String,
        /// What was ordered.
        order: Order,
    },
    /// The caller cancelled at the confirmation.
    Cancelled,
    /// Too many invalid entries (or restarts): nothing was written.
    GaveUp,
}

/// A wrong entry and the notice played before asking again.
type Rejection = &'static str;

/// Runs the dialogue. With `preset` the branch question is skipped (the caller already chose
/// it). A hangup is returned as [`CallError::Hangup`] and nothing is written.
pub fn take_order(
    call: &Call,
    settings: &OrderSettings,
    branches: &[BranchChoice],
    preset: Option<&BranchChoice>,
) -> Result<Outcome, CallError> {
    let asker = Asker { call, settings };
    for _ in 0..settings.attempts.max(1) {
        let Some(order) = asker.ask_order(branches, preset)? else {
            return Ok(Outcome::GaveUp);
        };
        let Some(key) = asker.confirm(&order)? else {
            return Ok(Outcome::GaveUp);
        };
        match key.as_str() {
            KEY_CONFIRM => return place(call, settings, order),
            KEY_CANCEL => return Ok(Outcome::Cancelled),
            _ => log::info("caller starts the order over"),
        }
    }
    Ok(Outcome::GaveUp)
}

fn place(call: &Call, settings: &OrderSettings, order: Order) -> Result<Outcome, CallError> {
    let offset = time::now().utc_offset_minutes;
    let record_id = order.record(&settings.kind, &settings.status, offset).create()?;
    call.tag(&settings.tag)?;
    call.tag(format!("branch:{}", order.branch))?;
    call.set_var("order", &record_id)?;
    // The booking stands even when the card cannot be updated; the record has the number.
    if let Err(error) = Update::new(order.contact.as_str()).field("last-branch", order.branch.as_str()).upsert() {
        log::warn(format!("contact card not updated: {}", wasmphony_guest::error::describe(&error)));
    }
    Ok(Outcome::Placed { record_id, order })
}

/// Asks questions with bounded retries.
struct Asker<'a> {
    call: &'a Call,
    settings: &'a OrderSettings,
}

/// The shape of one keypad answer.
struct Keys {
    min: u8,
    max: u8,
    timeout_ms: u32,
}

impl Asker<'_> {
    fn ask_order(&self, branches: &[BranchChoice], preset: Option<&BranchChoice>) -> Result<Option<Order>, CallError> {
        let branch = match preset {
            Some(branch) => branch.clone(),
            None => match self.ask_branch(branches)? {
                Some(branch) => branch,
                None => return Ok(None),
            },
        };
        let now = time::now();
        let today = Date::of(&now);
        let Some(date) = self.ask_date(today)? else { return Ok(None) };
        let now_if_today = (date == today).then(|| time::minute_of_day(&now));
        let Some((hour, minute)) = self.ask_time(&branch, date, now_if_today)? else { return Ok(None) };
        let Some(party) = self.ask(vec![prompt::file("order-party-size")], self.keys(1, 2), |keys| {
            entry::party_size(keys, self.settings.max_party).ok_or(INVALID_NOTICE)
        })?
        else {
            return Ok(None);
        };
        Ok(Some(Order {
            branch: branch.id,
            branch_prompt: branch.prompt,
            date,
            hour,
            minute,
            party,
            contact: self.call.caller().to_owned(),
        }))
    }

    fn ask_branch(&self, branches: &[BranchChoice]) -> Result<Option<BranchChoice>, CallError> {
        if let [only] = branches {
            return Ok(Some(only.clone()));
        }
        self.ask(vec![prompt::file("order-choose-branch")], self.keys(1, 1), |key| {
            branches.iter().find(|branch| branch.key == key).cloned().ok_or(INVALID_NOTICE)
        })
    }

    fn ask_date(&self, today: Date) -> Result<Option<Date>, CallError> {
        let choice = self.ask(vec![prompt::file("order-date")], self.keys(1, 1), |key| {
            entry::date_choice(key, today).ok_or(INVALID_NOTICE)
        })?;
        match choice {
            None => Ok(None),
            Some(DateChoice::Date(date)) => Ok(Some(date)),
            Some(DateChoice::AskDayOfMonth) => self.ask(vec![prompt::file("order-day-of-month")], self.keys(1, 2), |keys| {
                entry::day_of_month(keys, today).ok_or(INVALID_NOTICE)
            }),
        }
    }

    fn ask_time(&self, branch: &BranchChoice, date: Date, now_if_today: Option<u16>) -> Result<Option<(u8, u8)>, CallError> {
        self.ask(vec![prompt::file("order-time")], self.keys(4, 4), |keys| {
            let (hour, minute) = entry::time_of_day(keys, now_if_today).ok_or(INVALID_NOTICE)?;
            let open = branch.hours.as_ref().is_none_or(|hours| {
                hours.is_open_at(date.weekday(), u16::from(hour) * 60 + u16::from(minute))
            });
            if open { Ok((hour, minute)) } else { Err(CLOSED_NOTICE) }
        })
    }

    fn confirm(&self, order: &Order) -> Result<Option<String>, CallError> {
        let mut prompts = order.read_back();
        prompts.push(prompt::file("order-confirm"));
        let keys = Keys { min: 1, max: 1, timeout_ms: self.settings.confirm_timeout_ms };
        self.ask(prompts, keys, |key| match key {
            KEY_CONFIRM | KEY_START_OVER | KEY_CANCEL => Ok(key.to_owned()),
            _ => Err(INVALID_NOTICE),
        })
    }

    fn keys(&self, min: u8, max: u8) -> Keys {
        Keys { min, max, timeout_ms: self.settings.timeout_ms }
    }

    /// Plays the question and reads the answer, asking again after a wrong entry or silence,
    /// at most `attempts` times in all. `Ok(None)` when the caller ran out of tries.
    fn ask<T>(
        &self,
        question: Vec<Prompt>,
        keys: Keys,
        read: impl Fn(&str) -> Result<T, Rejection>,
    ) -> Result<Option<T>, CallError> {
        let mut notice: Option<&str> = None;
        for _ in 0..self.settings.attempts.max(1) {
            let mut prompts: Vec<Prompt> = notice.map(prompt::file).into_iter().collect();
            prompts.extend(question.iter().cloned());
            let typed = self
                .call
                .collect()
                .min(keys.min)
                .max(keys.max)
                .terminators("#")
                .timeout_ms(keys.timeout_ms)
                .prompt(prompts)
                .run_optional()?;
            match typed.as_deref().map(&read) {
                Some(Ok(value)) => return Ok(Some(value)),
                Some(Err(rejection)) => notice = Some(rejection),
                None => notice = Some(NO_INPUT_NOTICE),
            }
        }
        Ok(None)
    }
}

