//! Symmetric RTP latching with RTP-bleed protection.
//!
//! Behind NAT the peer's real source address differs from its SDP. We learn
//! it from the first packet, but only inside a short window right after
//! signalling; afterwards the peer address is fixed and packets from any other
//! source are dropped, so nobody can inject audio or steal the stream.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// How long after signalling the first packet may teach us the peer's address.
pub const LATCH_WINDOW: Duration = Duration::from_secs(3);

/// What to do with one received datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatchDecision {
    /// From the peer: process it.
    Accept,
    /// From the peer, and it taught us the peer's address just now.
    Learned,
    /// From somebody else: drop it and count it.
    Foreign,
}

/// Decides which sources are the peer.
#[derive(Debug, Clone)]
pub struct Latch {
    sdp_address: Option<SocketAddr>,
    learned: Option<SocketAddr>,
    window_closes: Option<Instant>,
}

impl Latch {
    /// A latch that accepts nothing until signalling opens it.
    pub fn new() -> Self {
        Self {
            sdp_address: None,
            learned: None,
            window_closes: None,
        }
    }

    /// Signalling completed (answer sent or received, re-INVITE included):
    /// trust `sdp_address`, and let the first packet within [`LATCH_WINDOW`]
    /// re-teach the source address.
    pub fn on_signalling(&mut self, sdp_address: Option<SocketAddr>, now: Instant) {
        self.sdp_address = sdp_address;
        self.learned = None;
        self.window_closes = Some(now + LATCH_WINDOW);
    }

    /// The address the last signalling gave.
    pub fn signalled(&self) -> Option<SocketAddr> {
        self.sdp_address
    }

    /// Where to send: the learned source, else the SDP address.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.learned.or(self.sdp_address)
    }

    /// Classifies a datagram from `source` received at `now`.
    pub fn check(&mut self, source: SocketAddr, now: Instant) -> LatchDecision {
        if let Some(learned) = self.learned {
            return if learned == source {
                LatchDecision::Accept
            } else {
                LatchDecision::Foreign
            };
        }
        let window_open = self.window_closes.is_some_and(|closes| now < closes);
        if window_open {
            self.learned = Some(source);
            return LatchDecision::Learned;
        }
        if self.sdp_address == Some(source) {
            LatchDecision::Accept
        } else {
            LatchDecision::Foreign
        }
    }
}

impl Default for Latch {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    #[test]
    fn learns_first_source_inside_window_then_rejects_others() {
        let t0 = Instant::now();
        let mut latch = Latch::new();
        latch.on_signalling(Some(addr(1000)), t0);
        assert_eq!(
            latch.check(addr(2000), t0 + Duration::from_millis(100)),
            LatchDecision::Learned
        );
        assert_eq!(latch.peer(), Some(addr(2000)));
        assert_eq!(
            latch.check(addr(2000), t0 + Duration::from_secs(60)),
            LatchDecision::Accept
        );
        assert_eq!(
            latch.check(addr(3000), t0 + Duration::from_millis(200)),
            LatchDecision::Foreign
        );
        assert_eq!(
            latch.check(addr(1000), t0 + Duration::from_millis(200)),
            LatchDecision::Foreign
        );
    }

    #[test]
    fn after_window_only_sdp_address_is_accepted() {
        let t0 = Instant::now();
        let mut latch = Latch::new();
        latch.on_signalling(Some(addr(1000)), t0);
        let late = t0 + LATCH_WINDOW + Duration::from_millis(1);
        assert_eq!(latch.check(addr(4000), late), LatchDecision::Foreign);
        assert_eq!(latch.check(addr(1000), late), LatchDecision::Accept);
        assert_eq!(latch.peer(), Some(addr(1000)));
    }

    #[test]
    fn nothing_accepted_before_signalling() {
        let mut latch = Latch::new();
        assert_eq!(
            latch.check(addr(1000), Instant::now()),
            LatchDecision::Foreign
        );
        assert_eq!(latch.peer(), None);
    }
}
