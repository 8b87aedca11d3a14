//! What the caller hears: library prompts, spoken digits and numbers, silence.

pub use crate::wit::call::Prompt;

/// A library prompt of the tenant, by name (for example `greeting`).
pub fn file(name: impl Into<String>) -> Prompt {
    Prompt::File(name.into())
}

/// Digits spoken one by one.
pub fn digits(digits: impl Into<String>) -> Prompt {
    Prompt::Digits(digits.into())
}

/// A whole number spoken as a number.
pub fn number(value: i64) -> Prompt {
    Prompt::Number(value)
}

/// Silence, in milliseconds.
pub fn silence(ms: u32) -> Prompt {
    Prompt::Silence(ms)
}

/// Anything that can be played: a prompt name, a [`Prompt`], or a list of either.
///
/// ```
/// use wasmphony_guest::prompt::{self, IntoPrompts, Prompt};
/// assert_eq!("greeting".into_prompts(), vec![Prompt::File("greeting".into())]);
/// assert_eq!(["a", "b"].into_prompts().len(), 2);
/// assert_eq!(
///     vec![prompt::file("your-order"), prompt::digits("42")].into_prompts()[1],
///     Prompt::Digits("42".into())
/// );
/// ```
pub trait IntoPrompts {
    /// The prompts, in playing order.
    fn into_prompts(self) -> Vec<Prompt>;
}

impl IntoPrompts for Prompt {
    fn into_prompts(self) -> Vec<Prompt> {
        vec![self]
    }
}

impl IntoPrompts for &str {
    fn into_prompts(self) -> Vec<Prompt> {
        vec![file(self)]
    }
}

impl IntoPrompts for String {
    fn into_prompts(self) -> Vec<Prompt> {
        vec![Prompt::File(self)]
    }
}

impl IntoPrompts for &String {
    fn into_prompts(self) -> Vec<Prompt> {
        vec![file(self.as_str())]
    }
}

impl IntoPrompts for Vec<Prompt> {
    fn into_prompts(self) -> Vec<Prompt> {
        self
    }
}

impl IntoPrompts for &[Prompt] {
    fn into_prompts(self) -> Vec<Prompt> {
        self.to_vec()
    }
}

impl<const N: usize> IntoPrompts for [Prompt; N] {
    fn into_prompts(self) -> Vec<Prompt> {
        self.into()
    }
}

impl<const N: usize> IntoPrompts for [&str; N] {
    fn into_prompts(self) -> Vec<Prompt> {
        self.iter().map(|name| file(*name)).collect()
    }
}

impl IntoPrompts for &[String] {
    fn into_prompts(self) -> Vec<Prompt> {
        self.iter().map(|name| file(name.as_str())).collect()
    }
}

impl IntoPrompts for &Vec<String> {
    fn into_prompts(self) -> Vec<Prompt> {
        self.as_slice().into_prompts()
    }
}

impl IntoPrompts for () {
    fn into_prompts(self) -> Vec<Prompt> {
        Vec::new()
    }
}
