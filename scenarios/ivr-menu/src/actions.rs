//! Carrying out what the caller chose at the menu.

use wasmphony_guest::menu::{MenuAction, Selection, SelectionReason, Strategy};
use wasmphony_guest::outbound::Callback;
use wasmphony_guest::{Call, CallError, QueueOutcome, ScenarioResult, log};

use crate::settings::{ACTION_CALLBACK, ACTION_VOICEMAIL, Settings};

/// Runs the selected action; unanswered dials and queue overflow end in voicemail.
pub(crate) fn carry_out(call: &Call, settings: &Settings, selection: Selection) -> ScenarioResult {
    if !selection.path.is_empty() {
        call.tag(format!("menu:{}", selection.path))?;
    }
    if selection.reason == SelectionReason::Failure {
        call.tag("menu-failure")?;
    }
    match selection.action {
        MenuAction::Queue { queue } => join_queue(call, settings, &queue),
        MenuAction::Extension { extension } => {
            call.tag(format!("extension:{extension}"))?;
            let dial = call.dial().extension(extension).ring_timeout_seconds(settings.ring_timeout_seconds);
            dial_or_voicemail(call, settings, dial)
        }
        MenuAction::Dial { targets, strategy, ring_timeout_seconds, record } => {
            let dial = call
                .dial()
                .targets(&targets)
                .ring_timeout_seconds(ring_timeout_seconds.unwrap_or(settings.ring_timeout_seconds))
                .record(record);
            let dial = match strategy {
                Strategy::Parallel => dial.parallel(),
                Strategy::Sequential => dial.sequential(),
            };
            dial_or_voicemail(call, settings, dial)
        }
        MenuAction::Scenario { name } if name == ACTION_CALLBACK => callback(call, settings, "menu"),
        MenuAction::Scenario { name } if name == ACTION_VOICEMAIL => voicemail(call, settings),
        MenuAction::Hangup { prompt } => {
            if let Some(prompt) = prompt {
                call.play(prompt)?;
            }
            call.hangup();
            Ok(())
        }
        other => {
            // `Settings::validate` rules this out; never leave the caller in silence anyway.
            log::warn(format!("unexpected menu action {other:?}; taking a message"));
            voicemail(call, settings)
        }
    }
}

fn join_queue(call: &Call, settings: &Settings, queue: &str) -> ScenarioResult {
    call.tag(format!("queue:{queue}"))?;
    let mut enqueue = call
        .enqueue(queue)
        .max_wait_seconds(settings.queue.max_wait_seconds)
        .announce_every_seconds(settings.queue.announce_every_seconds);
    if let Some(key) = &settings.queue.callback_key {
        enqueue = enqueue.callback_key(key.as_str());
    }
    match enqueue.run()? {
        QueueOutcome::Answered(_) => Ok(()),
        QueueOutcome::CallbackRequested => {
            // The host's callback task keeps the caller's place.
            call.tag("callback")?;
            call.play(["callback-confirmed", "goodbye"])?;
            call.hangup();
            Ok(())
        }
        QueueOutcome::Overflow => voicemail(call, settings),
    }
}

fn dial_or_voicemail(call: &Call, settings: &Settings, dial: wasmphony_guest::dial::Dial) -> ScenarioResult {
    match dial.run() {
        Ok(_) => Ok(()),
        Err(CallError::Hangup) => Err(CallError::Hangup.into()),
        Err(error) => {
            log::info(format!("not answered: {}", wasmphony_guest::error::describe(&error)));
            call.play("extension-unavailable")?;
            voicemail(call, settings)
        }
    }
}

/// Schedules a callback as soon as an agent of the callback queue is free.
pub(crate) fn callback(call: &Call, settings: &Settings, reason: &str) -> ScenarioResult {
    Callback::new(call.caller()).queue(settings.callback_queue.as_str()).reason(reason).schedule()?;
    call.tag("callback")?;
    call.play(["callback-confirmed", "goodbye"])?;
    call.hangup();
    Ok(())
}

/// Takes a message after the beep, then hangs up.
pub(crate) fn voicemail(call: &Call, settings: &Settings) -> ScenarioResult {
    call.play(settings.voicemail.prompt.as_str())?;
    let recording = call.record().max_seconds(settings.voicemail.max_seconds).run();
    match recording {
        Ok(id) => {
            call.tag("voicemail")?;
            call.set_var("voicemail", id)?;
        }
        Err(CallError::Hangup) => return Err(CallError::Hangup.into()),
        Err(error) => log::info(format!("no message left: {}", wasmphony_guest::error::describe(&error))),
    }
    call.play("goodbye")?;
    call.hangup();
    Ok(())
}
