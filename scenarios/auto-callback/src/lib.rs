//! `auto-callback` (world `outbound-call`): calls back a missed caller through an agent.
//!
//! The host originates the call to a free agent with the variables `customer` (the number to
//! call back), `attempt` (1 for the first try), and optionally `queue`/`agent` and `reason`.
//! Once the agent answers, this scenario offers the callback ("press 1 to connect"), rings the
//! customer and bridges them. When the customer does not answer (or the agent declines), a
//! retry is scheduled with `outbound.schedule-callback`, at most `max_attempts` tries in all;
//! the retry's reason carries the next attempt number (`attempt 2/3: …`). The result is tagged
//! `callback:connected`, `callback:retry-scheduled`, `callback:declined` or `callback:gave-up`.

// Tests may unwrap; scenario code may not (the workspace lint).
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod settings;

use wasmphony_guest::error::{Error, describe};
use wasmphony_guest::outbound::Callback;
use wasmphony_guest::prompt;
use wasmphony_guest::{Call, CallError, OutboundScenario, ScenarioResult, config, log, time};

use settings::{Settings, Task};

/// The shipped configuration, used when the route gives none.
const DEFAULT_CONFIG: &str = include_str!("../config.json");

/// Digits of the customer's number read to the agent.
const SPOKEN_DIGITS: usize = 4;

struct AutoCallback;

impl OutboundScenario for AutoCallback {
    fn handle(call: Call) -> ScenarioResult {
        let settings: Settings = config::load_or(DEFAULT_CONFIG)?;
        let task = Task::from_vars(|name| call.var(name))
            .ok_or_else(|| Error::scenario("auto-callback needs the `customer` call variable"))?;
        log::info(format!("callback to {} (attempt {}/{})", task.customer, task.attempt, settings.attempts()));
        call.answer()?;

        if !agent_accepts(&call, &settings, &task)? {
            call.tag("callback:declined")?;
            retry_or_give_up(&call, &settings, &task)?;
            call.hangup();
            return Ok(());
        }

        call.play("callback-connecting")?;
        let dialed = call.dial().number(task.customer.as_str()).ring_timeout_seconds(settings.ring_timeout_seconds).run();
        match dialed {
            Ok(outcome) => {
                log::info(format!("connected for {} s", outcome.talk_seconds));
                call.tag("callback:connected")?;
            }
            Err(CallError::Hangup) => return Err(CallError::Hangup.into()),
            Err(error) => {
                log::info(format!("customer not reached: {}", describe(&error)));
                call.tag("callback:no-answer")?;
                call.play("callback-customer-unavailable")?;
                retry_or_give_up(&call, &settings, &task)?;
            }
        }
        call.hangup();
        Ok(())
    }
}

wasmphony_guest::outbound_scenario!(AutoCallback);

/// Offers the callback to the agent: the accept key connects; another key declines; silence
/// repeats the offer, then counts as declining.
fn agent_accepts(call: &Call, settings: &Settings, task: &Task) -> Result<bool, CallError> {
    let last_digits = wasmphony_guest::numbers::last_digits(&task.customer, SPOKEN_DIGITS);
    let offer = vec![
        prompt::file("callback-agent-intro"),
        prompt::digits(last_digits),
        prompt::file("callback-press-1"),
    ];
    for _ in 0..settings.offer_tries.max(1) {
        let key = call.collect().timeout_ms(settings.offer_timeout_ms).prompt(offer.clone()).run_optional()?;
        if let Some(key) = key {
            return Ok(key == settings.accept_key);
        }
    }
    Ok(false)
}

/// Schedules the next try when attempts remain, else gives up; tags and records the attempt.
fn retry_or_give_up(call: &Call, settings: &Settings, task: &Task) -> Result<(), CallError> {
    let next = task.attempt.saturating_add(1);
    if next > settings.attempts() {
        call.tag("callback:gave-up")?;
        log::warn(format!("giving up on {} after {} attempts", task.customer, task.attempt));
        return Ok(());
    }
    let mut request = Callback::new(task.customer.as_str())
        .at_unix(time::now().unix_seconds.saturating_add(settings.retry_after_seconds))
        .reason(format!("attempt {next}/{}: {}", settings.attempts(), task.reason));
    request = request.queue(task.queue.clone().unwrap_or_else(|| settings.queue.clone()));
    let id = request.schedule()?;
    call.set_var("attempt", next.to_string())?;
    call.set_var("retry", &id)?;
    call.tag("callback:retry-scheduled")?;
    Ok(())
}
