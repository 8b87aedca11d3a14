//! The shipped scenario components, embedded as bytes.
//!
//! The build script compiles the `scenarios/` workspace to WebAssembly components (target
//! `wasm32-wasip2`) and embeds them, so `cargo build` builds host and scenarios in one step.
//! This crate only carries bytes: the engine validates and compiles them.
//!
//! ```
//! let ivr = wasmphony_scenarios::by_name("ivr-menu").expect("ivr-menu is shipped");
//! assert!(ivr.bytes.starts_with(wasmphony_scenarios::COMPONENT_PREAMBLE));
//! assert!(ivr.default_config.trim_start().starts_with('{'));
//! ```

mod shipped;

pub use shipped::{COMPONENT_PREAMBLE, ShippedScenario, World, by_name, shipped, test_guest};
