//! A restaurant's front desk in thirty lines: greet, offer the menu, send bookings to the
//! bookings queue and everything else to the duty manager; after hours, offer a callback.

use serde::Deserialize;
use wasmphony_guest::outbound::Callback;
use wasmphony_guest::{Call, InboundScenario, ScenarioResult, Schedule, config};

/// The route's configuration (JSON), so the same component serves every branch.
#[derive(Deserialize)]
struct Settings {
    hours: Schedule,
    bookings_queue: String,
    duty_manager: String,
}

struct FrontDesk;

impl InboundScenario for FrontDesk {
    fn handle(call: Call) -> ScenarioResult {
        let settings: Settings = config::load()?;
        call.answer()?;
        if !settings.hours.is_open_now() {
            call.play("after-hours")?;
            Callback::new(call.caller()).reason("called after hours").schedule()?;
            call.hangup();
            return Ok(());
        }
        let key = call.collect().max(1).prompt(["greeting", "menu-main"]).run()?;
        if key == "1" {
            call.tag("bookings")?;
            call.enqueue(settings.bookings_queue).callback_key("1").run()?;
        } else {
            call.dial().extension(settings.duty_manager).ring_timeout_seconds(20).run()?;
        }
        Ok(())
    }
}

wasmphony_guest::inbound_scenario!(FrontDesk);
