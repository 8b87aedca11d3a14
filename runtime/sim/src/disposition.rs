//! How a simulated call ended, derived from what happened (see SIMSCRIPT.md).

use std::fmt;

use serde::Deserialize;

/// The final disposition of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Disposition {
    /// A dial or a queue bridged the caller to someone.
    Answered,
    /// The scenario blind-transferred the call.
    Transferred,
    /// A recording was made and nobody was bridged.
    Voicemail,
    /// A callback was requested or scheduled.
    CallbackRequested,
    /// The caller hung up while targets rang or while waiting in a queue.
    Abandoned,
    /// The caller hung up, or the call ended, without being served.
    Missed,
    /// The scenario served the call itself and ended it.
    Completed,
    /// The guest failed (the fallback ran).
    Failed,
}

impl Disposition {
    /// The script's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Answered => "answered",
            Disposition::Transferred => "transferred",
            Disposition::Voicemail => "voicemail",
            Disposition::CallbackRequested => "callback-requested",
            Disposition::Abandoned => "abandoned",
            Disposition::Missed => "missed",
            Disposition::Completed => "completed",
            Disposition::Failed => "failed",
        }
    }
}

impl fmt::Display for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the disposition is derived from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcomes {
    pub guest_failed: bool,
    pub bridged: bool,
    pub transferred: bool,
    pub recorded: bool,
    pub callback: bool,
    /// The caller hung up while ringing targets or waiting in a queue.
    pub hung_up_waiting: bool,
    /// The caller hung up at any point.
    pub caller_hung_up: bool,
    /// The scenario tried to dial or enqueue and nobody took the call.
    pub tried_to_connect: bool,
}

impl Outcomes {
    /// The first rule that applies, in SIMSCRIPT.md's order.
    pub fn disposition(&self) -> Disposition {
        if self.guest_failed {
            Disposition::Failed
        } else if self.bridged {
            Disposition::Answered
        } else if self.transferred {
            Disposition::Transferred
        } else if self.recorded {
            Disposition::Voicemail
        } else if self.callback {
            Disposition::CallbackRequested
        } else if self.hung_up_waiting {
            Disposition::Abandoned
        } else if self.caller_hung_up || self.tried_to_connect {
            Disposition::Missed
        } else {
            Disposition::Completed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_apply_in_order() {
        let base = Outcomes::default();
        assert_eq!(base.disposition(), Disposition::Completed);
        assert_eq!(
            Outcomes {
                caller_hung_up: true,
                ..base
            }
            .disposition(),
            Disposition::Missed
        );
        assert_eq!(
            Outcomes {
                tried_to_connect: true,
                ..base
            }
            .disposition(),
            Disposition::Missed
        );
        let abandoned = Outcomes {
            caller_hung_up: true,
            hung_up_waiting: true,
            ..base
        };
        assert_eq!(abandoned.disposition(), Disposition::Abandoned);
        let voicemail = Outcomes {
            recorded: true,
            caller_hung_up: true,
            ..base
        };
        assert_eq!(voicemail.disposition(), Disposition::Voicemail);
        let answered = Outcomes {
            bridged: true,
            recorded: true,
            ..base
        };
        assert_eq!(answered.disposition(), Disposition::Answered);
        let failed = Outcomes {
            guest_failed: true,
            recorded: true,
            ..base
        };
        assert_eq!(failed.disposition(), Disposition::Failed);
    }
}
