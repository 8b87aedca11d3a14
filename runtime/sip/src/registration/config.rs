//! What to register where, and the timing of refreshes and retries.

use std::time::Duration;

use crate::auth::ClientCredentials;
use crate::endpoint::Target;
use crate::message::Uri;

/// One registration: this contact bound to this address-of-record at this registrar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationConfig {
    /// Where REGISTERs are sent (the carrier's registrar or outbound proxy).
    pub target: Target,
    /// Request-URI of the REGISTERs (the registrar's domain, e.g. `sip:carrier.example`).
    pub registrar_uri: Uri,
    /// The address-of-record registered (From and To), e.g. `sip:trunk42@carrier.example`.
    pub aor: Uri,
    /// Our contact, where the carrier sends calls for the AOR.
    pub contact: Uri,
    /// Credentials answering the registrar's challenges.
    pub credentials: ClientCredentials,
    /// Expiry asked for, in seconds (the registrar may grant another).
    pub expires: u32,
    /// Refresh and retry timing.
    pub timing: RegistrationTiming,
}

/// Refresh and retry timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrationTiming {
    /// Shortest wait before a refresh, whatever the registrar grants (so a tiny grant cannot
    /// make us hammer it). Never later than the binding's expiry.
    pub min_refresh: Duration,
    /// Wait after the first failure; doubled after each further one.
    pub first_retry: Duration,
    /// Longest wait between retries.
    pub max_retry: Duration,
    /// How long [`RegistrationHandle::stop`](super::RegistrationHandle::stop) waits for the
    /// un-REGISTER to be answered.
    pub unregister_wait: Duration,
}

/// Default [`RegistrationTiming::min_refresh`].
pub const DEFAULT_MIN_REFRESH: Duration = Duration::from_secs(5);
/// Default [`RegistrationTiming::first_retry`].
pub const DEFAULT_FIRST_RETRY: Duration = Duration::from_secs(5);
/// Default [`RegistrationTiming::max_retry`].
pub const DEFAULT_MAX_RETRY: Duration = Duration::from_secs(300);
/// Default [`RegistrationTiming::unregister_wait`].
pub const DEFAULT_UNREGISTER_WAIT: Duration = Duration::from_secs(5);

impl Default for RegistrationTiming {
    fn default() -> RegistrationTiming {
        RegistrationTiming {
            min_refresh: DEFAULT_MIN_REFRESH,
            first_retry: DEFAULT_FIRST_RETRY,
            max_retry: DEFAULT_MAX_RETRY,
            unregister_wait: DEFAULT_UNREGISTER_WAIT,
        }
    }
}
