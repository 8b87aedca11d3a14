//! The keypad self-ordering flow shared by the `voice-order` and `branch-router` scenarios.
//!
//! The caller picks a branch, a date (today, tomorrow or a day of the month), a time (HHMM)
//! and a party size; the flow reads the booking back, asks for confirmation (1 confirm,
//! 2 start again, 3 cancel) and writes a record with status `self-service` for staff to
//! confirm. Invalid entries are re-asked a bounded number of times.
//!
//! The parsing and the record layout are pure ([`entry`], [`order`]) so they are unit-tested
//! on the build machine; [`flow`] drives them with a real call.

// Tests may unwrap; scenario code may not (the workspace lint).
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod entry;
pub mod flow;
pub mod order;
pub mod settings;

pub use flow::{Outcome, take_order};
pub use order::Order;
pub use settings::{BranchChoice, OrderSettings, validate_branches};
