//! Playing prompts and collecting digits on the virtual clock.

use wasmphony_engine::api::{CallError, CollectOptions, Prompt};

use super::{SimCall, Wake};
use crate::durations::describe;
use crate::journal::bounded_push;
use crate::time::{Span, VirtualTime};
use crate::timeline::Happening;

impl SimCall {
    /// Plays `prompts`; with `barge_in`, any key stops playback and is returned.
    pub(crate) async fn sim_play(
        &mut self,
        prompts: &[Prompt],
        barge_in: bool,
    ) -> Result<Option<char>, CallError> {
        self.ensure_connected()?;
        let start = self.clock();
        let starts = self.prompt_starts(prompts, start);
        let end = starts.last().map_or(start, |(_, at)| *at);
        self.journal.note(Happening::Plays {
            what: describe(prompts),
            length: end.since(start),
        });
        let wake = self.wait_until(end, |_| barge_in).await;
        // A prompt counts as played once it started.
        let reached = self.clock();
        self.journal.with_facts(|facts| {
            for (index, prompt) in prompts.iter().enumerate() {
                let began = starts[index].0;
                if let Prompt::File(name) = prompt
                    && (index == 0 || began < reached)
                {
                    bounded_push(&mut facts.prompts, (began, name.clone()));
                }
            }
        });
        match wake {
            Wake::Key(key) => Ok(Some(key)),
            Wake::CallerHungUp => Err(CallError::Hangup),
            Wake::Deadline => Ok(None),
        }
    }

    /// (start, end) of each prompt, played back to back from `start`.
    fn prompt_starts(
        &self,
        prompts: &[Prompt],
        start: VirtualTime,
    ) -> Vec<(VirtualTime, VirtualTime)> {
        let mut at = start;
        let mut spans = Vec::with_capacity(prompts.len() + 1);
        for prompt in prompts {
            let end = at.after(self.durations.of(prompt));
            spans.push((at, end));
            at = end;
        }
        // A sentinel so an empty list still yields its end.
        spans.push((at, at));
        spans
    }

    /// The collect rules of SIMSCRIPT.md: the prompt is interruptible, then
    /// the first digit must come within the first-digit timeout, each next
    /// one within the inter-digit timeout; a terminator or `max_digits` ends
    /// input; fewer than `min_digits` is a timeout.
    pub(crate) async fn sim_collect(
        &mut self,
        options: &CollectOptions,
    ) -> Result<String, CallError> {
        let mut digits = String::new();
        let played = if options.prompt.is_empty() {
            self.ensure_connected().map(|()| None)
        } else {
            self.sim_play(&options.prompt, true).await
        };
        let mut next = match played {
            Ok(key) => key,
            Err(error) => return self.failed("collect", error),
        };
        if next.is_none() {
            let deadline = self
                .clock()
                .after(Span::from_millis(u64::from(options.first_digit_timeout_ms)));
            next = match self.wait_until(deadline, |_| true).await {
                Wake::Key(key) => Some(key),
                Wake::CallerHungUp => return self.failed("collect", CallError::Hangup),
                Wake::Deadline => None,
            };
        }
        while let Some(key) = next {
            if options.terminators.contains(key) {
                break;
            }
            digits.push(key);
            if digits.len() >= usize::from(options.max_digits) {
                break;
            }
            let deadline = self
                .clock()
                .after(Span::from_millis(u64::from(options.inter_digit_timeout_ms)));
            next = match self.wait_until(deadline, |_| true).await {
                Wake::Key(key) => Some(key),
                Wake::CallerHungUp => return self.failed("collect", CallError::Hangup),
                Wake::Deadline => None,
            };
        }
        if digits.len() < usize::from(options.min_digits) {
            return self.failed("collect", CallError::Timeout);
        }
        self.result("collect", format!("{digits:?}"));
        self.journal
            .with_facts(|facts| bounded_push(&mut facts.collected, digits.clone()));
        Ok(digits)
    }
}
