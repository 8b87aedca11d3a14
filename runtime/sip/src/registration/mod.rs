//! Outbound registration (RFC 3261 §10.2): the host registers itself to a carrier's
//! registrar and keeps the binding fresh.
//!
//! [`RegistrationMachine`] is sans-IO (told `now`, says which REGISTER to send and when);
//! [`spawn_registration`] runs it over an [`Endpoint`](crate::endpoint::Endpoint) and
//! publishes its [`RegistrationState`] for operators.

mod config;
mod driver;
mod machine;
mod state;

pub use config::{
    DEFAULT_FIRST_RETRY, DEFAULT_MAX_RETRY, DEFAULT_MIN_REFRESH, DEFAULT_UNREGISTER_WAIT,
    RegistrationConfig, RegistrationTiming,
};
pub use driver::{RegistrationHandle, spawn_registration};
pub use machine::RegistrationMachine;
pub use state::{RegistrationFailure, RegistrationState};

#[cfg(test)]
mod tests;
