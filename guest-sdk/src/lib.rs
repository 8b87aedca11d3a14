//! Write [wasmphony](https://example.invalid/wasmphony) call scenarios in Rust.
//!
//! A scenario is a WebAssembly component that runs one call: it answers, plays prompts,
//! collects keys, rings people, writes orders. This crate wraps the WIT contract
//! (`wit/scenario`, package `wasmphony:scenario@0.1.0`) in small Rust types:
//!
//! - [`Call`]: call control (`answer`, `play`, `collect()`, `dial()`, `enqueue(..)`, …);
//! - [`contacts`], [`records`], [`outbound`], [`log`], [`time`], [`config`]: the other host
//!   interfaces;
//! - [`Schedule`]: working hours such as `"mon-fri 09:00-22:00; sat 10:00-20:00"`;
//! - [`menu`]: data-driven multi-level IVR menus;
//! - [`inbound_scenario!`], [`outbound_scenario!`], [`timer_scenario!`]: the entry points.
//!
//! Build a scenario as a `cdylib` with `cargo build --release --target wasm32-wasip2`; the
//! result is a component the host loads.
//!
//! ```no_run
//! use serde::Deserialize;
//! use wasmphony_guest::{Call, InboundScenario, ScenarioResult, Schedule, config};
//!
//! #[derive(Deserialize)]
//! struct Settings {
//!     hours: Schedule,
//!     queue: String,
//! }
//!
//! struct FrontDesk;
//!
//! impl InboundScenario for FrontDesk {
//!     fn handle(call: Call) -> ScenarioResult {
//!         let settings: Settings = config::load()?;
//!         call.answer()?;
//!         if !settings.hours.is_open_now() {
//!             call.play("after-hours")?;
//!             call.hangup();
//!             return Ok(());
//!         }
//!         let key = call.collect().max(1).prompt(["greeting", "menu-main"]).run()?;
//!         call.tag(format!("key:{key}"))?;
//!         call.enqueue(settings.queue).callback_key("1").run()?;
//!         Ok(())
//!     }
//! }
//!
//! wasmphony_guest::inbound_scenario!(FrontDesk);
//! # fn main() {}
//! ```
//!
//! Host functions only work inside a component; the pure helpers ([`Schedule`],
//! [`menu::MenuSession`], [`numbers`], [`time::Date`], [`config::parse`]) work anywhere and
//! are unit-tested on the build machine.

// Tests may unwrap; library code may not (the workspace lint).
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod call;
pub mod collect;
pub mod config;
pub mod contacts;
pub mod dial;
pub mod entry;
pub mod error;
pub mod log;
pub mod menu;
pub mod numbers;
pub mod outbound;
pub mod prompt;
pub mod records;
pub mod schedule;
pub mod time;
pub mod wit;

pub use call::Call;
#[doc(hidden)]
pub use entry::__private;
pub use entry::{InboundScenario, OutboundScenario, TimerEvent, TimerScenario};
pub use error::{Error, ScenarioResult};
pub use schedule::Schedule;
pub use wit::call::{DialOutcome, DialTarget, QueueOutcome};
pub use wit::types::{CallError, CallInfo, HangupCause};

/// Re-exported so scenarios need no direct serde_json dependency for their configuration.
pub use serde_json;
