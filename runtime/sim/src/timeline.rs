//! What happened during a simulated call, in virtual-time order.

use std::fmt;

use crate::time::{Span, VirtualTime};

/// Most events one timeline keeps; later ones are counted, not stored.
pub const MAX_TIMELINE_EVENTS: usize = 20_000;
/// Most guest log lines one timeline keeps (a flooding guest would drown the rest).
pub const MAX_LOG_EVENTS: usize = 100;

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEvent {
    pub at: VirtualTime,
    pub what: Happening,
}

impl fmt::Display for TimelineEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:>8}  {}", self.at.to_string(), self.what)
    }
}

/// Something that happened on a simulated call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Happening {
    CallArrives {
        from: String,
        to: String,
        outbound: bool,
    },
    Answered,
    /// `heard`: an operation was listening for this key.
    CallerPresses {
        key: char,
        heard: bool,
    },
    CallerHangsUp,
    Plays {
        what: String,
        length: Span,
    },
    /// An operation finished: `collect -> "2"`, `dial -> no-answer`.
    Result {
        op: &'static str,
        result: String,
    },
    Records {
        max_seconds: u32,
    },
    Dials {
        targets: Vec<String>,
        strategy: &'static str,
        ring_seconds: u32,
    },
    TargetBusy(String),
    TargetAnswers(String),
    TargetNoAnswer(String),
    /// A bridged conversation ended.
    Conversation {
        with: String,
        talk: Span,
        caller_hung_up: bool,
    },
    Enqueued {
        queue: String,
        max_wait_seconds: u32,
    },
    QueuePosition {
        queue: String,
        position: u32,
    },
    Transfers(String),
    SendsDtmf(String),
    Tag(String),
    SetVar {
        name: String,
        value: String,
    },
    Log {
        level: &'static str,
        message: String,
    },
    RecordCreated {
        id: String,
        kind: String,
        status: String,
    },
    RecordStatus {
        id: String,
        status: String,
    },
    CallbackScheduled {
        id: String,
        number: String,
    },
    Originated {
        id: String,
        to: String,
    },
    ContactSaved(String),
    NoteAdded(String),
    ScenarioHangsUp(&'static str),
    ScenarioReturns,
    GuestFailed(String),
    /// Lines the timeline did not keep.
    Dropped {
        events: usize,
        log_lines: usize,
    },
}

impl fmt::Display for Happening {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Happening::CallArrives {
                from,
                to,
                outbound: false,
            } => {
                write!(f, "call from {from} to {to}")
            }
            Happening::CallArrives {
                from,
                to,
                outbound: true,
            } => {
                write!(f, "outbound call from {from} to {to}, answered")
            }
            Happening::Answered => f.write_str("scenario answers"),
            Happening::CallerPresses { key, heard: true } => write!(f, "caller presses {key}"),
            Happening::CallerPresses { key, heard: false } => {
                write!(f, "caller presses {key} (nobody listens)")
            }
            Happening::CallerHangsUp => f.write_str("caller hangs up"),
            Happening::Plays { what, length } => write!(f, "play {what} ({length})"),
            Happening::Result { op, result } => write!(f, "{op} -> {result}"),
            Happening::Records { max_seconds } => write!(f, "record (at most {max_seconds}s)"),
            Happening::Dials {
                targets,
                strategy,
                ring_seconds,
            } => {
                write!(
                    f,
                    "dial {} {strategy}, ring {ring_seconds}s",
                    targets.join(", ")
                )
            }
            Happening::TargetBusy(target) => write!(f, "{target} is busy"),
            Happening::TargetAnswers(target) => write!(f, "{target} answers; bridged"),
            Happening::TargetNoAnswer(target) => write!(f, "{target} does not answer"),
            Happening::Conversation {
                with,
                talk,
                caller_hung_up: false,
            } => {
                write!(f, "{with} hangs up after {talk} of talk")
            }
            Happening::Conversation {
                with,
                talk,
                caller_hung_up: true,
            } => {
                write!(
                    f,
                    "conversation with {with} ends after {talk}: caller hung up"
                )
            }
            Happening::Enqueued {
                queue,
                max_wait_seconds,
            } => {
                write!(f, "enqueue {queue} (wait at most {max_wait_seconds}s)")
            }
            Happening::QueuePosition { queue, position } => {
                write!(f, "queue {queue} announces position {position}")
            }
            Happening::Transfers(target) => write!(f, "transfer to {target}"),
            Happening::SendsDtmf(digits) => write!(f, "send DTMF {digits}"),
            Happening::Tag(label) => write!(f, "tag {label}"),
            Happening::SetVar { name, value } => write!(f, "set {name} = {value:?}"),
            Happening::Log { level, message } => write!(f, "log {level}: {message}"),
            Happening::RecordCreated { id, kind, status } => {
                write!(f, "record {id} created: {kind} ({status})")
            }
            Happening::RecordStatus { id, status } => write!(f, "record {id} -> {status}"),
            Happening::CallbackScheduled { id, number } => {
                write!(f, "callback {id} scheduled for {number}")
            }
            Happening::Originated { id, to } => write!(f, "outbound call {id} to {to} originated"),
            Happening::ContactSaved(number) => write!(f, "contact card {number} saved"),
            Happening::NoteAdded(contact) => write!(f, "note added to {contact}"),
            Happening::ScenarioHangsUp(cause) => write!(f, "scenario hangs up ({cause})"),
            Happening::ScenarioReturns => f.write_str("scenario returns; the call ends"),
            Happening::GuestFailed(reason) => {
                write!(f, "scenario failed: {reason}; the fallback takes the call")
            }
            Happening::Dropped { events, log_lines } => {
                write!(
                    f,
                    "({events} more events and {log_lines} more log lines not shown)"
                )
            }
        }
    }
}

/// A bounded, append-only list of events.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    events: Vec<TimelineEvent>,
    log_lines: usize,
    dropped_events: usize,
    dropped_log_lines: usize,
}

impl Timeline {
    /// Appends an event, unless a bound is reached.
    pub fn push(&mut self, at: VirtualTime, what: Happening) {
        if matches!(what, Happening::Log { .. }) {
            if self.log_lines >= MAX_LOG_EVENTS {
                self.dropped_log_lines += 1;
                return;
            }
            self.log_lines += 1;
        }
        if self.events.len() >= MAX_TIMELINE_EVENTS {
            self.dropped_events += 1;
            return;
        }
        self.events.push(TimelineEvent { at, what });
    }

    /// The kept events, with a closing line counting what was dropped.
    pub fn finish(mut self, at: VirtualTime) -> Vec<TimelineEvent> {
        if self.dropped_events > 0 || self.dropped_log_lines > 0 {
            self.events.push(TimelineEvent {
                at,
                what: Happening::Dropped {
                    events: self.dropped_events,
                    log_lines: self.dropped_log_lines,
                },
            });
        }
        self.events
    }

    /// The kept events so far.
    pub fn events(&self) -> &[TimelineEvent] {
        &self.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_like_the_cli_prints_them() {
        let event = TimelineEvent {
            at: VirtualTime::from_millis(12_400),
            what: Happening::Result {
                op: "collect",
                result: "\"2\"".into(),
            },
        };
        assert_eq!(event.to_string(), "  12.40s  collect -> \"2\"");
    }

    #[test]
    fn a_log_flood_is_cut_and_counted() {
        let mut timeline = Timeline::default();
        for n in 0..(MAX_LOG_EVENTS + 5) {
            timeline.push(
                VirtualTime::ZERO,
                Happening::Log {
                    level: "info",
                    message: n.to_string(),
                },
            );
        }
        timeline.push(VirtualTime::ZERO, Happening::CallerHangsUp);
        let events = timeline.finish(VirtualTime::ZERO);
        assert_eq!(events.len(), MAX_LOG_EVENTS + 2);
        assert_eq!(events[MAX_LOG_EVENTS].what, Happening::CallerHangsUp);
        assert_eq!(
            events.last().unwrap().what,
            Happening::Dropped {
                events: 0,
                log_lines: 5
            }
        );
    }
}
