//! What one call keeps for its record while it runs: times, tags, variables,
//! log lines, recordings and how it ended. Shared between the call's
//! [`crate::sip_call::SipCall`] (which writes it) and the call task (which
//! turns it into a [`CallRecord`] once the call is over).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;

use crate::call_record::{CallDirection, CallRecord, CallRecording, Disposition, HangupSide};
use crate::journal::CallStart;
use crate::limits::{MAX_LOG_LINES, MAX_TAGS, MAX_VARS};

/// The call's bookkeeping.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallBook {
    pub(crate) answered_at: Option<SystemTime>,
    /// When the caller was first bridged to a person.
    pub(crate) connected_at: Option<SystemTime>,
    pub(crate) ended_at: Option<SystemTime>,
    pub(crate) ended_by: Option<HangupSide>,
    /// Final status we sent instead of answering.
    pub(crate) rejected_with: Option<u16>,
    pub(crate) tags: Vec<String>,
    pub(crate) vars: Vec<(String, String)>,
    pub(crate) log: Vec<String>,
    /// The call's recordings, in the order they started.
    pub(crate) recordings: Vec<CallRecording>,
    /// The id of the recording that is the caller's voicemail, once the call left one.
    pub(crate) voicemail: Option<String>,
    pub(crate) failure: Option<String>,
    /// The last queue the caller joined.
    pub(crate) queue: Option<String>,
    /// The extension of the queue agent bridged to the caller.
    pub(crate) agent: Option<String>,
    /// An agent or the queue's backup number was bridged to the caller.
    pub(crate) queue_served: bool,
    /// The caller hung up while waiting in a queue (or while its agents or backup rang).
    pub(crate) queue_abandoned: bool,
}

/// A call's book, shared by the call and its task.
pub(crate) type SharedBook = Arc<Mutex<CallBook>>;

impl CallBook {
    pub(crate) fn add_tag(&mut self, tag: String) {
        if self.tags.len() < MAX_TAGS && !self.tags.contains(&tag) {
            self.tags.push(tag);
        }
    }

    pub(crate) fn set_var(&mut self, name: String, value: String) {
        if let Some(slot) = self.vars.iter_mut().find(|(n, _)| *n == name) {
            slot.1 = value;
        } else if self.vars.len() < MAX_VARS {
            self.vars.push((name, value));
        }
    }

    pub(crate) fn get_var(&self, name: &str) -> Option<String> {
        self.vars
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    pub(crate) fn add_log(&mut self, line: String) {
        if self.log.len() < MAX_LOG_LINES {
            self.log.push(line);
        }
    }

    /// Marks the end once; the first side to end the call wins.
    pub(crate) fn end(&mut self, side: HangupSide) {
        if self.ended_by.is_none() {
            self.ended_by = Some(side);
            self.ended_at = Some(SystemTime::now());
        }
    }

    /// The caller joined `queue` (the last one wins: an overflow moves them on).
    pub(crate) fn joined_queue(&mut self, queue: &str) {
        self.queue = Some(queue.to_string());
    }

    /// A queue agent (`Some(extension)`) or the queue's backup number (`None`) was
    /// bridged to the caller.
    pub(crate) fn served_from_queue(&mut self, agent: Option<String>) {
        self.queue_served = true;
        if agent.is_some() {
            self.agent = agent;
        }
    }

    /// The caller hung up while waiting in a queue.
    pub(crate) fn abandoned_queue(&mut self) {
        self.queue_abandoned = true;
    }

    /// The caller was bridged to a person; the first bridge is when they reached one.
    pub(crate) fn connected(&mut self, at: SystemTime) {
        self.connected_at.get_or_insert(at);
    }

    /// A recording started.
    pub(crate) fn recording_started(&mut self, recording: CallRecording) {
        self.recordings.push(recording);
    }

    /// Recording `id` ended after `length`.
    pub(crate) fn recording_ended(&mut self, id: &str, length: Duration) {
        if let Some(recording) = self.recordings.iter_mut().find(|r| r.id == id) {
            recording.length = Some(length);
        }
    }

    /// The call's main recording: the voicemail message, else the last recording.
    pub(crate) fn main_recording(&self) -> Option<String> {
        self.voicemail
            .clone()
            .or_else(|| self.recordings.last().map(|r| r.id.clone()))
    }

    /// How the call ended. A call that left a voicemail is [`Disposition::Voicemail`],
    /// whatever else happened: nobody took it. The rule for queues: a caller who hung up while waiting in a
    /// queue and was never bridged to an agent or the queue's backup on this call is
    /// [`Disposition::QueueAbandoned`], although the host answered them (hold music). A
    /// caller the queue served, one who asked for a callback (their place is kept), one
    /// handed back to the scenario (voicemail, self-ordering) and a call that never
    /// reached a queue keep the ordinary rule: answered when the host answered.
    pub(crate) fn disposition(&self) -> Disposition {
        if self.voicemail.is_some() {
            return Disposition::Voicemail;
        }
        if self.queue_abandoned && !self.queue_served {
            return Disposition::QueueAbandoned;
        }
        match (self.answered_at, self.rejected_with, self.ended_by) {
            (Some(_), _, _) => Disposition::Answered,
            (None, Some(status), _) => Disposition::Rejected(status),
            (None, None, _) => Disposition::Abandoned,
        }
    }
}

/// The identity of a call, fixed when the INVITE arrives.
#[derive(Debug, Clone)]
pub(crate) struct CallIdentity {
    pub(crate) call_id: String,
    pub(crate) tenant: String,
    pub(crate) scenario: String,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) dialed: String,
    pub(crate) started_at: SystemTime,
}

impl CallIdentity {
    /// What the journal learns when the call is admitted.
    pub(crate) fn start(&self, component_hash: String) -> CallStart {
        CallStart {
            call_id: self.call_id.clone(),
            tenant: self.tenant.clone(),
            scenario: self.scenario.clone(),
            component_hash,
            from: self.from.clone(),
            to: self.to.clone(),
            dialed: self.dialed.clone(),
            direction: CallDirection::Inbound,
            source: None,
            started_at: self.started_at,
        }
    }

    /// The record of the finished call.
    pub(crate) fn record(
        &self,
        book: &CallBook,
        component_hash: String,
        fallback: Option<String>,
    ) -> CallRecord {
        CallRecord {
            call_id: self.call_id.clone(),
            tenant: self.tenant.clone(),
            scenario: self.scenario.clone(),
            component_hash,
            from: self.from.clone(),
            to: self.to.clone(),
            dialed: self.dialed.clone(),
            direction: CallDirection::Inbound,
            source: None,
            started_at: self.started_at,
            answered_at: book.answered_at,
            connected_at: book.connected_at,
            ended_at: book.ended_at.unwrap_or_else(SystemTime::now),
            disposition: book.disposition(),
            hangup_side: book.ended_by.unwrap_or(HangupSide::Host),
            tags: book.tags.clone(),
            vars: book.vars.clone(),
            log: book.log.clone(),
            recordings: book.recordings.clone(),
            recording: book.main_recording(),
            failure: book.failure.clone(),
            fallback,
            queue: book.queue.clone(),
            agent: book.agent.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_vars_are_bounded_and_deduplicated() {
        let mut book = CallBook::default();
        for i in 0..(MAX_TAGS * 2) {
            book.add_tag(format!("t{i}"));
            book.add_tag(format!("t{i}"));
        }
        assert_eq!(book.tags.len(), MAX_TAGS);
        book.set_var("a".into(), "1".into());
        book.set_var("a".into(), "2".into());
        assert_eq!(book.get_var("a").as_deref(), Some("2"));
        assert_eq!(book.vars.len(), 1);
    }

    #[test]
    fn first_side_to_end_wins() {
        let mut book = CallBook::default();
        book.end(HangupSide::Caller);
        book.end(HangupSide::Host);
        assert_eq!(book.ended_by, Some(HangupSide::Caller));
        assert_eq!(book.disposition(), Disposition::Abandoned);
        book.answered_at = Some(SystemTime::now());
        assert_eq!(book.disposition(), Disposition::Answered);
    }

    /// A call the host answered (an IVR playing hold music).
    fn answered_book() -> CallBook {
        CallBook {
            answered_at: Some(SystemTime::now()),
            ..CallBook::default()
        }
    }

    #[test]
    fn a_caller_who_hangs_up_waiting_in_a_queue_abandoned_it() {
        let mut book = answered_book();
        book.joined_queue("sales");
        book.joined_queue("bookings");
        book.abandoned_queue();
        book.end(HangupSide::Caller);
        assert_eq!(book.disposition(), Disposition::QueueAbandoned);
        assert_eq!(book.queue.as_deref(), Some("bookings"), "the last queue");
        assert_eq!(book.agent, None);
    }

    #[test]
    fn a_caller_the_queue_served_was_answered() {
        let mut book = answered_book();
        book.joined_queue("bookings");
        book.served_from_queue(Some("101".into()));
        assert_eq!(book.disposition(), Disposition::Answered);
        assert_eq!(book.agent.as_deref(), Some("101"));
        // Served, then back in a queue (the scenario enqueued again) and gone: the
        // caller was served on this call.
        book.abandoned_queue();
        assert_eq!(book.disposition(), Disposition::Answered);

        let mut backup = answered_book();
        backup.joined_queue("bookings");
        backup.served_from_queue(None);
        assert_eq!(backup.disposition(), Disposition::Answered);
        assert_eq!(backup.agent, None, "a backup number is no agent");
    }

    #[test]
    fn queues_left_otherwise_keep_the_ordinary_rule() {
        // Asked for a callback, or handed back to the scenario: answered by the host.
        let mut book = answered_book();
        book.joined_queue("bookings");
        book.end(HangupSide::Host);
        assert_eq!(book.disposition(), Disposition::Answered);
        // An IVR call that never reached a queue.
        let mut ivr = answered_book();
        ivr.end(HangupSide::Caller);
        assert_eq!(ivr.disposition(), Disposition::Answered);
        assert_eq!(ivr.queue, None);
    }

    fn take(id: &str, length: Option<u64>) -> CallRecording {
        CallRecording {
            id: id.into(),
            path: format!("demo/{id}.wav"),
            started_at: SystemTime::UNIX_EPOCH,
            length: length.map(Duration::from_secs),
        }
    }

    #[test]
    fn a_caller_who_left_a_voicemail_was_not_served() {
        let mut book = answered_book();
        book.joined_queue("bookings");
        book.recording_started(take("c1-1", None));
        book.recording_started(take("c1-2", None));
        book.recording_ended("c1-1", Duration::from_secs(4));
        book.recording_ended("unknown", Duration::from_secs(9));
        assert_eq!(book.recordings[0].length, Some(Duration::from_secs(4)));
        assert_eq!(book.recordings[1].length, None, "still running");
        assert_eq!(book.disposition(), Disposition::Answered);
        assert_eq!(book.main_recording().as_deref(), Some("c1-2"), "the last");
        // The message is the main recording, and the call is a voicemail even though the
        // queue overflowed to it after the caller waited.
        book.voicemail = Some("c1-1".into());
        book.abandoned_queue();
        assert_eq!(book.disposition(), Disposition::Voicemail);
        assert_eq!(book.main_recording().as_deref(), Some("c1-1"));
        assert_eq!(CallBook::default().main_recording(), None);
    }
}
