//! `ivr-menu`: the front desk of a restaurant or an office.
//!
//! Greeting and promotion, then a multi-level menu read from the route configuration (the
//! guest SDK's `menu` module): options lead to queues, extensions, dial groups, a callback or
//! voicemail; a 3-digit extension can be typed at any level; invalid keys and silence replay
//! the menu with a notice, up to `retries` times, then `on_failure` runs. Out of hours the
//! caller hears `after-hours` and may ask for a callback or leave a message.

// Tests may unwrap; scenario code may not (the workspace lint).
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod actions;
mod after_hours;
mod settings;

use wasmphony_guest::error::Error;
use wasmphony_guest::{Call, InboundScenario, ScenarioResult, config};

use settings::Settings;

/// The shipped configuration, used when the route gives none.
const DEFAULT_CONFIG: &str = include_str!("../config.json");

struct IvrMenu;

impl InboundScenario for IvrMenu {
    fn handle(call: Call) -> ScenarioResult {
        let settings: Settings = config::load_or(DEFAULT_CONFIG)?;
        settings.validate().map_err(Error::Config)?;
        call.answer()?;
        if !settings.hours.is_open_now() {
            return after_hours::handle(&call, &settings);
        }
        call.play(&settings.greeting)?;
        let selection = settings.menu.run(&call)?;
        actions::carry_out(&call, &settings, selection)
    }
}

wasmphony_guest::inbound_scenario!(IvrMenu);
