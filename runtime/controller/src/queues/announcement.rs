//! What a waiting caller hears between hold music: "You are number 3 in line. Your
//! estimated wait is 2 minutes." and, when the queue offers it, "To be called back
//! without losing your place, press 1." — built-in prompts and number words.

use std::time::Duration;

use wasmphony_engine::api::Prompt;

/// "You are number"
pub(crate) const YOU_ARE_NUMBER: &str = "queue-you-are-number";
/// "in line."
pub(crate) const IN_LINE: &str = "queue-in-line";
/// "Your estimated wait is"
pub(crate) const ESTIMATED_WAIT: &str = "queue-estimated-wait";
/// "minute."
pub(crate) const MINUTE: &str = "queue-minute";
/// "minutes."
pub(crate) const MINUTES: &str = "queue-minutes";
/// "To be called back without losing your place, press"
pub(crate) const PRESS_FOR_CALLBACK: &str = "queue-press-for-callback";

/// The announcement of `position` and `estimated_wait`, with the callback offer when
/// `callback_key` is set. The wait is said in whole minutes, rounded up, at least one.
pub(crate) fn announcement(
    position: usize,
    estimated_wait: Duration,
    callback_key: Option<char>,
) -> Vec<Prompt> {
    let minutes = estimated_wait.as_secs().div_ceil(60).max(1);
    let mut prompts = vec![
        Prompt::File(YOU_ARE_NUMBER.into()),
        Prompt::Number(i64::try_from(position).unwrap_or(i64::MAX)),
        Prompt::File(IN_LINE.into()),
        Prompt::File(ESTIMATED_WAIT.into()),
        Prompt::Number(i64::try_from(minutes).unwrap_or(i64::MAX)),
        Prompt::File(if minutes == 1 { MINUTE } else { MINUTES }.into()),
    ];
    if let Some(key) = callback_key {
        prompts.push(Prompt::File(PRESS_FOR_CALLBACK.into()));
        prompts.push(Prompt::Digits(key.to_string()));
    }
    prompts
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmphony_media::codec::Codec;
    use wasmphony_media::play::PromptLibrary;

    fn file(name: &str) -> Prompt {
        Prompt::File(name.into())
    }

    #[test]
    fn position_and_wait_in_whole_minutes_rounded_up() {
        assert_eq!(
            announcement(3, Duration::from_secs(61), None),
            vec![
                file(YOU_ARE_NUMBER),
                Prompt::Number(3),
                file(IN_LINE),
                file(ESTIMATED_WAIT),
                Prompt::Number(2),
                file(MINUTES),
            ]
        );
    }

    #[test]
    fn a_short_wait_is_one_minute_singular() {
        let prompts = announcement(1, Duration::from_secs(5), None);
        assert_eq!(prompts[4..], [Prompt::Number(1), file(MINUTE)]);
    }

    #[test]
    fn the_callback_offer_names_its_key() {
        let prompts = announcement(2, Duration::from_secs(120), Some('1'));
        assert_eq!(
            prompts[6..],
            [file(PRESS_FOR_CALLBACK), Prompt::Digits("1".into())]
        );
    }

    /// Every phrase is a built-in prompt, so the announcement plays on every tenant.
    #[tokio::test]
    async fn every_phrase_is_a_builtin_prompt() {
        let mut library = PromptLibrary::new(&[Codec::Pcmu]).unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../prompts/builtin");
        library.load_dir(&dir).unwrap();
        let prompts = announcement(12, Duration::from_secs(600), Some('1'));
        let items = crate::prompts::playlist(&library, &prompts).await.unwrap();
        assert!(items.len() >= prompts.len(), "{} items", items.len());
    }
}
