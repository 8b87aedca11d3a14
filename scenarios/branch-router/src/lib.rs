//! `branch-router`: one chain-wide number for every restaurant of the chain.
//!
//! The branch is chosen by, in order: the caller's card (`last-branch`) or their recent calls
//! (`branch:<id>` tags), the schedule (when only one branch is open), or a menu. Then the
//! three-level guarantee: the branch's agents ring together; when none answers, the branch's
//! backup phone rings; when that fails too, the caller places the order by keypad right here
//! (the `order-flow` dialogue runs inside this component, with the branch already chosen, so
//! no transfer and no second route are needed). The card's `last-branch` is updated.

// Tests may unwrap; scenario code may not (the workspace lint).
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod route;
mod settings;

use order_flow::{Outcome, take_order};
use wasmphony_guest::contacts::{self, Update};
use wasmphony_guest::error::{Error, describe};
use wasmphony_guest::{Call, CallError, InboundScenario, ScenarioResult, config, log, time};

use route::Reason;
use settings::{Branch, Settings};

/// The shipped configuration, used when the route gives none.
const DEFAULT_CONFIG: &str = include_str!("../config.json");

struct BranchRouter;

impl InboundScenario for BranchRouter {
    fn handle(call: Call) -> ScenarioResult {
        let settings: Settings = config::load_or(DEFAULT_CONFIG)?;
        settings.validate().map_err(Error::Config)?;
        call.answer()?;
        call.play(&settings.greeting)?;
        let now = time::now();
        let open = route::open_at(&settings.branches, &now);
        let chosen = match remembered(&call, &open)? {
            Some(found) => Some(found),
            None if open.len() == 1 => open.first().map(|branch| (*branch, Reason::Schedule)),
            None => route::by_menu(&call, &settings, &open)?,
        };
        match chosen {
            Some((branch, reason)) => serve(&call, &settings, branch, reason),
            None => order_while_closed(&call, &settings),
        }
    }
}

wasmphony_guest::inbound_scenario!(BranchRouter);

/// The branch a known caller used last; unknown callers (or a failing card lookup) get none.
fn remembered<'a>(call: &Call, open: &[&'a Branch]) -> Result<Option<(&'a Branch, Reason)>, CallError> {
    let contact = match contacts::find(call.caller()) {
        Ok(Some(contact)) => contact,
        Ok(None) => return Ok(None),
        Err(CallError::Hangup) => return Err(CallError::Hangup),
        Err(error) => {
            log::warn(format!("contact lookup failed: {}", describe(&error)));
            return Ok(None);
        }
    };
    match route::remembered(&contact, open) {
        Err(CallError::Hangup) => Err(CallError::Hangup),
        Err(error) => {
            log::warn(format!("call history unavailable: {}", describe(&error)));
            Ok(None)
        }
        found => found,
    }
}

/// Agents, then the backup phone, then keypad ordering.
fn serve(call: &Call, settings: &Settings, branch: &Branch, reason: Reason) -> ScenarioResult {
    log::info(format!("branch {} chosen by {}", branch.id, reason.as_str()));
    call.tag(format!("branch:{}", branch.id))?;
    call.set_var("branch", &branch.id)?;
    call.set_var("route", reason.as_str())?;
    if let Err(error) = Update::new(call.caller()).field("last-branch", branch.id.as_str()).upsert() {
        log::warn(format!("contact card not updated: {}", describe(&error)));
    }

    let agents = call.dial().targets(&branch.agents).parallel().ring_timeout_seconds(settings.ring_timeout_seconds).run();
    if answered(agents)? {
        return Ok(());
    }
    if let Some(backup) = &branch.backup {
        call.tag("fallback:backup")?;
        let backup = call.dial().number(backup.as_str()).ring_timeout_seconds(settings.backup_ring_timeout_seconds).run();
        if answered(backup)? {
            return Ok(());
        }
    }
    call.tag("fallback:voice-order")?;
    call.play("all-busy-self-order")?;
    let outcome = take_order(call, &settings.order, &[], Some(&branch.choice()))?;
    finish(call, &outcome)
}

/// No branch is open: bookings for later are still taken by keypad.
fn order_while_closed(call: &Call, settings: &Settings) -> ScenarioResult {
    call.tag("after-hours")?;
    call.play("chain-closed")?;
    let branches: Vec<_> = settings.branches.iter().map(Branch::choice).collect();
    let outcome = take_order(call, &settings.order, &branches, None)?;
    finish(call, &outcome)
}

/// Whether a dial was answered; a hangup stops the scenario, other failures fall through.
fn answered(result: Result<wasmphony_guest::DialOutcome, CallError>) -> Result<bool, CallError> {
    match result {
        Ok(outcome) => {
            log::info(format!("answered by {}", outcome.answered_by));
            Ok(true)
        }
        Err(CallError::Hangup) => Err(CallError::Hangup),
        Err(error) => {
            log::info(format!("not answered: {}", describe(&error)));
            Ok(false)
        }
    }
}

fn finish(call: &Call, outcome: &Outcome) -> ScenarioResult {
    let closing = match outcome {
        Outcome::Placed { .. } => "order-confirmed",
        Outcome::Cancelled => "order-cancelled",
        Outcome::GaveUp => "order-failed",
    };
    call.play([closing, "goodbye"])?;
    call.hangup();
    Ok(())
}
