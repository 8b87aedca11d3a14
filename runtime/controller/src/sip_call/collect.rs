//! `collect`: keys gathered with the media layer's [`DigitCollector`]
//! (first-digit and inter-digit timeouts, terminators, min/max), with the
//! optional prompt as barge-in.

use std::time::{Duration, Instant as StdInstant};

use tokio::time::Instant;
use wasmphony_engine::api::{CallError, CollectOptions};
use wasmphony_media::dtmf::{CollectConfig, CollectOutcome, Digit, DigitCollector};

use super::SipCall;
use super::wake::Wake;
use crate::prompts::playlist;

impl SipCall {
    pub(super) async fn collect_digits(
        &mut self,
        options: &CollectOptions,
    ) -> Result<String, CallError> {
        let items = playlist(&self.prompts, &options.prompt).await?;
        self.answer_call().await?;
        let mut collector = DigitCollector::new(collect_config(options));
        while let Some(key) = self.type_ahead.pop_front() {
            if let Some(outcome) = collector.on_digit(key, StdInstant::now()) {
                return outcome_of(outcome);
            }
        }
        let typed_ahead = collector_has_keys(&collector);
        if items.is_empty() || typed_ahead {
            collector.start_timer(StdInstant::now());
        } else {
            self.start_play(items, true).await?;
        }
        loop {
            let deadline = collector.deadline().map(Instant::from_std);
            let outcome = match self.next_wake(deadline).await {
                Wake::Digit(key) => collector.on_digit(key, StdInstant::now()),
                Wake::PlayEnded => {
                    collector.start_timer(StdInstant::now());
                    None
                }
                Wake::Deadline | Wake::Silence => collector.poll(StdInstant::now()),
                Wake::Gone => return Err(self.caller_left()),
            };
            if let Some(outcome) = outcome {
                self.finish_play().await;
                return outcome_of(outcome);
            }
        }
    }
}

fn collector_has_keys(collector: &DigitCollector) -> bool {
    // The inter-digit timer runs once a key arrived.
    collector.deadline().is_some()
}

fn collect_config(options: &CollectOptions) -> CollectConfig {
    CollectConfig {
        min_digits: usize::from(options.min_digits),
        max_digits: usize::from(options.max_digits),
        terminators: options
            .terminators
            .chars()
            .filter_map(Digit::from_char)
            .collect(),
        first_digit_timeout: Duration::from_millis(u64::from(options.first_digit_timeout_ms)),
        inter_digit_timeout: Duration::from_millis(u64::from(options.inter_digit_timeout_ms)),
    }
}

/// An incomplete entry (too few keys, or none) is a timeout, as in the simulator.
fn outcome_of(outcome: CollectOutcome) -> Result<String, CallError> {
    if outcome.complete {
        Ok(outcome.digits)
    } else {
        Err(CallError::Timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incomplete_entries_are_timeouts() {
        let options = CollectOptions {
            min_digits: 2,
            max_digits: 4,
            terminators: "#".into(),
            first_digit_timeout_ms: 1000,
            inter_digit_timeout_ms: 500,
            prompt: vec![],
        };
        let mut collector = DigitCollector::new(collect_config(&options));
        let now = StdInstant::now();
        assert!(
            collector
                .on_digit(Digit::from_char('1').unwrap(), now)
                .is_none()
        );
        let outcome = collector
            .on_digit(Digit::from_char('#').unwrap(), now)
            .unwrap();
        assert_eq!(outcome_of(outcome), Err(CallError::Timeout));
        let mut collector = DigitCollector::new(collect_config(&options));
        for key in ['1', '2', '3', '4'] {
            if let Some(outcome) = collector.on_digit(Digit::from_char(key).unwrap(), now) {
                assert_eq!(outcome_of(outcome), Ok("1234".into()));
            }
        }
    }
}
