//! SDP parsing/writing (RFC 4566) and offer/answer negotiation (RFC 3264).

pub mod model;
pub mod negotiate;

pub use model::{Direction, MediaDescription, RtpMap, SdpParseError, SessionDescription};
pub use negotiate::{
    LocalMedia, NegotiatedMedia, NegotiationError, answer_offer, create_offer, process_answer,
};
