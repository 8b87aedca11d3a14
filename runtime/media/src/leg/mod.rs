//! A call leg's media as one tokio task: the call controller sends it
//! commands (play, stop, send keys, record, bridge) and receives events
//! (keys, playback ended). The task owns the leg's RTP session and every
//! sans-IO core, so nothing is shared and nothing is locked.
//!
//! Every 20 ms tick the leg sends exactly one packet — a DTMF event, the
//! player's frame, or silence — so the peer hears a steady 50 packets per
//! second; while bridged by relay, the other leg's packets take that place, and while
//! they are all the leg sends, its tick sleeps until the relay could go idle (about 10
//! wake-ups a second instead of 50).

mod task;

use crate::bridge::LegFormat;
use crate::dtmf::Digit;
use crate::net::RtpSession;
use crate::play::player::PlayError;
use crate::play::{PlayEnd, PlayItem, Prompt};
use crate::record::RecordError;
use crate::rtp::stats::MediaCounters;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Commands waiting for the leg task.
pub const COMMAND_QUEUE: usize = 16;
/// Events waiting for the controller; beyond this, events are dropped and counted.
pub const EVENT_QUEUE: usize = 64;
/// Packets from the other leg of a bridge waiting to be relayed (≈0.6 s of audio).
pub const RELAY_QUEUE: usize = 32;

/// How the leg was negotiated.
#[derive(Debug, Clone)]
pub struct LegConfig {
    /// Codec and payload types on this leg.
    pub format: LegFormat,
    /// The peer's RTP address from its SDP.
    pub remote: Option<SocketAddr>,
    /// Run the in-band detector (the peer negotiated no telephone-event).
    pub inband_dtmf: bool,
    /// The prompt library's one-frame silence.
    pub silence: Arc<Prompt>,
}

/// Where a key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigitSource {
    /// RFC 4733 telephone-event.
    Rfc4733,
    /// Detected in the audio.
    Inband,
    /// A SIP INFO body, handed over by the controller.
    SipInfo,
}

/// What a leg reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegEvent {
    /// A key press.
    Digit(Digit, DigitSource),
    /// The playlist ended (completed, or stopped by barge-in or command).
    PlayEnded(PlayEnd),
    /// The caller has been quiet for the recording's `stop_after_silence` (sent once per
    /// recording; the recording goes on until it is stopped).
    Silence,
    /// The leg stopped (socket failure); the call should end.
    Failed(String),
}

/// The other leg of a bridge, as seen by this one.
#[derive(Debug, Clone)]
pub struct RelayTarget {
    sender: mpsc::Sender<RelayPacket>,
    format: LegFormat,
}

impl RelayTarget {
    /// The codec and payload types of the leg behind this target.
    pub fn format(&self) -> LegFormat {
        self.format
    }
}

/// An RTP datagram handed from one leg to the other.
#[derive(Debug)]
struct RelayPacket {
    datagram: Vec<u8>,
    source: LegFormat,
}

enum LegCommand {
    Play {
        items: Vec<PlayItem>,
        looped: bool,
        barge_in: bool,
        reply: oneshot::Sender<Result<(), PlayError>>,
    },
    StopPlay,
    SendDigits {
        digits: Vec<Digit>,
        duration: Duration,
    },
    StartRecording {
        file: std::fs::File,
        stop_after_silence: Option<Duration>,
        reply: oneshot::Sender<Result<(), RecordError>>,
    },
    StopRecording {
        reply: oneshot::Sender<Result<(), RecordError>>,
    },
    Bridge(Option<RelayTarget>),
    /// The receiving end of this leg's relay queue, opened by its first bridge.
    OpenRelay(mpsc::Receiver<RelayPacket>),
    Renegotiated {
        remote: Option<SocketAddr>,
        sending: bool,
    },
    InjectDigit(Digit),
}

/// Renegotiates a leg from outside its owner (see [`MediaLeg::control`]).
/// It does not keep the leg alive (dropping the [`MediaLeg`] still ends it); once
/// the leg has ended, its commands fail with [`LegError::Gone`].
#[derive(Debug, Clone)]
pub struct LegControl {
    commands: mpsc::WeakSender<LegCommand>,
}

impl LegControl {
    /// As [`MediaLeg::renegotiated`].
    pub async fn renegotiated(
        &self,
        remote: Option<SocketAddr>,
        sending: bool,
    ) -> Result<(), LegError> {
        let commands = self.commands.upgrade().ok_or(LegError::Gone)?;
        commands
            .send(LegCommand::Renegotiated { remote, sending })
            .await
            .map_err(|_| LegError::Gone)
    }
}

/// Why a command did not reach the leg.
#[derive(Debug, thiserror::Error)]
pub enum LegError {
    /// The leg task has ended.
    #[error("media leg has ended")]
    Gone,
    /// The playlist was refused.
    #[error(transparent)]
    Play(#[from] PlayError),
    /// Recording failed.
    #[error(transparent)]
    Record(#[from] RecordError),
}

/// The controller's handle on a running leg; dropping it ends the leg
/// (and finishes its recording).
#[derive(Debug)]
pub struct MediaLeg {
    commands: mpsc::Sender<LegCommand>,
    events: mpsc::Receiver<LegEvent>,
    /// This leg's inbox for the other leg's packets, opened when a bridge first asks for
    /// it: most legs are never bridged, and a queue costs 1.5 KiB while it exists.
    relay_target: tokio::sync::OnceCell<RelayTarget>,
    format: LegFormat,
    counters: Arc<MediaCounters>,
}

impl MediaLeg {
    /// Starts the leg's task on `session` (signalling has completed now).
    pub fn spawn(mut session: RtpSession, config: LegConfig) -> Self {
        session.on_signalling(config.remote, std::time::Instant::now());
        let (commands, command_rx) = mpsc::channel(COMMAND_QUEUE);
        let (event_tx, events) = mpsc::channel(EVENT_QUEUE);
        let counters = session.counters();
        let format = config.format;
        // Boxed before spawning: `spawn` passes the future by value through half a dozen
        // frames, each a copy on the caller's stack. The caller is often a scenario's fiber
        // (answer, dial), whose touched stack pages stay resident for the whole call: when
        // the future was 3 KiB, this spawn alone took the fiber to 28 KiB. (The future is
        // kept small too, see `task::run`.)
        // On the runtime whose reactor has the session's sockets (a media thread).
        let runtime = session.runtime().clone();
        runtime.spawn(Box::pin(task::run(session, config, command_rx, event_tx)));
        Self {
            commands,
            events,
            relay_target: tokio::sync::OnceCell::new(),
            format,
            counters,
        }
    }

    /// Plays `items` (looped for music on hold); a key stops it when `barge_in`.
    /// Returns once playback started; [`LegEvent::PlayEnded`] follows.
    pub async fn play(
        &self,
        items: Vec<PlayItem>,
        looped: bool,
        barge_in: bool,
    ) -> Result<(), LegError> {
        let (reply, result) = oneshot::channel();
        self.send(LegCommand::Play {
            items,
            looped,
            barge_in,
            reply,
        })
        .await?;
        Ok(result.await.map_err(|_| LegError::Gone)??)
    }

    /// Stops playback.
    pub async fn stop_play(&self) -> Result<(), LegError> {
        self.send(LegCommand::StopPlay).await
    }

    /// Sends keys as RFC 4733 events, each held for `duration`.
    pub async fn send_digits(
        &self,
        digits: Vec<Digit>,
        duration: Duration,
    ) -> Result<(), LegError> {
        self.send(LegCommand::SendDigits { digits, duration }).await
    }

    /// Starts recording into `file` (caller left, what the caller hears right). With
    /// `stop_after_silence`, [`LegEvent::Silence`] reports once that the caller has been
    /// quiet that long (see [`crate::record::SilenceDetector`]).
    pub async fn start_recording(
        &self,
        file: std::fs::File,
        stop_after_silence: Option<Duration>,
    ) -> Result<(), LegError> {
        let (reply, result) = oneshot::channel();
        self.send(LegCommand::StartRecording {
            file,
            stop_after_silence,
            reply,
        })
        .await?;
        Ok(result.await.map_err(|_| LegError::Gone)??)
    }

    /// Finishes the recording.
    pub async fn stop_recording(&self) -> Result<(), LegError> {
        let (reply, result) = oneshot::channel();
        self.send(LegCommand::StopRecording { reply }).await?;
        Ok(result.await.map_err(|_| LegError::Gone)??)
    }

    /// Sends this leg's incoming audio to `other` (call on both legs to bridge
    /// both ways); `None` ends the bridge.
    pub async fn bridge_to(&self, other: Option<&MediaLeg>) -> Result<(), LegError> {
        let target = match other {
            Some(other) => Some(other.relay_target().await?),
            None => None,
        };
        self.send(LegCommand::Bridge(target)).await
    }

    /// Where the other leg of a bridge sends its packets for this one. The first call
    /// opens the queue and hands its receiving end to the task; packets sent before the
    /// task takes it wait in the queue.
    async fn relay_target(&self) -> Result<RelayTarget, LegError> {
        let target = self
            .relay_target
            .get_or_try_init(|| async {
                let (sender, receiver) = mpsc::channel(RELAY_QUEUE);
                self.send(LegCommand::OpenRelay(receiver)).await?;
                Ok::<_, LegError>(RelayTarget {
                    sender,
                    format: self.format,
                })
            })
            .await?;
        Ok(target.clone())
    }

    /// A new offer/answer completed (re-INVITE): `remote` is the peer's new
    /// address (the latch re-opens for it) and `sending` whether our direction
    /// still sends (false on hold: sendonly peer, recvonly or inactive for us).
    /// While not sending, timestamps keep following the clock.
    pub async fn renegotiated(
        &self,
        remote: Option<SocketAddr>,
        sending: bool,
    ) -> Result<(), LegError> {
        self.send(LegCommand::Renegotiated { remote, sending })
            .await
    }

    /// A handle that can only renegotiate this leg, for the signalling side
    /// (re-INVITE, UPDATE) while the call's own task owns the leg.
    pub fn control(&self) -> LegControl {
        LegControl {
            commands: self.commands.downgrade(),
        }
    }

    /// A key the controller received out of band (SIP INFO): reported and
    /// barging in exactly like a key received on the media path.
    pub async fn inject_digit(&self, digit: Digit) -> Result<(), LegError> {
        self.send(LegCommand::InjectDigit(digit)).await
    }

    /// The next event; `None` once the leg has ended.
    pub async fn next_event(&mut self) -> Option<LegEvent> {
        self.events.recv().await
    }

    /// The leg's packet counters.
    pub fn counters(&self) -> Arc<MediaCounters> {
        Arc::clone(&self.counters)
    }

    async fn send(&self, command: LegCommand) -> Result<(), LegError> {
        self.commands
            .send(command)
            .await
            .map_err(|_| LegError::Gone)
    }
}
