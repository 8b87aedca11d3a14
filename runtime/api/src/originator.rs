//! Click-to-call as the API sees it: a seam to whatever places calls (the server's call
//! controller), so this crate needs no telephony. The server sets one on [`crate::ApiState`]
//! with [`crate::ApiState::with_originator`]; without one, `POST /calls/originate` answers 503.

/// One click-to-call: ring `from`'s phones, then call `to` and connect the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OriginateRequest<'a> {
    /// The tenant's slug (from the authenticated key, never from the request body).
    pub tenant: &'a str,
    /// The extension whose phones ring first.
    pub from: &'a str,
    /// Another extension of the tenant, or a number reached through the tenant's trunks.
    pub to: &'a str,
}

/// Why a click-to-call was not placed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginateRefusal {
    /// `from` is not an extension of the tenant.
    #[error("no extension {0} in this tenant")]
    UnknownExtension(String),
    /// `from` has no registered phone to ring.
    #[error("extension {0} has no registered phone")]
    NoRegisteredPhone(String),
    /// `to` is neither an extension nor a dialable number.
    #[error("{0:?} is neither an extension nor a phone number")]
    InvalidTarget(String),
    /// `to` is a number but no trunk of the tenant carries it.
    #[error("no trunk of this tenant carries {0}")]
    NoTrunk(String),
    /// The server is at its call capacity.
    #[error("no capacity for another call: {0}")]
    AtCapacity(String),
}

/// Places click-to-call calls. Implementations start the call and return its id at once;
/// the call's progress is reported like any call's (CDR, live events).
pub trait Originator: Send + Sync + 'static {
    /// Checks and starts the call; the new call's id.
    fn originate(&self, request: OriginateRequest<'_>) -> Result<String, OriginateRefusal>;
}
