//! The scenario simulator: runs a call scenario against a scripted caller on
//! a virtual clock, with no SIP and no media (script format: `SIMSCRIPT.md`).
//!
//! - [`Script`]: a parsed, checked simulator script.
//! - [`SimCall`]: the engine's `CallControl` for a scripted caller; every
//!   operation takes its virtual time and appends to a [`Timeline`].
//! - [`SimServices`]: the engine's `TenantServices` in memory.
//! - [`run_script`]: compiles the script's component, runs the call through
//!   the engine and checks the script's expectations into a [`SimReport`].
//!
//! A ten-minute call runs in milliseconds: nothing sleeps unless
//! [`Pace::Sleep`] asks for it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::path::Path;
//! use wasmphony_engine::{HostConfig, ScenarioHost};
//!
//! let host = ScenarioHost::new(HostConfig::default())?;
//! let script = wasmphony_sim::Script::load(Path::new("scenarios/ivr-menu/tests/timeout-default.yaml"))?;
//! let report = wasmphony_sim::run_script(&host, &script).await?;
//! for event in &report.timeline {
//!     println!("{event}"); // `   8.50s  collect -> "1"`
//! }
//! assert!(report.passed(), "{:?}", report.unmet);
//! # Ok(()) }
//! ```

// Test code: a failed unwrap is a failed test.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod call;
mod check;
mod component;
mod disposition;
mod durations;
mod journal;
mod pace;
mod report;
mod run;
mod script;
mod services;
mod time;
mod timeline;

pub use call::{
    ANY_TARGET, DEFAULT_AGENT, DEFAULT_QUEUE_MAX_WAIT_SECONDS, DEFAULT_RING_TIMEOUT_SECONDS,
    DEFAULT_TALK_SECONDS, MAX_CALL_SECONDS, SEND_DTMF_DIGIT_MS, SIM_CALL_ID, SIM_TENANT, SimCall,
};
pub use check::{Observed, UnmetExpectation, check};
pub use component::{
    ComponentError, ComponentSource, MAX_CONFIG_BYTES, TEST_GUEST, resolve_component,
    resolve_config,
};
pub use disposition::{Disposition, Outcomes};
pub use durations::{
    BEEP_MS, DEFAULT_PROMPT_MS, DIGIT_MS, NUMBER_WORD_MS, PromptDurations, TEXT_CHAR_MS,
    spoken_words,
};
pub use journal::{CallJournal, DialFact, Facts, MAX_FACTS};
pub use pace::{MAX_SLEEP_PER_ADVANCE, Pace};
pub use report::{SimReport, one_line_reason};
pub use run::{MAX_REAL_RUN, RunOptions, SimError, run_compiled, run_script, run_script_with};
pub use script::{
    Answering, Caller, CallerAction, ConfigSource, ContactCard, Expect, ExpectedDial,
    ExpectedRecord, FailureKind, KEY_SPACING_MS, MAX_ACTIONS, MAX_SCRIPT_BYTES, PastCall,
    QueueBehaviour, QueueSetup, QueueState, RawAction, Script, ScriptError, ScriptWorld, Strategy,
    TargetBehaviour, TargetState, is_dtmf,
};
pub use services::{
    MAX_CALLBACKS, MAX_CONTACTS, MAX_FIELDS, MAX_NOTES, MAX_ORIGINATIONS, MAX_RECORDS, SimServices,
};
pub use time::{MAX_SCRIPT_SECONDS, Seconds, Span, StartTime, VirtualTime};
pub use timeline::{Happening, MAX_LOG_EVENTS, MAX_TIMELINE_EVENTS, Timeline, TimelineEvent};
