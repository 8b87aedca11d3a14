//! Recording the caller on the virtual clock.

use wasmphony_engine::api::{CallError, RecordOptions};

use super::{SimCall, Wake};
use crate::durations::BEEP_MS;
use crate::journal::bounded_push;
use crate::time::Span;
use crate::timeline::Happening;

impl SimCall {
    /// Records until `max_seconds`, a terminator key, or the caller hanging
    /// up; in every case the recording is kept and its id returned (the
    /// simulated caller never falls silent, so `silence_seconds` never ends it).
    pub(crate) async fn sim_record(
        &mut self,
        options: &RecordOptions,
    ) -> Result<String, CallError> {
        self.ensure_connected()?;
        if options.beep
            && let Err(error) = self.pass(Span::from_millis(BEEP_MS)).await
        {
            return self.failed("record", error);
        }
        self.journal.note(Happening::Records {
            max_seconds: options.max_seconds,
        });
        let start = self.clock();
        let deadline = start.after(Span::from_secs(u64::from(options.max_seconds)));
        let terminators = options.terminators.clone();
        let why = match self
            .wait_until(deadline, |key| terminators.contains(key))
            .await
        {
            Wake::Key(key) => format!("caller pressed {key}"),
            Wake::CallerHungUp => "caller hung up".to_string(),
            Wake::Deadline => "maximum length".to_string(),
        };
        self.recordings += 1;
        let id = format!("rec-{}", self.recordings);
        let length = self.clock().since(start);
        self.result("record", format!("{id} ({length}, {why})"));
        self.journal.with_facts(|facts| {
            bounded_push(&mut facts.recordings, id.clone());
            facts.outcomes.recorded = true;
        });
        Ok(id)
    }
}
