//! `test-guests` (world `inbound-call`, not shipped): guests for the engine's sandbox tests.
//!
//! The behaviour is chosen by the route configuration `{"behave": "..."}`:
//! - `loop`: spins forever without a host call (the CPU budget must stop it);
//! - `memory`: grows a vector until memory runs out (the memory cap must stop it);
//! - `recurse`: recurses without bound (the stack limit must stop it);
//! - `trap`: hits `unreachable` at once;
//! - `log-flood`: logs in an endless loop (the per-call log bound drops the excess, the CPU
//!   budget stops it);
//! - `error`: returns an error;
//! - `ok`: answers, plays `greeting`, hangs up;
//! - `slow-ok`: several plays and collects, for parking many concurrent calls;
//! - `transfer`: answers and transfers the caller to the SIP URI `"to"`, then tags what a
//!   later play returned (`after-transfer:hangup` when the call is no longer its own).

// Tests may unwrap; guest code may not (the workspace lint).
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod behave;

use wasmphony_guest::error::Error;
use wasmphony_guest::{Call, InboundScenario, ScenarioResult, config};

use behave::Behaviour;

#[derive(serde::Deserialize)]
struct Settings {
    behave: Behaviour,
    /// The transfer target of `transfer`.
    #[serde(default)]
    to: Option<String>,
}

struct TestGuest;

impl InboundScenario for TestGuest {
    fn handle(call: Call) -> ScenarioResult {
        let settings: Settings = config::load()?;
        match settings.behave {
            Behaviour::Loop => behave::spin(),
            Behaviour::Memory => behave::exhaust_memory(),
            Behaviour::Recurse => behave::recurse_forever(),
            Behaviour::Trap => behave::trap(),
            Behaviour::LogFlood => behave::flood_log(),
            Behaviour::Error => Err(Error::scenario("test guest: asked to fail")),
            Behaviour::Ok => behave::well_behaved(&call),
            Behaviour::SlowOk => behave::slow(&call),
            Behaviour::Transfer => behave::transfer(&call, settings.to.as_deref()),
        }
    }
}

wasmphony_guest::inbound_scenario!(TestGuest);
