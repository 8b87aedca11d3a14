//! The result of running one script.

use std::path::PathBuf;

use wasmphony_engine::api::RecordData;
use wasmphony_engine::{ContentHash, FallbackOutcome, ScenarioFailure};

use crate::check::UnmetExpectation;
use crate::disposition::Disposition;
use crate::journal::Facts;
use crate::time::VirtualTime;
use crate::timeline::TimelineEvent;

/// What a simulated call did and whether its script's expectations held.
#[derive(Debug, Clone)]
pub struct SimReport {
    /// The script's name.
    pub name: String,
    pub script: PathBuf,
    /// The component that ran.
    pub component_hash: ContentHash,
    pub timeline: Vec<TimelineEvent>,
    /// Why the guest stopped early, if it did.
    pub failure: Option<ScenarioFailure>,
    /// What the route's fallback achieved, when it ran.
    pub fallback: Option<FallbackOutcome>,
    pub disposition: Disposition,
    pub facts: Facts,
    /// Records the scenario created.
    pub records: Vec<RecordData>,
    /// Virtual time when the call ended.
    pub ended_at: VirtualTime,
    /// Real time the call took to simulate (instantiation included, compilation not).
    pub real_time: std::time::Duration,
    /// Empty when the script passed.
    pub unmet: Vec<UnmetExpectation>,
}

impl SimReport {
    /// Every expectation held (an unexpected guest failure is an unmet one).
    pub fn passed(&self) -> bool {
        self.unmet.is_empty()
    }
}

/// A guest failure reason on one line: wasmtime's multi-line backtraces are
/// cut to their first line and the trap message at their end.
pub fn one_line_reason(reason: &str) -> String {
    let mut lines = reason.lines();
    let first = lines.next().unwrap_or_default();
    let Some(last) = lines.last() else {
        return reason.to_string();
    };
    let head = first
        .trim_end_matches("error while executing at wasm backtrace:")
        .trim_end();
    let tail = last
        .rsplit_once(">: ")
        .map_or(last.trim(), |(_, message)| message);
    format!("{head} {tail}")
}

#[cfg(test)]
mod tests {
    use super::one_line_reason;

    #[test]
    fn backtraces_are_cut_to_the_trap_message() {
        let reason = "guest trapped: error while executing at wasm backtrace:\n    0:   0x38da - <unknown>!<wasm function 57>\n    1:   0x3950 - <unknown>!<wasm function 59>: wasm trap: wasm `unreachable` instruction executed";
        assert_eq!(
            one_line_reason(reason),
            "guest trapped: wasm trap: wasm `unreachable` instruction executed"
        );
        assert_eq!(
            one_line_reason("guest returned an error: no"),
            "guest returned an error: no"
        );
    }
}
