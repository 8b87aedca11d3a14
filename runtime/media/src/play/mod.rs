//! Prompt playback: a library of prompts pre-encoded for every codec, a
//! sans-IO [`player::Player`] that yields the next frame when told the time,
//! built-in say-number/say-digits, and optional text-to-speech.

pub mod library;
pub mod player;
pub mod prompt;
pub mod say;
pub mod tts;

pub use library::PromptLibrary;
pub use player::{PlayEnd, PlayItem, Player, PlayerFrame};
pub use prompt::{Prompt, PromptError};
