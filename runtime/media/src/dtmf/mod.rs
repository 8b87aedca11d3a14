//! DTMF: RFC 4733 telephone-events (receive and send), SIP INFO bodies,
//! in-band tone detection (Goertzel), and the digit collector behind `collect`.

pub mod collector;
pub mod digit;
pub mod goertzel;
pub mod inband;
pub mod rfc4733;
pub mod sip_info;

pub use collector::{CollectConfig, CollectOutcome, DigitCollector, EndReason};
pub use digit::Digit;
pub use inband::InbandDetector;
pub use rfc4733::{EventReceiver, EventSender, ReceivedEvent, TelephoneEvent};
pub use sip_info::parse_info;
