//! The call record (CDR) types: what is known at the start and at the end of a call, its
//! timeline events, and the stored record with its row mapping and input checks.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

use crate::codec::{MAX_NAME_LEN, col, require_text, text_enum};
use crate::error::{Result, StoreError};
use crate::ids::{CallId, RecordingId, TenantId, UnixMs, UserId};

/// Most tags one call may carry.
pub const MAX_TAGS_PER_CALL: usize = 32;

/// Most timeline events one call may write (a runaway scenario must not bloat the CDR).
pub const MAX_EVENTS_PER_CALL: usize = 10_000;

/// Longest call id accepted (UUIDs and SIP Call-IDs fit easily).
pub const MAX_CALL_ID_LEN: usize = 256;

text_enum!(
    /// Who started the call.
    Direction {
        /// A caller reached one of the tenant's numbers.
        Inbound = "inbound",
        /// The platform called out (callback, click-to-call, campaign).
        Outbound = "outbound",
    }
);

text_enum!(
    /// Where a CDR is in its life cycle.
    CallStatus {
        /// Opened, not finished yet.
        Live = "live",
        /// Finished normally; the CDR and events are complete.
        Completed = "completed",
        /// Cut by a crash or kill; closed at the next start-up.
        Interrupted = "interrupted",
    }
);

text_enum!(
    /// How a call ended, from the business's point of view.
    Disposition {
        /// Someone (agent, scenario, customer on an outbound call) answered.
        Answered = "answered",
        /// Nobody answered before the caller gave up or the ring timed out.
        NoAnswer = "no_answer",
        /// The destination was busy.
        Busy = "busy",
        /// The caller hung up while waiting in a queue.
        Abandoned = "abandoned",
        /// The caller left a voicemail.
        Voicemail = "voicemail",
        /// The call came outside working hours.
        AfterHours = "after_hours",
        /// The call failed (trunk error, scenario and fallback failure).
        Failed = "failed",
        /// Cut by a crash; set by [`Store::close_interrupted`](crate::Store::close_interrupted).
        Interrupted = "interrupted",
    }
);

impl Disposition {
    /// Whether an inbound call that ended like this puts the caller on the missed-call list.
    pub fn is_missed(self) -> bool {
        !matches!(self, Disposition::Answered)
    }
}

text_enum!(
    /// Which side hung up.
    HangupSide {
        /// The calling party.
        Caller = "caller",
        /// The called party.
        Callee = "callee",
        /// The platform (scenario ended, timeout, shutdown).
        System = "system",
    }
);

/// What is known when a call starts ([`Store::open_call`](crate::Store::open_call)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCall {
    /// Platform-unique id chosen by the call controller.
    pub id: CallId,
    /// Inbound or outbound.
    pub direction: Direction,
    /// The calling number as presented.
    pub from: String,
    /// The called number as presented.
    pub to: String,
    /// The tenant's number involved: the one dialled (inbound) or the caller id used
    /// (outbound). Stored normalised.
    pub dialed: String,
    /// Marketing source or campaign (tracking number, widget, campaign id).
    pub source: Option<String>,
    /// When the call started.
    pub start: UnixMs,
    /// The scenario (component name) running the call.
    pub scenario: Option<String>,
    /// The content hash of the component version running the call.
    pub component_hash: Option<String>,
}

/// What is known when a call ends ([`Store::finish_call`](crate::Store::finish_call)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallEnd {
    /// When the call was answered, if it was.
    pub answer: Option<UnixMs>,
    /// When the caller was first connected to a person (a queue agent, a dialled party, a
    /// backup number), if they were; waits and talk time are measured to this.
    pub connected: Option<UnixMs>,
    /// When the call ended.
    pub end: UnixMs,
    /// How it ended.
    pub disposition: Disposition,
    /// The SIP or internal cause (`487 Request Terminated`, `guest trap`).
    pub hangup_cause: Option<String>,
    /// Which side hung up.
    pub hangup_side: Option<HangupSide>,
    /// The queue the call went through, if any.
    pub queue: Option<String>,
    /// The agent who handled it, if any.
    pub agent: Option<UserId>,
    /// The recording of the call, if any.
    pub recording: Option<RecordingId>,
    /// Labels set by the scenario or an agent.
    pub tags: Vec<String>,
}

/// One entry of a call's timeline, as written at hang-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallEvent {
    /// Order within the call, chosen by the recorder of the timeline; unique per call.
    pub seq: u32,
    /// When it happened.
    pub at: UnixMs,
    /// What happened (`ringing`, `answered`, `dtmf`, `enqueued`, `bridged`, ...).
    pub kind: String,
    /// Kind-specific details.
    pub detail: serde_json::Value,
}

/// A call record (CDR), live or finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    /// Platform-unique id.
    pub id: CallId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// Live, completed or interrupted.
    pub status: CallStatus,
    /// The node that ran the call.
    pub node: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// The calling number as presented.
    pub from: String,
    /// The called number as presented.
    pub to: String,
    /// The tenant's number involved, normalised.
    pub dialed: String,
    /// The outside party's number, normalised: the key to the customer card.
    pub customer_number: String,
    /// Marketing source or campaign.
    pub source: Option<String>,
    /// When the call started.
    pub start: UnixMs,
    /// When it was answered (by the host's scenario or by a person).
    pub answer: Option<UnixMs>,
    /// When the caller was first connected to a person, if they were.
    pub connected: Option<UnixMs>,
    /// When it ended (`None` while live and for interrupted calls, whose end is unknown).
    pub end: Option<UnixMs>,
    /// End minus start, in milliseconds (0 until finished).
    pub duration_ms: i64,
    /// End minus the connection to a person, else minus the answer, in milliseconds (0 if
    /// never answered).
    pub talk_ms: i64,
    /// How it ended (`None` while live).
    pub disposition: Option<Disposition>,
    /// The hang-up cause.
    pub hangup_cause: Option<String>,
    /// Which side hung up.
    pub hangup_side: Option<HangupSide>,
    /// The scenario that ran the call.
    pub scenario: Option<String>,
    /// The component version's content hash.
    pub component_hash: Option<String>,
    /// The queue the call went through.
    pub queue: Option<String>,
    /// The agent who handled it.
    pub agent: Option<UserId>,
    /// Its recording.
    pub recording: Option<RecordingId>,
    /// Its tags, sorted.
    pub tags: Vec<String>,
}

pub(crate) const CALL_COLUMNS: &str = "id, tenant_id, status, node, direction, from_number, to_number, dialed, \
     customer_number, source, start_ms, answer_ms, connected_ms, end_ms, duration_ms, talk_ms, disposition, \
     hangup_cause, hangup_side, scenario, component_hash, queue, agent_id, recording_id";

/// Reads a call row; tags are filled in separately.
pub(crate) fn call_from_row(row: &AnyRow) -> Result<Call> {
    let optional_text = |name: &str| col::<Option<String>>(row, name);
    Ok(Call {
        id: CallId(col(row, "id")?),
        tenant_id: TenantId(col(row, "tenant_id")?),
        status: CallStatus::parse(&col::<String>(row, "status")?)?,
        node: col(row, "node")?,
        direction: Direction::parse(&col::<String>(row, "direction")?)?,
        from: col(row, "from_number")?,
        to: col(row, "to_number")?,
        dialed: col(row, "dialed")?,
        customer_number: col(row, "customer_number")?,
        source: optional_text("source")?,
        start: UnixMs(col(row, "start_ms")?),
        answer: col::<Option<i64>>(row, "answer_ms")?.map(UnixMs),
        connected: col::<Option<i64>>(row, "connected_ms")?.map(UnixMs),
        end: col::<Option<i64>>(row, "end_ms")?.map(UnixMs),
        duration_ms: col(row, "duration_ms")?,
        talk_ms: col(row, "talk_ms")?,
        disposition: optional_text("disposition")?
            .as_deref()
            .map(Disposition::parse)
            .transpose()?,
        hangup_cause: optional_text("hangup_cause")?,
        hangup_side: optional_text("hangup_side")?
            .as_deref()
            .map(HangupSide::parse)
            .transpose()?,
        scenario: optional_text("scenario")?,
        component_hash: optional_text("component_hash")?,
        queue: optional_text("queue")?,
        agent: col::<Option<i64>>(row, "agent_id")?.map(UserId),
        recording: optional_text("recording_id")?.map(RecordingId),
        tags: Vec::new(),
    })
}

impl NewCall {
    pub(crate) fn validate(&self) -> Result<()> {
        require_text("call id", &self.id.0, MAX_CALL_ID_LEN)?;
        require_text("dialed number", &self.dialed, MAX_NAME_LEN)?;
        Ok(())
    }

    /// The outside party's number as presented.
    pub(crate) fn customer_raw(&self) -> &str {
        match self.direction {
            Direction::Inbound => &self.from,
            Direction::Outbound => &self.to,
        }
    }
}

impl CallEnd {
    pub(crate) fn validated_tags(&self) -> Result<BTreeSet<&str>> {
        if self.tags.len() > MAX_TAGS_PER_CALL {
            return Err(StoreError::Invalid(format!(
                "more than {MAX_TAGS_PER_CALL} tags"
            )));
        }
        for tag in &self.tags {
            require_text("tag", tag, MAX_NAME_LEN)?;
        }
        if self.disposition == Disposition::Interrupted {
            return Err(StoreError::Invalid(
                "only recovery marks a call interrupted".into(),
            ));
        }
        Ok(self.tags.iter().map(String::as_str).collect())
    }
}

pub(crate) fn validate_events(events: &[CallEvent]) -> Result<()> {
    if events.len() > MAX_EVENTS_PER_CALL {
        return Err(StoreError::Invalid(format!(
            "more than {MAX_EVENTS_PER_CALL} call events"
        )));
    }
    for event in events {
        require_text("call event kind", &event.kind, MAX_NAME_LEN)?;
    }
    Ok(())
}
