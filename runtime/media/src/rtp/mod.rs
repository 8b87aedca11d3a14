//! RTP and RTCP wire formats and the sans-IO cores around them.

pub mod jitter;
pub mod latch;
pub mod pacing;
pub mod packet;
pub mod reporter;
pub mod rtcp;
pub mod stats;
pub mod stream;
