//! A controller's call, as the store keeps it: the opening row, the end, and a
//! timeline of events built from what the call's book recorded.

use std::time::{SystemTime, UNIX_EPOCH};

use wasmphony_controller::{
    CallDirection, CallRecord, CallStart, Disposition as CallOutcome, HangupSide as Side,
};
use wasmphony_store::{
    CallEnd, CallEvent, CallId, Direction, Disposition, HangupSide, MAX_TAGS_PER_CALL, NewCall,
    Recording, RecordingId, TenantId, UnixMs, UserId,
};

/// What the recorder writes.
const RECORDING_CONTENT_TYPE: &str = "audio/wav";

/// SIP statuses that mean "busy" when the host refuses a call with them.
const BUSY_STATUSES: [u16; 2] = [486, 600];

/// Milliseconds since the epoch; a clock before 1970 reads as 0.
pub(crate) fn unix_ms(at: SystemTime) -> UnixMs {
    let millis = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    UnixMs(i64::try_from(millis).unwrap_or(i64::MAX))
}

/// The CDR opened when a call is admitted.
pub(crate) fn new_call(start: &CallStart) -> NewCall {
    NewCall {
        id: CallId(start.call_id.clone()),
        direction: match start.direction {
            CallDirection::Inbound => Direction::Inbound,
            CallDirection::Outbound => Direction::Outbound,
        },
        from: start.from.clone(),
        to: start.to.clone(),
        dialed: start.dialed.clone(),
        source: start.source.clone(),
        start: unix_ms(start.started_at),
        scenario: Some(start.scenario.clone()),
        component_hash: Some(start.component_hash.clone()),
    }
}

/// The opening of a call known only from its final record (its start was not journalled).
pub(crate) fn new_call_from_record(record: &CallRecord) -> NewCall {
    new_call(&CallStart {
        call_id: record.call_id.clone(),
        tenant: record.tenant.clone(),
        scenario: record.scenario.clone(),
        component_hash: record.component_hash.clone(),
        from: record.from.clone(),
        to: record.to.clone(),
        dialed: record.dialed.clone(),
        direction: record.direction,
        source: record.source.clone(),
        started_at: record.started_at,
    })
}

/// How the store classifies the controller's outcome.
///
/// `abandoned` is kept for callers who gave up waiting in a queue (the controller's
/// [`CallOutcome::QueueAbandoned`]: the host had answered them for hold music, yet no
/// agent took the call), which is what the reports' abandonment rate counts. A caller
/// who hangs up before the host answers at all (CANCEL) is `no_answer`, like a call the
/// host placed that nobody picked up.
pub(crate) fn disposition(record: &CallRecord) -> Disposition {
    match record.disposition {
        CallOutcome::Answered => Disposition::Answered,
        CallOutcome::QueueAbandoned => Disposition::Abandoned,
        CallOutcome::Voicemail => Disposition::Voicemail,
        // The caller gave up before anyone answered.
        CallOutcome::Abandoned | CallOutcome::NoAnswer => Disposition::NoAnswer,
        CallOutcome::Rejected(status) if BUSY_STATUSES.contains(&status) => Disposition::Busy,
        CallOutcome::Rejected(_) => Disposition::Failed,
    }
}

/// The end of the CDR; `agent` is the user whose extension the record names as the
/// queue agent who took the call (the journal looks it up).
pub(crate) fn call_end(record: &CallRecord, agent: Option<UserId>) -> CallEnd {
    let hangup_cause = match (&record.failure, &record.disposition) {
        (Some(failure), _) => Some(failure.clone()),
        (None, CallOutcome::Rejected(status)) => Some(format!("refused with {status}")),
        (None, _) => None,
    };
    CallEnd {
        answer: record.answered_at.map(unix_ms),
        connected: record.connected_at.map(unix_ms),
        end: unix_ms(record.ended_at),
        disposition: disposition(record),
        hangup_cause,
        hangup_side: Some(match record.hangup_side {
            Side::Caller => HangupSide::Caller,
            Side::Host => HangupSide::System,
            Side::Callee => HangupSide::Callee,
        }),
        queue: record.queue.clone(),
        agent,
        recording: record.recording.clone().map(RecordingId),
        tags: record
            .tags
            .iter()
            .take(MAX_TAGS_PER_CALL)
            .cloned()
            .collect(),
    }
}

/// The call's recordings as the store registers them with its end. A recording still
/// running when the call ended lasted until the end.
pub(crate) fn recordings(record: &CallRecord, tenant: TenantId) -> Vec<Recording> {
    record
        .recordings
        .iter()
        .map(|take| {
            let length = take.length.unwrap_or_else(|| {
                record
                    .ended_at
                    .duration_since(take.started_at)
                    .unwrap_or_default()
            });
            Recording {
                id: RecordingId(take.id.clone()),
                tenant_id: tenant,
                call_id: CallId(record.call_id.clone()),
                path: take.path.clone(),
                content_type: RECORDING_CONTENT_TYPE.to_string(),
                duration_ms: i64::try_from(length.as_millis()).unwrap_or(i64::MAX),
                created: unix_ms(take.started_at + length),
            }
        })
        .collect()
}

/// The call's timeline: start, answer, connection to a person, variables, log lines, recordings, failure,
/// fallback, end, in that order (a recording carries its start; the book keeps no times
/// for the other middle ones, so they carry the end time).
pub(crate) fn events(record: &CallRecord) -> Vec<CallEvent> {
    let end = unix_ms(record.ended_at);
    let mut timeline: Vec<(UnixMs, &str, serde_json::Value)> = vec![(
        unix_ms(record.started_at),
        "started",
        serde_json::json!({ "scenario": record.scenario, "component_hash": record.component_hash }),
    )];
    if let Some(answered) = record.answered_at {
        timeline.push((unix_ms(answered), "answered", serde_json::Value::Null));
    }
    if let Some(connected) = record.connected_at {
        let with = serde_json::json!({ "agent": record.agent });
        timeline.push((unix_ms(connected), "connected", with));
    }
    for (name, value) in &record.vars {
        timeline.push((
            end,
            "var",
            serde_json::json!({ "name": name, "value": value }),
        ));
    }
    for line in &record.log {
        timeline.push((end, "log", serde_json::json!({ "line": line })));
    }
    for recording in &record.recordings {
        timeline.push((
            unix_ms(recording.started_at),
            "recording",
            serde_json::json!({ "id": recording.id }),
        ));
    }
    if let Some(failure) = &record.failure {
        timeline.push((
            end,
            "guest-failure",
            serde_json::json!({ "reason": failure }),
        ));
    }
    if let Some(fallback) = &record.fallback {
        timeline.push((end, "fallback", serde_json::json!({ "outcome": fallback })));
    }
    timeline.push((
        end,
        "ended",
        serde_json::json!({ "side": format!("{:?}", record.hangup_side).to_lowercase() }),
    ));
    timeline
        .into_iter()
        .zip(0u32..)
        .map(|((at, kind, detail), seq)| CallEvent {
            seq,
            at,
            kind: kind.to_string(),
            detail,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn record(outcome: CallOutcome) -> CallRecord {
        let start = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        CallRecord {
            call_id: "c1".into(),
            tenant: "demo".into(),
            scenario: "ivr-menu".into(),
            component_hash: "ab".into(),
            from: "+359888000111".into(),
            to: "+35924001000".into(),
            dialed: "+35924001000".into(),
            direction: CallDirection::Inbound,
            source: None,
            started_at: start,
            answered_at: Some(start + Duration::from_millis(40)),
            connected_at: None,
            ended_at: start + Duration::from_secs(5),
            disposition: outcome,
            hangup_side: Side::Caller,
            tags: (0..40).map(|i| format!("t{i}")).collect(),
            vars: vec![("choice".into(), "1".into())],
            log: vec!["hello".into()],
            recordings: vec![],
            recording: None,
            failure: Some("trap: unreachable".into()),
            fallback: Some("Queue: served".into()),
            queue: None,
            agent: None,
        }
    }

    #[test]
    fn outcomes_map_to_dispositions() {
        assert_eq!(
            disposition(&record(CallOutcome::Answered)),
            Disposition::Answered
        );
        assert_eq!(
            disposition(&record(CallOutcome::Abandoned)),
            Disposition::NoAnswer,
            "gone before the host answered"
        );
        assert_eq!(
            disposition(&record(CallOutcome::NoAnswer)),
            Disposition::NoAnswer
        );
        assert_eq!(
            disposition(&record(CallOutcome::QueueAbandoned)),
            Disposition::Abandoned,
            "gave up waiting in a queue, though the host had answered"
        );
        assert_eq!(
            disposition(&record(CallOutcome::Voicemail)),
            Disposition::Voicemail,
            "left a message: on the missed-call list"
        );
        assert!(disposition(&record(CallOutcome::Voicemail)).is_missed());
        assert_eq!(
            disposition(&record(CallOutcome::Rejected(486))),
            Disposition::Busy
        );
        assert_eq!(
            disposition(&record(CallOutcome::Rejected(503))),
            Disposition::Failed
        );
    }

    #[test]
    fn the_queue_and_its_agent_go_on_the_end() {
        let mut served = record(CallOutcome::Answered);
        served.queue = Some("bookings".into());
        served.agent = Some("101".into());
        let end = call_end(&served, Some(UserId(7)));
        assert_eq!(end.disposition, Disposition::Answered);
        assert_eq!(end.queue.as_deref(), Some("bookings"));
        assert_eq!(end.agent, Some(UserId(7)));

        let mut gone = record(CallOutcome::QueueAbandoned);
        gone.queue = Some("bookings".into());
        let end = call_end(&gone, None);
        assert_eq!(end.disposition, Disposition::Abandoned);
        assert_eq!(end.queue.as_deref(), Some("bookings"));
        assert_eq!(end.agent, None);
    }

    #[test]
    fn the_end_is_bounded_and_the_timeline_ordered() {
        let record = record(CallOutcome::Answered);
        let end = call_end(&record, None);
        assert_eq!(end.tags.len(), MAX_TAGS_PER_CALL);
        assert_eq!(end.hangup_side, Some(HangupSide::Caller));
        assert_eq!(end.hangup_cause.as_deref(), Some("trap: unreachable"));
        assert_eq!(end.answer, Some(UnixMs(1_700_000_000_040)));
        let kinds: Vec<_> = events(&record).into_iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                "started",
                "answered",
                "var",
                "log",
                "guest-failure",
                "fallback",
                "ended"
            ]
        );
    }

    #[test]
    fn recordings_are_registered_with_their_length() {
        let mut record = record(CallOutcome::Voicemail);
        let start = record.started_at;
        record.recordings = vec![
            wasmphony_controller::CallRecording {
                id: "c1-1".into(),
                path: "demo/c1-1.wav".into(),
                started_at: start + Duration::from_secs(1),
                length: Some(Duration::from_millis(2_500)),
            },
            // Still running when the call ended: it lasted until the end.
            wasmphony_controller::CallRecording {
                id: "c1-2".into(),
                path: "demo/c1-2.wav".into(),
                started_at: start + Duration::from_secs(4),
                length: None,
            },
        ];
        record.recording = Some("c1-1".into());
        let rows = recordings(&record, TenantId(3));
        let summary: Vec<_> = rows
            .iter()
            .map(|r| (r.id.0.as_str(), r.path.as_str(), r.duration_ms, r.created.0))
            .collect();
        assert_eq!(
            summary,
            [
                ("c1-1", "demo/c1-1.wav", 2_500, 1_700_000_003_500),
                ("c1-2", "demo/c1-2.wav", 1_000, 1_700_000_005_000),
            ]
        );
        assert!(rows.iter().all(|r| r.tenant_id == TenantId(3)
            && r.call_id.0 == "c1"
            && r.content_type == "audio/wav"));
        let end = call_end(&record, None);
        assert_eq!(end.disposition, Disposition::Voicemail);
        assert_eq!(end.recording, Some(RecordingId("c1-1".into())));
        let timeline = events(&record);
        let first = timeline.iter().find(|e| e.kind == "recording");
        assert_eq!(first.map(|e| e.at), Some(UnixMs(1_700_000_001_000)));
    }
}
