//! Outside opening hours: say so, then offer a callback or take a message.

use wasmphony_guest::{Call, ScenarioResult};

use crate::actions::{callback, voicemail};
use crate::settings::Settings;

/// Wait for the callback key after the offer.
const OFFER_TIMEOUT_MS: u32 = 5_000;

pub(crate) fn handle(call: &Call, settings: &Settings) -> ScenarioResult {
    call.tag("after-hours")?;
    let offer = &settings.after_hours;
    let key = call
        .collect()
        .timeout_ms(OFFER_TIMEOUT_MS)
        .prompt([offer.prompt.as_str(), offer.offer_prompt.as_str()])
        .run_optional()?;
    if key.as_deref() == Some(offer.callback_key.as_str()) {
        callback(call, settings, "after-hours")
    } else {
        voicemail(call, settings)
    }
}
