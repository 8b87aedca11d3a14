//! Collecting digits: `call.collect().min(1).max(4).terminators("#").prompt("menu").run()`.

use crate::prompt::IntoPrompts;
use crate::wit::call::{self, CollectOptions};
use crate::wit::types::CallError;

/// Default wait for the first digit after the prompt ends.
pub const DEFAULT_FIRST_DIGIT_TIMEOUT_MS: u32 = 5_000;
/// Default wait between two digits.
pub const DEFAULT_INTER_DIGIT_TIMEOUT_MS: u32 = 3_000;

/// A digit collection being set up; finish with [`Collect::run`].
///
/// Defaults: exactly one digit, `#` ends input early, 5 s for the first digit, 3 s between
/// digits, no prompt.
///
/// ```
/// # use wasmphony_guest::Call;
/// # fn demo(call: &Call) -> wasmphony_guest::ScenarioResult {
/// let pin = call.collect().min(4).max(4).prompt("enter-pin").timeout_ms(8_000).run()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a collection does nothing until `run` is called"]
pub struct Collect {
    options: CollectOptions,
}

impl Default for Collect {
    fn default() -> Self {
        Self::new()
    }
}

impl Collect {
    /// A one-digit collection with the defaults above.
    pub fn new() -> Self {
        Self {
            options: CollectOptions {
                min_digits: 1,
                max_digits: 1,
                terminators: "#".to_owned(),
                first_digit_timeout_ms: DEFAULT_FIRST_DIGIT_TIMEOUT_MS,
                inter_digit_timeout_ms: DEFAULT_INTER_DIGIT_TIMEOUT_MS,
                prompt: Vec::new(),
            },
        }
    }

    /// Fewest digits accepted (fewer than this, then a terminator or timeout, is a timeout).
    pub fn min(mut self, digits: u8) -> Self {
        self.options.min_digits = digits;
        if self.options.max_digits < digits {
            self.options.max_digits = digits;
        }
        self
    }

    /// Most digits collected; input ends when this many arrived.
    pub fn max(mut self, digits: u8) -> Self {
        self.options.max_digits = digits;
        if self.options.min_digits > digits {
            self.options.min_digits = digits;
        }
        self
    }

    /// Keys that end input early (not part of the result); `""` for none.
    pub fn terminators(mut self, keys: impl Into<String>) -> Self {
        self.options.terminators = keys.into();
        self
    }

    /// How long to wait for the first digit after the prompt ends.
    pub fn timeout_ms(mut self, ms: u32) -> Self {
        self.options.first_digit_timeout_ms = ms;
        self
    }

    /// How long to wait between digits.
    pub fn inter_digit_timeout_ms(mut self, ms: u32) -> Self {
        self.options.inter_digit_timeout_ms = ms;
        self
    }

    /// What to play first; a key pressed during it is the first digit (barge-in).
    pub fn prompt(mut self, prompts: impl IntoPrompts) -> Self {
        self.options.prompt = prompts.into_prompts();
        self
    }

    /// The options as the host receives them.
    pub fn options(&self) -> &CollectOptions {
        &self.options
    }

    /// Plays the prompt and collects; [`CallError::Timeout`] when too few digits arrived.
    pub fn run(self) -> Result<String, CallError> {
        call::collect(&self.options)
    }

    /// Like [`Collect::run`], but a timeout is `Ok(None)` instead of an error.
    pub fn run_optional(self) -> Result<Option<String>, CallError> {
        match self.run() {
            Ok(digits) => Ok(Some(digits)),
            Err(CallError::Timeout) => Ok(None),
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompt::Prompt;

    #[test]
    fn builder_keeps_min_and_max_consistent() {
        let collect = Collect::new()
            .max(4)
            .min(2)
            .terminators("*#")
            .timeout_ms(7_000);
        let options = collect.options();
        assert_eq!((options.min_digits, options.max_digits), (2, 4));
        assert_eq!(options.terminators, "*#");
        assert_eq!(options.first_digit_timeout_ms, 7_000);
        let raised = Collect::new().min(4);
        assert_eq!(raised.options().max_digits, 4);
        let lowered = Collect::new().min(3).max(2);
        assert_eq!(lowered.options().min_digits, 2);
    }

    #[test]
    fn prompt_accepts_names_and_prompts() {
        let collect = Collect::new().prompt(["menu-main", "press-9"]);
        assert_eq!(
            collect.options().prompt,
            vec![
                Prompt::File("menu-main".into()),
                Prompt::File("press-9".into())
            ]
        );
    }
}
