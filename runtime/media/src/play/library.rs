//! A tenant's prompt library: named prompts, loaded and encoded once, shared
//! by every call through `Arc`.

use super::player::PlayItem;
use super::prompt::{Prompt, PromptError};
use super::say;
use crate::codec::{Codec, SAMPLES_PER_FRAME_8K};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Most prompts one library holds.
pub const MAX_PROMPTS: usize = 10_000;

/// Named prompts, each encoded for the same set of codecs.
#[derive(Debug, Clone)]
pub struct PromptLibrary {
    codecs: Vec<Codec>,
    prompts: HashMap<String, Arc<Prompt>>,
    silence: Arc<Prompt>,
}

impl PromptLibrary {
    /// An empty library encoding for `codecs` (those this build cannot encode are left out).
    pub fn new(codecs: &[Codec]) -> Result<Self, PromptError> {
        let codecs: Vec<Codec> = codecs
            .iter()
            .copied()
            .filter(|c| c.is_available())
            .collect();
        let silence = Arc::new(Prompt::from_pcm(
            "silence",
            &[0; SAMPLES_PER_FRAME_8K],
            crate::codec::INTERNAL_RATE_HZ,
            &codecs,
        )?);
        Ok(Self {
            codecs,
            prompts: HashMap::new(),
            silence,
        })
    }

    /// Loads every `*.wav` in `dir`, named by file stem. Returns how many were loaded.
    pub fn load_dir(&mut self, dir: &Path) -> Result<usize, PromptError> {
        let mut loaded = 0;
        let mut paths: Vec<_> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        paths.sort();
        for path in paths {
            let is_wav = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("wav"));
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if !is_wav {
                continue;
            }
            let file = std::io::BufReader::new(std::fs::File::open(&path)?);
            self.insert(Prompt::from_wav(stem, file, &self.codecs)?)?;
            loaded += 1;
        }
        Ok(loaded)
    }

    /// Adds (or replaces) a prompt already encoded for this library's codecs.
    pub fn insert(&mut self, prompt: Prompt) -> Result<Arc<Prompt>, PromptError> {
        if self.prompts.len() >= MAX_PROMPTS && !self.prompts.contains_key(prompt.name()) {
            return Err(PromptError::Unsupported {
                name: prompt.name().to_string(),
                detail: format!("library full ({MAX_PROMPTS} prompts)"),
            });
        }
        let prompt = Arc::new(prompt);
        self.prompts
            .insert(prompt.name().to_string(), Arc::clone(&prompt));
        Ok(prompt)
    }

    /// Loads a WAV from memory under `name`.
    pub fn insert_wav(&mut self, name: &str, bytes: &[u8]) -> Result<Arc<Prompt>, PromptError> {
        let prompt = Prompt::from_wav(name, std::io::Cursor::new(bytes), &self.codecs)?;
        self.insert(prompt)
    }

    /// The prompt called `name`.
    pub fn get(&self, name: &str) -> Result<Arc<Prompt>, PromptError> {
        self.prompts
            .get(name)
            .cloned()
            .ok_or_else(|| PromptError::Missing(name.to_string()))
    }

    /// One frame of silence in every codec (the player pads with it).
    pub fn silence(&self) -> Arc<Prompt> {
        Arc::clone(&self.silence)
    }

    /// The codecs prompts are encoded for.
    pub fn codecs(&self) -> &[Codec] {
        &self.codecs
    }

    /// Playlist items speaking `number` in English ("one hundred twenty three").
    pub fn say_number(&self, number: i64) -> Result<Vec<PlayItem>, PromptError> {
        let words = say::number_words(number)
            .ok_or_else(|| PromptError::Missing(format!("a word for {number}")))?;
        self.items(&words)
    }

    /// Playlist items speaking each digit of `digits` ("4", "2"); other characters are skipped.
    pub fn say_digits(&self, digits: &str) -> Result<Vec<PlayItem>, PromptError> {
        self.items(&say::digit_words(digits))
    }

    fn items(&self, words: &[&str]) -> Result<Vec<PlayItem>, PromptError> {
        words
            .iter()
            .map(|w| self.get(w).map(PlayItem::Prompt))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped built-in prompts.
    pub(crate) fn builtin() -> PromptLibrary {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../prompts/builtin");
        let mut library = PromptLibrary::new(&[Codec::Pcmu, Codec::Pcma]).unwrap();
        assert!(library.load_dir(&dir).unwrap() >= 33);
        library
    }

    #[test]
    fn builtin_prompts_load_and_say_numbers() {
        let library = builtin();
        let names = |items: Vec<PlayItem>| -> Vec<String> {
            items
                .iter()
                .map(|i| match i {
                    PlayItem::Prompt(p) => p.name().to_string(),
                    PlayItem::Silence(_) => "-".into(),
                })
                .collect()
        };
        assert_eq!(
            names(library.say_number(123).unwrap()),
            ["one", "hundred", "twenty", "three"]
        );
        assert_eq!(names(library.say_number(-7).unwrap()), ["minus", "seven"]);
        assert_eq!(names(library.say_digits("4#2").unwrap()), ["four", "two"]);
        for name in ["zero", "nineteen", "ninety", "thousand", "million", "beep"] {
            let prompt = library.get(name).unwrap();
            assert!(prompt.frame_count() > 5, "{name} is audible");
            assert!(
                prompt.pcm().iter().any(|s| s.unsigned_abs() > 1000),
                "{name} is not silent"
            );
        }
        assert!(matches!(library.get("nope"), Err(PromptError::Missing(_))));
        assert!(library.say_number(i64::MAX).is_err());
    }
}
