//! `transfer`, as a scenario asks for it: a blind transfer of the caller to a target, after
//! which the call is no longer the scenario's. The host rings the target exactly as a
//! one-target dial would (the dial's resolution, ring time and caller id, so a transfer can
//! reach nothing a dial could not) and bridges the caller to whoever answers. When that
//! conversation ends the caller's side is hung up too — nobody is left to serve it — and
//! every later operation of the scenario returns `hangup`. A target that is busy, does not
//! answer or cannot be reached is the scenario's error, and the caller stays with it (to
//! take a message, say).

use wasmphony_engine::api::{CallError, DialOptions, DialStrategy, DialTarget, HangupCause};

use super::SipCall;
use super::transfer::TRANSFERRED_TAG;

/// Who `transferred_by` names when the scenario, not a phone, transferred the call.
const BY_SCENARIO: &str = "scenario";

impl SipCall {
    pub(super) async fn hand_over(&mut self, target: DialTarget) -> Result<(), CallError> {
        let options = DialOptions {
            targets: vec![target],
            strategy: DialStrategy::Parallel,
            ring_timeout_seconds: 0,
            caller_id: None,
            record: false,
        };
        let outcome = self.dial_targets(&options).await?;
        {
            let mut book = self.book.lock();
            book.add_tag(TRANSFERRED_TAG.to_string());
            book.set_var("transferred_by".into(), BY_SCENARIO.to_string());
            book.set_var("transferred_to".into(), outcome.answered_by.clone());
            book.add_log(format!(
                "transferred by the scenario to {}",
                outcome.answered_by
            ));
        }
        // The scenario has left the call: once its new party is gone, so is the call.
        self.hang_up(HangupCause::Normal).await;
        Ok(())
    }
}
