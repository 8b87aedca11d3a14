//! Waiting on a call: the next key, the end of a playlist, a deadline, or the
//! caller leaving, whichever comes first.

use tokio::time::Instant;
use wasmphony_engine::api::CallError;
use wasmphony_media::dtmf::Digit;
use wasmphony_media::leg::LegEvent;
use wasmphony_media::play::PlayItem;

use super::SipCall;
use crate::limits::STOP_PLAY_WAIT;

/// What woke a waiting operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Wake {
    Digit(Digit),
    PlayEnded,
    /// The caller fell silent for as long as the running recording asked.
    Silence,
    Deadline,
    /// The caller left, or the media leg failed.
    Gone,
}

/// One round of waiting: a wake for the operation, or a SIP INFO key to inject.
enum Polled {
    Wake(Wake),
    Info(Digit),
}

impl SipCall {
    /// Waits for the next thing that matters to the current operation.
    pub(super) async fn next_wake(&mut self, deadline: Option<Instant>) -> Wake {
        loop {
            match self.media_wake(deadline).await {
                Polled::Wake(wake) => return wake,
                Polled::Info(digit) => {
                    let Some(leg) = self.leg.as_ref() else {
                        return Wake::Gone;
                    };
                    if leg.inject_digit(digit).await.is_err() {
                        return Wake::Gone;
                    }
                }
            }
        }
    }

    async fn media_wake(&mut self, deadline: Option<Instant>) -> Polled {
        let Some(leg) = self.leg.as_mut() else {
            return Polled::Wake(Wake::Gone);
        };
        let wake = tokio::select! {
            biased;
            _ = self.gone.wait_for(Option::is_some) => Wake::Gone,
            Some(digit) = self.info_digits.recv() => return Polled::Info(digit),
            event = leg.next_event() => match event {
                Some(LegEvent::Digit(digit, _)) => Wake::Digit(digit),
                Some(LegEvent::PlayEnded(_)) => Wake::PlayEnded,
                Some(LegEvent::Silence) => Wake::Silence,
                Some(LegEvent::Failed(reason)) => {
                    tracing::warn!(call = %self.info.id, %reason, "media leg failed");
                    Wake::Gone
                }
                None => Wake::Gone,
            },
            () = crate::deadline::sleep_until(deadline) => Wake::Deadline,
        };
        if wake == Wake::PlayEnded {
            self.playing = false;
        }
        Polled::Wake(wake)
    }

    /// Starts a playlist on the leg.
    pub(super) async fn start_play(
        &mut self,
        items: Vec<PlayItem>,
        barge_in: bool,
    ) -> Result<(), CallError> {
        let leg = self.leg.as_ref().ok_or(CallError::Hangup)?;
        match leg.play(items, false, barge_in).await {
            Ok(()) => {
                self.playing = true;
                Ok(())
            }
            Err(wasmphony_media::leg::LegError::Gone) => Err(self.caller_left()),
            Err(other) => Err(CallError::Invalid(other.to_string())),
        }
    }

    /// Stops a running playlist and waits for its end, so the next operation
    /// does not mistake it for its own. Keys pressed meanwhile are kept.
    pub(super) async fn finish_play(&mut self) {
        if !self.playing {
            return;
        }
        if let Some(leg) = self.leg.as_ref() {
            let _ = leg.stop_play().await;
        }
        let until = Instant::now() + STOP_PLAY_WAIT;
        while self.playing {
            match self.next_wake(Some(until)).await {
                Wake::Digit(digit) => self.keep_type_ahead(digit),
                Wake::PlayEnded | Wake::Silence => {}
                Wake::Deadline | Wake::Gone => {
                    self.playing = false;
                }
            }
        }
    }
}
