//! Registrar core (RFC 3261 §10.3), sans-IO: bindings per address-of-record, told `now`.
//!
//! [`Registrar`] keeps the bindings; [`RegistrarService`] puts digest authentication in
//! front of it and turns a REGISTER into its response.

mod bindings;
mod service;

pub use bindings::{
    Binding, DEFAULT_EXPIRES, DEFAULT_MAX_AORS, DEFAULT_MAX_CONTACTS, DEFAULT_MAX_EXPIRES,
    DEFAULT_MIN_EXPIRES, Registrar, RegistrarConfig, RegistrarError, aor_of,
};
pub use service::RegistrarService;

#[cfg(test)]
mod tests;
