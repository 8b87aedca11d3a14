//! `play`: prompts with optional barge-in.

use wasmphony_engine::api::{CallError, Prompt};

use super::SipCall;
use super::wake::Wake;
use crate::prompts::playlist;

impl SipCall {
    /// Plays `prompts`; with barge-in, the first key stops playback and is returned.
    /// Playing before the answer answers the call (no early media yet).
    pub(super) async fn play_prompts(
        &mut self,
        prompts: &[Prompt],
        barge_in: bool,
    ) -> Result<Option<String>, CallError> {
        let items = playlist(&self.prompts, prompts).await?;
        self.answer_call().await?;
        if barge_in && let Some(key) = self.type_ahead.pop_front() {
            return Ok(Some(key.as_char().to_string()));
        }
        if items.is_empty() {
            return Ok(None);
        }
        self.start_play(items, barge_in).await?;
        loop {
            match self.next_wake(None).await {
                Wake::Digit(key) if barge_in => {
                    self.finish_play().await;
                    return Ok(Some(key.as_char().to_string()));
                }
                Wake::Digit(key) => self.keep_type_ahead(key),
                Wake::PlayEnded => return Ok(None),
                Wake::Gone => return Err(self.caller_left()),
                Wake::Deadline | Wake::Silence => {}
            }
        }
    }
}
