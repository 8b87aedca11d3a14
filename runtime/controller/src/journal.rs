//! Where the controller reports calls: once when a call is admitted, once when
//! it is over. The server journals them in the store (a CDR opened at the start
//! survives a crash as "interrupted"); tests and examples read them from a
//! channel ([`ChannelJournal`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use tokio::sync::mpsc;

use crate::call_record::CallRecord;

/// What is known of a call when it is admitted, before its scenario runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallStart {
    /// Our call id (the inbound leg's Call-ID).
    pub call_id: String,
    /// The tenant that owns the dialed number.
    pub tenant: String,
    /// The scenario about to run.
    pub scenario: String,
    /// Content hash of the component version about to run.
    pub component_hash: String,
    /// Caller number.
    pub from: String,
    /// Callee as in the To header.
    pub to: String,
    /// The tenant number that was dialed.
    pub dialed: String,
    /// Inbound, or placed by the host.
    pub direction: crate::call_record::CallDirection,
    /// What started the call (`click-to-call`), when not a caller.
    pub source: Option<String>,
    /// When the INVITE arrived.
    pub started_at: SystemTime,
}

/// A caller connected to another party: what live views learn of a bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallBridge {
    /// The tenant the call belongs to.
    pub tenant: String,
    /// The call's id (for a queue's callback task, which is no journalled call, the
    /// agent leg's Call-ID).
    pub call_id: String,
    /// The other party as the call named it: an extension, a number or a SIP URI.
    pub with: String,
    /// The queue that connected them, when one did.
    pub queue: Option<String>,
    /// The agent's extension, when an agent is one of the two.
    pub agent: Option<String>,
    /// When the media was connected.
    pub at: SystemTime,
}

/// A message a caller left: what live views and webhooks learn of a voicemail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoicemailLeft {
    /// The tenant the call belongs to.
    pub tenant: String,
    /// The call's id.
    pub call_id: String,
    /// The caller's number.
    pub from: String,
    /// The tenant number that was dialed.
    pub dialed: String,
    /// The recording's id, as in the call's record.
    pub recording: String,
    /// How long the message is.
    pub duration: Duration,
    /// When the message ended.
    pub at: SystemTime,
}

/// Receives the calls of a controller.
///
/// `started` comes before `finished` for the same call, from the same task. The
/// controller answers the caller's BYE only after `finished` returns (bounded by
/// [`crate::BYE_ANSWER_WAIT`]), so a journal that returns once the record is
/// durable guarantees that every call the caller saw completed has its record.
#[async_trait]
pub trait CallJournal: Send + Sync + 'static {
    /// A call was admitted; its scenario is about to run.
    async fn started(&self, call: CallStart);
    /// The call was answered (for live views; the record carries the time too).
    async fn answered(&self, _tenant: &str, _call_id: &str, _at: SystemTime) {}
    /// The caller was connected to another party (for live views). Comes after
    /// `answered` and before `finished` of the same call, from the same task.
    async fn bridged(&self, _bridge: CallBridge) {}
    /// The caller left a voicemail (for live views); comes just before `finished`.
    async fn voicemail_left(&self, _voicemail: VoicemailLeft) {}
    /// The call is over.
    async fn finished(&self, record: CallRecord);
    /// A queue's count of waiting callers changed (for live views).
    fn queue_changed(&self, _tenant: &str, _queue: &str, _waiting: u64, _at: SystemTime) {}
    /// An agent's state in a queue changed (`available`, `ringing`, `on_call`, `wrap_up`,
    /// `away`, `offline`; for live views).
    fn agent_state(&self, _tenant: &str, _extension: &str, _state: &'static str, _at: SystemTime) {}
}

/// A journal that forwards finished calls' records to a bounded channel;
/// records beyond its capacity are dropped and counted.
pub struct ChannelJournal {
    records: mpsc::Sender<CallRecord>,
    dropped: Arc<AtomicU64>,
}

impl ChannelJournal {
    /// A journal with room for `capacity` unread records, and its receiving end.
    pub fn new(capacity: usize) -> (ChannelJournal, mpsc::Receiver<CallRecord>) {
        let (records, receiver) = mpsc::channel(capacity.max(1));
        let journal = ChannelJournal {
            records,
            dropped: Arc::default(),
        };
        (journal, receiver)
    }

    /// Records dropped so far because the channel was full; shared counter.
    pub fn dropped(&self) -> Arc<AtomicU64> {
        self.dropped.clone()
    }
}

#[async_trait]
impl CallJournal for ChannelJournal {
    async fn started(&self, _call: CallStart) {}

    async fn finished(&self, record: CallRecord) {
        if self.records.try_send(record).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}
