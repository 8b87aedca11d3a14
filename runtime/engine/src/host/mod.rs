//! Implementations of the contract's interfaces on [`CallState`]. Each one
//! resets the CPU budget, checks the guest's arguments against the sandbox
//! limits, and delegates to the call or the tenant's services.

mod call;
mod contacts;
mod host_iface;
mod outbound;
mod records;

pub(crate) use host_iface::truncate;

use crate::api::{CallError, Field};
use crate::bindings::call_world::wasmphony::scenario::types;
use crate::limits::SandboxLimits;
use crate::state::CallState;

impl types::Host for CallState {}

/// Argument checks shared by every interface.
pub(crate) struct Check<'a>(pub(crate) &'a SandboxLimits);

impl Check<'_> {
    pub(crate) fn text(&self, what: &str, value: &str) -> Result<(), CallError> {
        if value.len() > self.0.max_string_bytes {
            return Err(CallError::Limit(format!(
                "{what} is {} bytes; the limit is {}",
                value.len(),
                self.0.max_string_bytes
            )));
        }
        Ok(())
    }

    pub(crate) fn list<T>(&self, what: &str, items: &[T]) -> Result<(), CallError> {
        if items.len() > self.0.max_list_len {
            return Err(CallError::Limit(format!(
                "{what} has {} elements; the limit is {}",
                items.len(),
                self.0.max_list_len
            )));
        }
        Ok(())
    }

    pub(crate) fn fields(&self, fields: &[Field]) -> Result<(), CallError> {
        self.list("fields", fields)?;
        for field in fields {
            self.text("field name", &field.name)?;
            self.text("field value", &field.value)?;
        }
        Ok(())
    }

    pub(crate) fn opt_text(&self, what: &str, value: &Option<String>) -> Result<(), CallError> {
        match value {
            Some(v) => self.text(what, v),
            None => Ok(()),
        }
    }
}

impl CallState {
    /// Marks the start of a host call and returns the argument checker.
    pub(crate) fn enter(&mut self) -> Check<'_> {
        self.meter.enter_host();
        Check(&self.limits)
    }
}

/// Short-circuits a host function with a guest-visible error.
macro_rules! try_guest {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(err) => return Ok(Err(err)),
        }
    };
}
pub(crate) use try_guest;
