//! `voice-order`: keypad self-ordering for a restaurant.
//!
//! Welcome, then the shared ordering dialogue (branch, date, time, party size, read-back,
//! confirmation; see the `order-flow` crate), then a closing prompt. A confirmed order becomes
//! a record with status `self-service`; the call is tagged and the caller's card remembers the
//! branch. A caller who hangs up half-way leaves no record.

// Tests may unwrap; scenario code may not (the workspace lint).
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod settings;

use order_flow::{Outcome, take_order, validate_branches};
use wasmphony_guest::error::Error;
use wasmphony_guest::{Call, InboundScenario, ScenarioResult, config, log};

use settings::Settings;

/// The shipped configuration, used when the route gives none.
const DEFAULT_CONFIG: &str = include_str!("../config.json");

struct VoiceOrder;

impl InboundScenario for VoiceOrder {
    fn handle(call: Call) -> ScenarioResult {
        let settings: Settings = config::load_or(DEFAULT_CONFIG)?;
        validate_branches(&settings.branches).map_err(Error::Config)?;
        call.answer()?;
        call.play(&settings.welcome)?;
        let outcome = take_order(&call, &settings.order, &settings.branches, None)?;
        let closing = match &outcome {
            Outcome::Placed { record_id, order } => {
                log::info(format!("order {record_id} for {} at {} {}", order.branch, order.date.iso(), order.time()));
                "order-confirmed"
            }
            Outcome::Cancelled => "order-cancelled",
            Outcome::GaveUp => "order-failed",
        };
        call.play([closing, "goodbye"])?;
        call.hangup();
        Ok(())
    }
}

wasmphony_guest::inbound_scenario!(VoiceOrder);
