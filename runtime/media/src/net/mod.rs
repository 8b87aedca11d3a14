//! The thin tokio shell: UDP ports from a configured range and RTP sessions
//! that apply the sans-IO cores (latching, parsing, counters) to real sockets.

pub mod ports;
pub mod session;
pub mod totals;

pub use ports::{BoundPair, PortAllocator, PortError, PortLease};
pub use session::{Received, RtpSession, Sent, SessionError};
pub use totals::{LegRegistration, MediaTotals, TotalsSnapshot};
