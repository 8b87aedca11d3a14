//! A stored route's fallback in the engine's terms.

use wasmphony_engine::Fallback;
use wasmphony_store::Fallback as StoredFallback;

/// The engine's fallback for a stored one. The engine cannot start another
/// scenario from a fallback (a failed guest must not hand the caller to more guest
/// code mid-call), so a scenario fallback becomes voicemail, which always works.
pub fn engine_fallback(stored: Option<&StoredFallback>) -> Fallback {
    match stored {
        Some(StoredFallback::Queue { name }) => Fallback::Queue(name.clone()),
        Some(StoredFallback::Number { number }) => Fallback::Dial(vec![number.clone()]),
        Some(StoredFallback::Announcement { prompt }) => Fallback::Announcement(prompt.clone()),
        Some(StoredFallback::Scenario { .. } | StoredFallback::Voicemail) | None => {
            Fallback::Voicemail
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_stored_fallback_has_an_engine_one() {
        let queue = StoredFallback::Queue {
            name: "reception".into(),
        };
        assert_eq!(
            engine_fallback(Some(&queue)),
            Fallback::Queue("reception".into())
        );
        let number = StoredFallback::Number {
            number: "+359888".into(),
        };
        assert_eq!(
            engine_fallback(Some(&number)),
            Fallback::Dial(vec!["+359888".into()])
        );
        let scenario = StoredFallback::Scenario {
            name: "voice-order".into(),
        };
        assert_eq!(engine_fallback(Some(&scenario)), Fallback::Voicemail);
        assert_eq!(engine_fallback(None), Fallback::Voicemail);
    }
}
