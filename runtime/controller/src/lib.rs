//! The call controller: real SIP calls run scenario components.
//!
//! A [`Controller`] owns the SIP endpoint's channel of new requests. For each
//! INVITE it resolves the dialed number to a tenant and route
//! ([`RouteTable`]), picks the scenario version from the engine's
//! [`wasmphony_engine::ScenarioRegistry`], negotiates media, and runs the
//! scenario with [`wasmphony_engine::ScenarioHost::run_call`] on a
//! `SipCall`: the engine's `CallControl` over a SIP dialog and a media leg.
//! The [`CallJournal`] hears of each call when it is admitted and when it ends
//! (the server keeps CDRs in the store; tests read a channel).
#![cfg_attr(test, allow(clippy::unwrap_used))] // tests may unwrap

mod admission;
mod agent_first;
mod agent_transfer;
mod call_book;
mod call_record;
mod call_task;
mod context;
mod controller;
mod counters;
mod deadline;
mod direct_call;
mod in_dialog;
mod inbound;
mod journal;
mod limits;
mod live_calls;
mod local_time;
mod media_addresses;
mod media_thread;
mod memory_release;
mod originate;
mod outbound;
mod phones;
mod prompts;
mod queues;
mod refusal;
mod route;
mod sip_call;
mod staff_bridge;
mod trunks;
mod voicemail;

pub use call_record::{CallDirection, CallRecord, CallRecording, Disposition, HangupSide};
pub use context::ControllerConfig;
pub use controller::Controller;
pub use counters::{ControllerCounters, ControllerCountersSnapshot, LoadRefusal};
pub use direct_call::DIRECT_CALL;
pub use journal::{CallBridge, CallJournal, CallStart, ChannelJournal, VoicemailLeft};
pub use limits::*;
pub use local_time::local_time;
pub use memory_release::{
    MEMORY_RELEASE_PERIOD, MEMORY_RELEASE_THRESHOLD, MemoryReleaser, malloc_free_bytes,
    release_freed_memory_periodically,
};
pub use originate::{CLICK_TO_CALL, ORIGINATE_RING_TIME, OriginateError};
pub use phones::PhoneBook;
pub use prompts::{BEEP_PROMPT, MAX_SILENCE, TTS_VOICE, playlist};
pub use queues::{CallbackJob, CallbackOfferError, QueueDefinition, QueueSize};
pub use route::{Route, RouteTable, Tenant, normalise_number};
pub use sip_call::{
    HOLD_MUSIC_PROMPT, QUEUE_ABANDONED_REASON, QUEUE_CALLBACK_REASON, QUEUE_OVERFLOW_REASON,
    TRANSFERRED_TAG,
};
pub use trunks::{TRUNK_REGISTER_EXPIRES, Trunk, TrunkPlan};
pub use voicemail::VOICEMAIL_TAG;
