//! Forwarding schemes: a plan of ring steps and a small executor that runs it.
//!
//! A [`Plan`] is a list of [`Step`]s; each step rings its targets in parallel
//! for up to its timeout. Parallel forwarding is one step with every target,
//! sequential forwarding is one step per target, and anything in between is a
//! list of parallel steps. The first answer wins and every other ringing leg
//! is cancelled.

mod executor;
mod plan;

pub use executor::{ForwardAction, Forwarding, LegFailure, LegId};
pub use plan::{Plan, Step, Target};
