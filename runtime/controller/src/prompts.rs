//! Turns the contract's prompts into the media player's playlist, from the
//! tenant's prompt library (files, and the built-in words for digits and
//! numbers) and the optional text-to-speech backend.

use std::time::Duration;

use wasmphony_engine::api::{CallError, Prompt};
use wasmphony_media::play::{PlayItem, PromptError, PromptLibrary, tts};

/// Name of the library prompt played for [`Prompt::Beep`].
pub const BEEP_PROMPT: &str = "beep";
/// Voice used for [`Prompt::Text`].
pub const TTS_VOICE: &str = "en-us";
/// Longest silence one prompt may ask for.
pub const MAX_SILENCE: Duration = Duration::from_secs(60);

/// The playlist for `prompts`; an unknown prompt name is `NotFound`.
pub async fn playlist(
    library: &PromptLibrary,
    prompts: &[Prompt],
) -> Result<Vec<PlayItem>, CallError> {
    let mut items = Vec::new();
    for prompt in prompts {
        match prompt {
            Prompt::File(name) => {
                items.push(PlayItem::Prompt(library.get(name).map_err(not_found)?))
            }
            Prompt::Digits(digits) => items.extend(library.say_digits(digits).map_err(not_found)?),
            Prompt::Number(number) => items.extend(library.say_number(*number).map_err(not_found)?),
            Prompt::Silence(ms) => {
                items.push(PlayItem::Silence(
                    Duration::from_millis(u64::from(*ms)).min(MAX_SILENCE),
                ));
            }
            Prompt::Beep => items.push(PlayItem::Prompt(
                library.get(BEEP_PROMPT).map_err(not_found)?,
            )),
            Prompt::Text(text) => items.push(PlayItem::Prompt(speak(library, text).await?)),
        }
    }
    Ok(items)
}

async fn speak(
    library: &PromptLibrary,
    text: &str,
) -> Result<std::sync::Arc<wasmphony_media::play::Prompt>, CallError> {
    let codecs = library.codecs().to_vec();
    let text = text.to_string();
    // espeak-ng runs as a child process: keep it off the async workers.
    let spoken =
        tokio::task::spawn_blocking(move || tts::synthesize("tts", &text, TTS_VOICE, &codecs))
            .await
            .map_err(|e| CallError::Rejected(format!("text-to-speech task: {e}")))?;
    match spoken {
        Ok(prompt) => Ok(std::sync::Arc::new(prompt)),
        Err(tts::TtsError::TooLong(len)) => Err(CallError::Limit(format!(
            "text of {len} bytes is too long to speak"
        ))),
        Err(e) => Err(CallError::NotFound(format!("text-to-speech: {e}"))),
    }
}

fn not_found(error: PromptError) -> CallError {
    match error {
        PromptError::Missing(name) => CallError::NotFound(format!("prompt {name}")),
        other => CallError::Invalid(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmphony_media::codec::Codec;

    fn builtin() -> PromptLibrary {
        let mut library = PromptLibrary::new(&[Codec::Pcmu]).unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../prompts/builtin");
        library.load_dir(&dir).unwrap();
        library
    }

    #[tokio::test]
    async fn digits_numbers_silence_and_beep_resolve() {
        let library = builtin();
        let items = playlist(
            &library,
            &[
                Prompt::Digits("42".into()),
                Prompt::Number(123),
                Prompt::Silence(40),
                Prompt::Beep,
            ],
        )
        .await
        .unwrap();
        // "four" "two" + "one hundred twenty three" (4 words) + silence + beep.
        assert_eq!(items.len(), 2 + 4 + 1 + 1);
    }

    #[tokio::test]
    async fn an_unknown_prompt_is_not_found() {
        let library = builtin();
        let err = playlist(&library, &[Prompt::File("no-such-prompt".into())])
            .await
            .unwrap_err();
        assert!(
            matches!(err, CallError::NotFound(ref m) if m.contains("no-such-prompt")),
            "{err:?}"
        );
    }
}
