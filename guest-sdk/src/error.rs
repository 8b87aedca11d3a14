//! The error type scenario code returns.

use crate::wit::types::CallError;

/// Why a scenario stopped.
///
/// Host operations return [`CallError`]; `?` turns it into [`Error::Call`]. The entry macros
/// treat [`CallError::Hangup`] as a normal end of the call (the caller went away), so
/// `call.play(..)?` is the idiomatic way to stop when the caller hangs up. Every other error
/// is reported to the host, which hands the caller to the route's fallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A host operation failed.
    Call(CallError),
    /// The route configuration could not be read into the scenario's type.
    Config(String),
    /// A scenario-specific failure.
    Scenario(String),
}

/// What scenario entry points return.
pub type ScenarioResult<T = ()> = Result<T, Error>;

impl Error {
    /// A scenario-specific failure with a message.
    pub fn scenario(message: impl Into<String>) -> Self {
        Self::Scenario(message.into())
    }

    /// True when the caller (or the far end of an outbound call) hung up.
    pub fn is_hangup(&self) -> bool {
        matches!(self, Self::Call(CallError::Hangup))
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Call(error) => write!(f, "host call failed: {}", describe(error)),
            Self::Config(message) => write!(f, "bad route configuration: {message}"),
            Self::Scenario(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

impl From<CallError> for Error {
    fn from(error: CallError) -> Self {
        Self::Call(error)
    }
}

/// A short human-readable description of a host error (for logs and failure reports).
pub fn describe(error: &CallError) -> String {
    match error {
        CallError::Hangup => "hangup".to_owned(),
        CallError::Timeout => "timeout".to_owned(),
        CallError::Busy => "busy".to_owned(),
        CallError::NoAnswer => "no-answer".to_owned(),
        CallError::Rejected(reason) => format!("rejected: {reason}"),
        CallError::NotFound(what) => format!("not found: {what}"),
        CallError::Limit(what) => format!("limit: {what}"),
        CallError::Invalid(reason) => format!("invalid: {reason}"),
    }
}

/// Converts a scenario's result into what the WIT export returns; a hangup is a normal end.
pub(crate) fn into_export_result(result: ScenarioResult) -> Result<(), String> {
    match result {
        Ok(()) => Ok(()),
        Err(error) if error.is_hangup() => Ok(()),
        Err(error) => Err(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hangup_is_a_normal_end_other_errors_are_reported() {
        assert_eq!(into_export_result(Err(CallError::Hangup.into())), Ok(()));
        assert_eq!(
            into_export_result(Err(CallError::NotFound("queue sales".into()).into())),
            Err("host call failed: not found: queue sales".to_owned())
        );
        assert_eq!(
            into_export_result(Err(Error::scenario("no branches configured"))),
            Err("no branches configured".to_owned())
        );
    }
}
