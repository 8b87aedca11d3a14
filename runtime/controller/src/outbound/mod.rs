//! Outbound legs: INVITEs placed through the endpoint's UAC to SIP URIs,
//! registered phones or, for phone numbers, the tenant's trunks (with digest
//! answers and failover) or the configured gateway; ringing in parallel or in
//! sequence; the answered leg comes back with its dialog and media.

mod attach;
mod challenge;
mod follow;
mod place;
mod ring;

pub(crate) use place::{AnsweredLeg, DialRequest, resolve_target, send_bye};
pub(crate) use ring::{RingFailure, ring};
