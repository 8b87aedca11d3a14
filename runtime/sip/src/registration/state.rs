//! What an operator sees of a registration.

use std::time::Instant;

use crate::auth::ChallengeError;

/// The state of one outbound registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationState {
    /// A first REGISTER (or a retry after a failure) is under way.
    Registering,
    /// The registrar holds our binding until `until` (a refresh is sent well before).
    Registered {
        /// When the binding lapses unless refreshed.
        until: Instant,
    },
    /// The last attempt failed; the next one is at `retry_at`.
    Failed {
        /// Why.
        reason: RegistrationFailure,
        /// When the next REGISTER goes out.
        retry_at: Instant,
    },
    /// The binding is being removed (`Expires: 0`).
    Unregistering,
    /// Stopped: no binding is held (or the un-REGISTER went unanswered).
    Unregistered,
}

/// Why an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationFailure {
    /// The registrar challenged our answer again with a fresh nonce: wrong user or password.
    WrongCredentials,
    /// The challenge could not be answered.
    BadChallenge(ChallengeError),
    /// A final response other than success or a challenge.
    Rejected {
        /// Status code.
        status: u16,
        /// Reason phrase as received.
        reason: String,
    },
    /// `423` without a usable Min-Expires, or one above what we can ask.
    IntervalTooBrief,
    /// The registrar granted no time to our contact.
    NothingGranted,
    /// No final response in time.
    Timeout,
    /// The request could not be sent.
    Transport(String),
}

impl std::fmt::Display for RegistrationFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegistrationFailure::WrongCredentials => f.write_str("wrong credentials"),
            RegistrationFailure::BadChallenge(e) => write!(f, "{e}"),
            RegistrationFailure::Rejected { status, reason } => {
                write!(f, "rejected: {status} {reason}")
            }
            RegistrationFailure::IntervalTooBrief => f.write_str("interval too brief"),
            RegistrationFailure::NothingGranted => f.write_str("registrar granted no time"),
            RegistrationFailure::Timeout => f.write_str("no answer from the registrar"),
            RegistrationFailure::Transport(e) => write!(f, "transport: {e}"),
        }
    }
}
