//! Named limits of the controller. Everything a caller or a guest can grow is
//! bounded by one of these.

use std::time::Duration;

/// Default most calls alive at once; INVITEs beyond get `503`.
pub const DEFAULT_MAX_CALLS: usize = 4_000;
/// Default capacity of the call-record sink; records beyond are dropped and counted.
pub const DEFAULT_RECORD_SINK: usize = 1_024;
/// Tags kept per call (a guest may tag in a loop).
pub const MAX_TAGS: usize = 64;
/// Log lines kept per call for its record (the engine bounds the guest's volume too).
pub const MAX_LOG_LINES: usize = 64;
/// Variables kept per call.
pub const MAX_VARS: usize = 64;
/// Keys pressed while nothing was collecting, kept for the next collect (type-ahead).
pub const MAX_TYPE_AHEAD: usize = 16;
/// Recordings one call may make.
pub const MAX_RECORDINGS_PER_CALL: u32 = 16;
/// Longest recording, whatever the guest asks.
pub const MAX_RECORD_SECONDS: u32 = 600;
/// How long a BYE or CANCEL we send may wait for its final response.
pub const SIGNALLING_WAIT: Duration = Duration::from_secs(8);
/// How long stopping a playlist may take before the leg is considered gone.
pub const STOP_PLAY_WAIT: Duration = Duration::from_millis(500);
/// Longest ring time of one dial, whatever the guest asks.
pub const MAX_RING_SECONDS: u32 = 300;
/// Most targets one dial rings (the engine bounds the list too).
pub const MAX_DIAL_TARGETS: usize = 16;
/// How long a DTMF key we send is held.
pub const SEND_DTMF_DURATION: Duration = Duration::from_millis(100);
/// Longest a caller's BYE waits for the call's record to be journalled before
/// it is answered anyway (a slow database must not make callers retransmit).
pub const BYE_ANSWER_WAIT: Duration = Duration::from_secs(2);
/// A trunk that has not answered an INVITE at all (not even `100 Trying`) within
/// this long is taken as down, and the call fails over to the next trunk.
pub const TRUNK_SETUP_TIMEOUT: Duration = Duration::from_secs(4);
/// Digest challenges answered per outbound INVITE (a second challenge for a fresh
/// nonce means the credentials are wrong; stale nonces get one more).
pub const MAX_CHALLENGES_PER_INVITE: u8 = 2;
