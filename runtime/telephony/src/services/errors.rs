//! Store errors as the guest sees them: a short, stable message, never SQL text. The
//! full error goes to the log, where an operator can read it.

use wasmphony_engine::api::CallError;
use wasmphony_store::{StoreError, TenantId};

use super::StoreServices;

/// What the guest reads when the store failed for a reason it cannot act on.
pub(crate) const UNAVAILABLE: &str = "tenant data is unavailable, try again later";

/// Maps a store error to a `call-error`. `doing` names the operation for the log.
///
/// `NotFound` and `Invalid` are the guest's business (a wrong id, a bad number, an
/// oversized document) and keep their message: it is produced by the store's input checks
/// and carries no SQL. Everything else (database, JSON, corruption) is logged in full
/// and answered with a generic `rejected`.
pub(crate) fn to_call_error(tenant: TenantId, doing: &str, error: StoreError) -> CallError {
    match error {
        StoreError::NotFound(what) => CallError::NotFound(what.to_owned()),
        StoreError::Invalid(why) => CallError::Invalid(why),
        StoreError::Conflict(what) => CallError::Rejected(format!("{what} already exists")),
        other => {
            tracing::warn!(tenant = %tenant, doing, error = %other, "tenant services: store failed");
            CallError::Rejected(UNAVAILABLE.to_owned())
        }
    }
}

impl StoreServices {
    /// [`to_call_error`] for this tenant, as a `map_err` argument.
    pub(super) fn fail(&self, doing: &'static str) -> impl FnOnce(StoreError) -> CallError {
        let tenant = self.tenant;
        move |error| to_call_error(tenant, doing, error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_errors_do_not_reach_the_guest() {
        let error = StoreError::Corrupt {
            what: "role",
            value: "SELECT secret FROM users".into(),
        };
        let mapped = to_call_error(TenantId(1), "test", error);
        assert_eq!(mapped, CallError::Rejected(UNAVAILABLE.to_owned()));
    }

    #[test]
    fn guest_mistakes_keep_their_kind() {
        assert_eq!(
            to_call_error(TenantId(1), "t", StoreError::NotFound("record")),
            CallError::NotFound("record".into())
        );
        assert_eq!(
            to_call_error(TenantId(1), "t", StoreError::Invalid("bad".into())),
            CallError::Invalid("bad".into())
        );
    }
}
