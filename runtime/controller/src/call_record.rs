//! The record of one finished call, shaped like a CDR; the store consumes it later.

use std::time::{Duration, SystemTime};

/// How a call ended, from the caller's point of view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// The call was answered.
    Answered,
    /// The caller gave up (CANCEL) before an answer.
    Abandoned,
    /// The host refused the call before answering, with this SIP status.
    Rejected(u16),
    /// Nobody answered in time (a call the host placed: click-to-call).
    NoAnswer,
    /// The caller hung up while waiting in a queue (or while its agents or backup number
    /// rang), and no agent or backup was ever bridged to them on this call. The host
    /// answered such a call to play hold music, so it is not `Answered`: for the business
    /// nobody took it. See [`crate::call_book::CallBook::disposition`] for the rule.
    QueueAbandoned,
    /// The caller left a voicemail: the host answered to take the message, nobody took
    /// the call ([`crate::voicemail`] says when a recording is a voicemail).
    Voicemail,
}

/// A recording made during a call: a crash-safe WAV file under the data directory's
/// `recordings/` directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecording {
    /// Unique per call and so platform-wide: the call's id and the recording's number.
    pub id: String,
    /// The file, relative to the recordings directory (`<tenant>/<id>.wav`).
    pub path: String,
    /// When it started.
    pub started_at: SystemTime,
    /// How long it ran; `None` while it runs, and for one still running when the call
    /// ended (the file then holds the audio up to the end of the call's media).
    pub length: Option<Duration>,
}

/// Who ended the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HangupSide {
    /// The caller: BYE, CANCEL, or a 2xx never acknowledged.
    Caller,
    /// The host: the scenario, the fallback, or the controller after the scenario returned.
    Host,
    /// The called party (the customer of a click-to-call).
    Callee,
}

/// Which way a call went, seen from the tenant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CallDirection {
    /// Someone called one of the tenant's numbers or a phone called out.
    #[default]
    Inbound,
    /// The host placed the call for the tenant (click-to-call).
    Outbound,
}

/// One finished call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// Our call id (the inbound leg's Call-ID).
    pub call_id: String,
    /// The tenant that owns the dialed number.
    pub tenant: String,
    /// The scenario that ran.
    pub scenario: String,
    /// Content hash of the component version that ran.
    pub component_hash: String,
    /// Caller number.
    pub from: String,
    /// Callee as in the To header.
    pub to: String,
    /// The tenant number that was dialed.
    pub dialed: String,
    /// Inbound, or placed by the host.
    pub direction: CallDirection,
    /// What started the call (`click-to-call`), when not a caller.
    pub source: Option<String>,
    /// When the INVITE arrived.
    pub started_at: SystemTime,
    /// When the call was answered (by the scenario or by a person).
    pub answered_at: Option<SystemTime>,
    /// When the caller was first connected to a person (bridged to a queue agent, a
    /// dialled party, a backup number): what a caller waits for.
    pub connected_at: Option<SystemTime>,
    /// When the call ended.
    pub ended_at: SystemTime,
    /// How it ended.
    pub disposition: Disposition,
    /// Who ended it.
    pub hangup_side: HangupSide,
    /// Labels the scenario set.
    pub tags: Vec<String>,
    /// Variables the scenario set, in order.
    pub vars: Vec<(String, String)>,
    /// The scenario's log lines (bounded).
    pub log: Vec<String>,
    /// The recordings made on the call, in the order they started.
    pub recordings: Vec<CallRecording>,
    /// The id of the call's main recording: its voicemail message when it left one,
    /// else its last recording.
    pub recording: Option<String>,
    /// Why the guest failed (`kind: message`), when it did.
    pub failure: Option<String>,
    /// What the fallback achieved, when it ran.
    pub fallback: Option<String>,
    /// The last queue the caller waited in, when the call went through one.
    pub queue: Option<String>,
    /// The extension of the agent who handled the call: the queue agent the caller was
    /// bridged to, or the extension that placed a click-to-call; after transfers, the
    /// last extension that had the call (a direct call's too).
    pub agent: Option<String>,
}
