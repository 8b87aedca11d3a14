//! Why the controller refuses an INVITE before any scenario runs, and the
//! SIP status each reason is answered with.

use wasmphony_sip::message::StatusCode;

/// `Retry-After` on a `503` for load: long enough for calls to end.
const RETRY_AFTER_SECONDS: u32 = 5;

/// A refused INVITE.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Refusal {
    #[error("no number dialed")]
    NoNumber,
    #[error("number {0} is not routed")]
    UnknownNumber(String),
    #[error("at call capacity")]
    AtCapacity,
    #[error("new calls arrive faster than the configured rate")]
    Overloaded,
    #[error("route has no runnable scenario: {0}")]
    NoScenario(String),
    #[error("no local address towards the caller")]
    NoLocalAddress,
    #[error("cannot form a dialog: {0}")]
    BadDialog(String),
    #[error("an SDP offer is required")]
    NoOffer,
    #[error("unusable SDP offer: {0}")]
    BadOffer(String),
    #[error("no RTP ports: {0}")]
    NoPorts(String),
    #[error("call already in progress")]
    DuplicateCall,
}

impl Refusal {
    /// Seconds for `Retry-After` when the refusal is about load, not the request.
    pub(crate) fn retry_after(&self) -> Option<u32> {
        match self {
            Refusal::AtCapacity | Refusal::NoPorts(_) => Some(RETRY_AFTER_SECONDS),
            Refusal::Overloaded => Some(1),
            _ => None,
        }
    }

    /// The final response for this refusal.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Refusal::NoNumber | Refusal::UnknownNumber(_) => StatusCode::NOT_FOUND,
            Refusal::AtCapacity | Refusal::Overloaded | Refusal::NoPorts(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Refusal::NoScenario(_) => StatusCode::TEMPORARILY_UNAVAILABLE,
            Refusal::NoLocalAddress => StatusCode::SERVER_INTERNAL_ERROR,
            Refusal::BadDialog(_) => StatusCode::BAD_REQUEST,
            Refusal::NoOffer | Refusal::BadOffer(_) => StatusCode::NOT_ACCEPTABLE_HERE,
            Refusal::DuplicateCall => StatusCode::LOOP_DETECTED,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_has_its_sip_status() {
        assert_eq!(
            Refusal::UnknownNumber("1".into()).status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            Refusal::AtCapacity.status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(Refusal::NoOffer.status(), StatusCode::NOT_ACCEPTABLE_HERE);
        assert_eq!(
            Refusal::BadOffer("x".into()).status(),
            StatusCode::NOT_ACCEPTABLE_HERE
        );
        assert_eq!(Refusal::DuplicateCall.status(), StatusCode::LOOP_DETECTED);
        assert_eq!(
            Refusal::Overloaded.status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(Refusal::Overloaded.retry_after(), Some(1));
        assert_eq!(Refusal::AtCapacity.retry_after(), Some(RETRY_AFTER_SECONDS));
        assert_eq!(Refusal::NoOffer.retry_after(), None);
    }
}
