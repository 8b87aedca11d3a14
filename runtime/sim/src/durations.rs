//! How long prompts last in virtual time (SIMSCRIPT.md, "Virtual durations").

use std::collections::BTreeMap;

use wasmphony_engine::api::Prompt;

use crate::time::{Seconds, Span};

/// A library prompt the script gives no duration for.
pub const DEFAULT_PROMPT_MS: u64 = 2_000;
/// One spoken digit.
pub const DIGIT_MS: u64 = 600;
/// One spoken word of a number.
pub const NUMBER_WORD_MS: u64 = 500;
/// One character of text-to-speech.
pub const TEXT_CHAR_MS: u64 = 70;
/// A beep.
pub const BEEP_MS: u64 = 300;

/// Prompt durations from a script's `prompts:` section.
#[derive(Debug, Clone, Default)]
pub struct PromptDurations(BTreeMap<String, Seconds>);

impl PromptDurations {
    pub fn new(table: BTreeMap<String, Seconds>) -> Self {
        PromptDurations(table)
    }

    /// How long one prompt plays.
    pub fn of(&self, prompt: &Prompt) -> Span {
        match prompt {
            Prompt::File(name) => self
                .0
                .get(name)
                .map_or(Span::from_millis(DEFAULT_PROMPT_MS), |s| s.span()),
            Prompt::Digits(digits) => Span::from_millis(DIGIT_MS * digits.chars().count() as u64),
            Prompt::Number(n) => Span::from_millis(NUMBER_WORD_MS * spoken_words(*n)),
            Prompt::Text(text) => Span::from_millis(TEXT_CHAR_MS * text.chars().count() as u64),
            Prompt::Silence(ms) => Span::from_millis(u64::from(*ms)),
            Prompt::Beep => Span::from_millis(BEEP_MS),
        }
    }
}

/// A short description for the timeline: `greeting, digits 123, beep`.
pub(crate) fn describe(prompts: &[Prompt]) -> String {
    if prompts.is_empty() {
        return "nothing".into();
    }
    let parts: Vec<String> = prompts
        .iter()
        .map(|prompt| match prompt {
            Prompt::File(name) => name.clone(),
            Prompt::Digits(digits) => format!("digits {digits}"),
            Prompt::Number(n) => format!("number {n}"),
            Prompt::Text(text) => format!("text {text:?}"),
            Prompt::Silence(ms) => format!("silence {ms}ms"),
            Prompt::Beep => "beep".into(),
        })
        .collect();
    parts.join(", ")
}

/// Words in the English reading of `n` ("one hundred twenty-three" = 3).
pub fn spoken_words(n: i64) -> u64 {
    if n == 0 {
        return 1;
    }
    let minus = u64::from(n < 0);
    let mut rest = n.unsigned_abs();
    let mut words = 0;
    let mut scale = 0;
    while rest > 0 {
        let group = rest % 1000;
        if group > 0 {
            words += words_below_thousand(group) + u64::from(scale > 0);
        }
        rest /= 1000;
        scale += 1;
    }
    words + minus
}

fn words_below_thousand(group: u64) -> u64 {
    let hundreds = if group >= 100 { 2 } else { 0 };
    let tens = if !group.is_multiple_of(100) { 1 } else { 0 };
    hundreds + tens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_count_their_spoken_words() {
        assert_eq!(spoken_words(0), 1);
        assert_eq!(spoken_words(7), 1);
        assert_eq!(spoken_words(23), 1);
        assert_eq!(spoken_words(123), 3);
        assert_eq!(spoken_words(1_005), 3);
        assert_eq!(spoken_words(-40), 2);
    }

    #[test]
    fn prompt_lengths_follow_the_table() {
        let durations = PromptDurations::new(
            [("greeting".to_string(), Seconds::parse(6.5).unwrap())]
                .into_iter()
                .collect(),
        );
        assert_eq!(
            durations.of(&Prompt::File("greeting".into())),
            Span::from_millis(6_500)
        );
        assert_eq!(
            durations.of(&Prompt::File("other".into())),
            Span::from_millis(2_000)
        );
        assert_eq!(
            durations.of(&Prompt::Digits("123".into())),
            Span::from_millis(1_800)
        );
        assert_eq!(durations.of(&Prompt::Number(123)), Span::from_millis(1_500));
        assert_eq!(
            durations.of(&Prompt::Text("hello".into())),
            Span::from_millis(350)
        );
        assert_eq!(durations.of(&Prompt::Silence(250)), Span::from_millis(250));
        assert_eq!(durations.of(&Prompt::Beep), Span::from_millis(300));
    }
}
