//! Media layer of wasmphony: SDP offer/answer, RTP/RTCP, codecs, prompts, DTMF,
//! recording and bridging.
//!
//! - [`sdp`]: parse/write SDP and negotiate PCMU, PCMA, Opus and telephone-event.
//! - [`rtp`]: packet and RTCP wire formats, latching, pacing, jitter buffer,
//!   outbound stream numbering, reception statistics, RTCP report scheduling.
//! - [`codec`]: G.711, Opus (feature `opus`, pure Rust), resampling.
//! - [`dtmf`]: RFC 4733 receive/send, in-band Goertzel detection, digit collection.
//! - [`play`]: prompt library pre-encoded per codec, the player, say-number, TTS.
//! - [`record`]: two-channel crash-safe WAV recording.
//! - [`bridge`]: same-codec header-rewriting relay and the transcoding path.
//! - [`net`]: the tokio shell (port range, RTP sessions on UDP).
//! - [`leg`]: one call leg's media as a tokio task driven by commands.
//!
//! Protocol logic lives in sans-IO cores that are told the time
//! ([`rtp::pacing::PacingClock`], [`rtp::latch::Latch`], [`play::Player`],
//! [`dtmf::DigitCollector`], [`dtmf::EventReceiver`], [`record::CallRecorder`],
//! [`rtp::reporter::RtcpReporter`]);
//! only [`net`] touches sockets.
#![forbid(unsafe_code)]

pub mod bridge;
pub mod codec;
pub mod dtmf;
pub mod leg;
pub mod net;
pub mod play;
pub mod record;
pub mod rtp;
pub mod sdp;
pub mod shards;
