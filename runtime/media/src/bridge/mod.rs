//! Bridging two call legs: relay packets untouched except for their header
//! when both legs use the same codec, transcode when they differ.

pub mod relay;
pub mod transcode;

pub use relay::{LegFormat, Relay, RelayDrop};
pub use transcode::Transcoder;
