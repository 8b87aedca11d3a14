//! `collect`: gathers keys into a string, sans-IO. The call controller feeds
//! it keys (from RFC 4733, SIP INFO or in-band detection) and the time; it
//! says when the collection is over and why.

use super::digit::Digit;
use std::time::{Duration, Instant};

/// Most keys one collection may ask for (a guest sets `max_digits`).
pub const MAX_COLLECT_DIGITS: usize = 64;

/// What to collect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectConfig {
    /// Fewer keys than this is an incomplete entry.
    pub min_digits: usize,
    /// Collection ends as soon as this many keys arrived (capped at [`MAX_COLLECT_DIGITS`]).
    pub max_digits: usize,
    /// Keys that end the entry (typically `#`); they are not part of it.
    pub terminators: Vec<Digit>,
    /// Time allowed for the first key once the timer starts.
    pub first_digit_timeout: Duration,
    /// Time allowed between keys.
    pub inter_digit_timeout: Duration,
}

/// Why a collection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// `max_digits` keys arrived.
    MaxDigits,
    /// A terminator key was pressed.
    Terminator(Digit),
    /// No key at all before the first-digit timeout.
    NoInput,
    /// Some keys, then silence longer than the inter-digit timeout.
    InterDigitTimeout,
}

/// The result of a collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectOutcome {
    /// The keys, without the terminator.
    pub digits: String,
    /// Why it ended.
    pub reason: EndReason,
    /// Whether at least `min_digits` keys were entered.
    pub complete: bool,
}

/// One collection in progress.
#[derive(Debug, Clone)]
pub struct DigitCollector {
    config: CollectConfig,
    digits: String,
    deadline: Option<Instant>,
    finished: bool,
}

impl DigitCollector {
    /// A collection whose timer has not started (a prompt is still playing;
    /// keys pressed meanwhile count, as barge-in).
    pub fn new(mut config: CollectConfig) -> Self {
        config.max_digits = config.max_digits.clamp(1, MAX_COLLECT_DIGITS);
        config.min_digits = config.min_digits.min(config.max_digits);
        Self {
            config,
            digits: String::new(),
            deadline: None,
            finished: false,
        }
    }

    /// Starts the timer (the prompt finished, or there is none).
    pub fn start_timer(&mut self, now: Instant) {
        if !self.finished && self.deadline.is_none() {
            let timeout = if self.digits.is_empty() {
                self.config.first_digit_timeout
            } else {
                self.config.inter_digit_timeout
            };
            self.deadline = Some(now + timeout);
        }
    }

    /// When [`DigitCollector::poll`] should next be called, if the timer runs.
    pub fn deadline(&self) -> Option<Instant> {
        if self.finished { None } else { self.deadline }
    }

    /// A key arrived at `now`. Returns the outcome if this key ends the collection.
    pub fn on_digit(&mut self, digit: Digit, now: Instant) -> Option<CollectOutcome> {
        if self.finished {
            return None;
        }
        if self.config.terminators.contains(&digit) {
            return Some(self.finish(EndReason::Terminator(digit)));
        }
        self.digits.push(digit.as_char());
        if self.digits.len() >= self.config.max_digits {
            return Some(self.finish(EndReason::MaxDigits));
        }
        self.deadline = Some(now + self.config.inter_digit_timeout);
        None
    }

    /// Checks the timer at `now`. Returns the outcome if it expired.
    pub fn poll(&mut self, now: Instant) -> Option<CollectOutcome> {
        let expired = !self.finished && self.deadline.is_some_and(|d| now >= d);
        if !expired {
            return None;
        }
        let reason = if self.digits.is_empty() {
            EndReason::NoInput
        } else {
            EndReason::InterDigitTimeout
        };
        Some(self.finish(reason))
    }

    fn finish(&mut self, reason: EndReason) -> CollectOutcome {
        self.finished = true;
        let digits = std::mem::take(&mut self.digits);
        CollectOutcome {
            complete: digits.len() >= self.config.min_digits,
            digits,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn config(min: usize, max: usize, terminators: &str) -> CollectConfig {
        CollectConfig {
            min_digits: min,
            max_digits: max,
            terminators: terminators.chars().filter_map(Digit::from_char).collect(),
            first_digit_timeout: 5 * S,
            inter_digit_timeout: 3 * S,
        }
    }

    /// Feeds `(seconds, key)` presses and polls every 100 ms until the outcome.
    fn run(config: CollectConfig, presses: &[(f64, char)]) -> (CollectOutcome, Duration) {
        let t0 = Instant::now();
        let mut collector = DigitCollector::new(config);
        collector.start_timer(t0);
        let mut presses = presses.iter().peekable();
        for tick in 0..1000u32 {
            let now = t0 + Duration::from_millis(100) * tick;
            while let Some((at, key)) =
                presses.next_if(|(at, _)| t0 + Duration::from_secs_f64(*at) <= now)
            {
                let when = t0 + Duration::from_secs_f64(*at);
                if let Some(outcome) = collector.on_digit(Digit::from_char(*key).unwrap(), when) {
                    return (outcome, when - t0);
                }
            }
            if let Some(outcome) = collector.poll(now) {
                return (outcome, now - t0);
            }
        }
        panic!("collection never ended");
    }

    #[test]
    fn max_digits_ends_immediately() {
        let (outcome, at) = run(
            config(1, 3, "#"),
            &[(1.0, '1'), (1.5, '2'), (2.0, '3'), (2.1, '4')],
        );
        assert_eq!(
            (outcome.digits.as_str(), outcome.reason, outcome.complete),
            ("123", EndReason::MaxDigits, true)
        );
        assert_eq!(at, Duration::from_secs(2));
    }

    #[test]
    fn terminator_ends_and_is_not_included() {
        let (outcome, _) = run(config(2, 10, "#"), &[(0.5, '4'), (1.0, '2'), (1.2, '#')]);
        assert_eq!(
            (outcome.digits.as_str(), outcome.reason),
            ("42", EndReason::Terminator(Digit::from_char('#').unwrap()))
        );
        let (short, _) = run(config(3, 10, "#"), &[(0.5, '4'), (1.0, '#')]);
        assert!(
            !short.complete,
            "terminator before min_digits is incomplete"
        );
    }

    #[test]
    fn first_digit_timeout_gives_no_input() {
        let (outcome, at) = run(config(1, 4, "#"), &[]);
        assert_eq!(
            (outcome.digits.as_str(), outcome.reason, outcome.complete),
            ("", EndReason::NoInput, false)
        );
        assert_eq!(at, 5 * S);
    }

    #[test]
    fn inter_digit_timeout_runs_from_the_last_key() {
        let (outcome, at) = run(config(1, 4, "#"), &[(4.0, '7'), (6.0, '8')]);
        assert_eq!(
            (outcome.digits.as_str(), outcome.reason, outcome.complete),
            ("78", EndReason::InterDigitTimeout, true)
        );
        assert_eq!(at, 9 * S);
    }

    #[test]
    fn keys_during_the_prompt_count_and_timer_waits_for_it() {
        let t0 = Instant::now();
        let mut collector = DigitCollector::new(config(1, 4, "#"));
        assert_eq!(
            collector.poll(t0 + 60 * S),
            None,
            "timer not started while the prompt plays"
        );
        assert_eq!(collector.on_digit(Digit::from_char('9').unwrap(), t0), None);
        let outcome = collector.poll(t0 + 3 * S).unwrap();
        assert_eq!(outcome.digits, "9");
        assert_eq!(
            collector.on_digit(Digit::from_char('1').unwrap(), t0),
            None,
            "finished stays finished"
        );
        assert_eq!(collector.deadline(), None);
    }

    #[test]
    fn absurd_limits_are_clamped() {
        let mut collector = DigitCollector::new(config(1000, 1000, ""));
        let t0 = Instant::now();
        let mut last = None;
        for _ in 0..MAX_COLLECT_DIGITS {
            last = collector.on_digit(Digit::from_char('1').unwrap(), t0);
        }
        let outcome = last.unwrap();
        assert_eq!(
            (outcome.digits.len(), outcome.complete),
            (MAX_COLLECT_DIGITS, true)
        );
    }
}
