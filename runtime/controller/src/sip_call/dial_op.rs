//! `dial`: ring outbound legs (parallel or sequential), then bridge the
//! answered one to the caller until either side hangs up.

use std::time::{Duration, SystemTime};

use tokio::time::Instant;
use wasmphony_engine::api::{CallError, DialOptions, DialOutcome, DialStrategy};
use wasmphony_media::codec::Codec;
use wasmphony_media::leg::LegEvent;
use wasmphony_sip::message::StatusCode;

use super::SipCall;
use super::caller_transfer::HandOver;
use super::transfer::TransferEnd;
use crate::in_dialog::TransferOrder;
use crate::in_dialog::{TransferTurn, next_order};
use crate::journal::CallBridge;
use crate::limits::{MAX_DIAL_TARGETS, MAX_RING_SECONDS};
use crate::outbound::{AnsweredLeg, DialRequest, RingFailure, resolve_target, ring, send_bye};

/// Ring time when the scenario gives none (and of a transfer's target).
pub(crate) const DEFAULT_RING_SECONDS: u32 = 30;

/// When the caller's INVITE is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AnswerCaller {
    /// Before ringing (a scenario's dial: the caller may have heard prompts).
    First,
    /// When a target answers; until then the caller hears ringing (a phone's
    /// direct call, so "busy" and "no answer" reach the caller's phone as such).
    OnConnect,
}

/// What connected the caller to an answered leg (for the live `call_bridged` event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BridgeVia<'a> {
    /// The scenario's dial (recording the conversation when it asked to), or a phone's
    /// direct call.
    Dial { record: bool },
    /// This queue gave the caller to the agent who answered (the leg's label is the
    /// agent's extension).
    QueueAgent(&'a str),
    /// This queue's overflow rang its backup number.
    QueueOverflow(&'a str),
}

impl SipCall {
    pub(super) async fn dial_targets(
        &mut self,
        options: &DialOptions,
    ) -> Result<DialOutcome, CallError> {
        self.answer_call().await?;
        self.ring_and_bridge(options, AnswerCaller::First).await
    }

    /// A staff phone's call to another phone or out through a trunk: the caller
    /// gets `180 Ringing` and is answered only once a target answers.
    pub(crate) async fn dial_unanswered(
        &mut self,
        options: &DialOptions,
    ) -> Result<DialOutcome, CallError> {
        self.ensure_not_ended()?;
        if let Some(invite) = self.invite.as_mut() {
            let mut ringing = invite.response(StatusCode::RINGING);
            self.dialog.answer(invite.request(), &mut ringing);
            let _ = invite.respond(ringing).await;
        }
        self.ring_and_bridge(options, AnswerCaller::OnConnect).await
    }

    async fn ring_and_bridge(
        &mut self,
        options: &DialOptions,
        answer: AnswerCaller,
    ) -> Result<DialOutcome, CallError> {
        if options.targets.is_empty() {
            return Err(CallError::Invalid("dial needs at least one target".into()));
        }
        if options.targets.len() > MAX_DIAL_TARGETS {
            return Err(CallError::Limit(format!(
                "at most {MAX_DIAL_TARGETS} dial targets"
            )));
        }
        let mut groups = Vec::with_capacity(options.targets.len());
        for target in &options.targets {
            let group = resolve_target(target, &self.context, &self.info.tenant)?;
            if !group.is_empty() {
                groups.push(group);
            }
        }
        if groups.is_empty() {
            return Err(CallError::NotFound(
                "no dial target is reachable (no registered phone)".into(),
            ));
        }
        let seconds = match options.ring_timeout_seconds {
            0 => DEFAULT_RING_SECONDS,
            n => n.min(MAX_RING_SECONDS),
        };
        let ring_time = Duration::from_secs(u64::from(seconds));
        let caller_id = options
            .caller_id
            .clone()
            .unwrap_or_else(|| self.info.from.clone());
        let codec = self
            .caller_format
            .or_else(|| self.pending_media.as_ref().map(|m| m.config.format))
            .map(|f| f.codec)
            .ok_or(CallError::Hangup)?;
        // An answered caller hears silence while the targets ring (no ringback tone yet).
        self.finish_play().await;
        let outcome = match options.strategy {
            DialStrategy::Parallel => {
                let requests = groups.into_iter().flatten().collect();
                self.ring_for_caller(requests, &caller_id, codec, ring_time)
                    .await
            }
            DialStrategy::Sequential => {
                let mut outcome = Err(RingFailure::NoAnswer);
                let mut busy = false;
                for group in groups {
                    outcome = self
                        .ring_for_caller(group, &caller_id, codec, ring_time)
                        .await;
                    match &outcome {
                        Ok(_) | Err(RingFailure::CallerGone) => break,
                        Err(RingFailure::Busy) => busy = true,
                        Err(_) => {}
                    }
                }
                match outcome {
                    Err(
                        RingFailure::NoAnswer | RingFailure::Refused(_) | RingFailure::Failed(_),
                    ) if busy => Err(RingFailure::Busy),
                    other => other,
                }
            }
        };
        let via = BridgeVia::Dial {
            record: options.record,
        };
        match outcome {
            Ok(mut answered) if answer == AnswerCaller::OnConnect => {
                if let Err(error) = self.answer_call().await {
                    send_bye(
                        &self.context.endpoint,
                        &mut answered.dialog,
                        answered.target,
                    )
                    .await;
                    return Err(error);
                }
                self.bridge(answered, via).await
            }
            Ok(answered) => self.bridge(answered, via).await,
            Err(RingFailure::CallerGone) => Err(self.caller_left()),
            Err(RingFailure::Busy) => Err(CallError::Busy),
            // A refusal other than busy is, to the scenario, nobody picking up.
            Err(RingFailure::NoAnswer | RingFailure::Refused(_)) => Err(CallError::NoAnswer),
            Err(RingFailure::Failed(error)) => Err(error),
        }
    }

    /// Connects the caller and the answered leg until either hangs up; tells the
    /// journal once they are connected. A REFER from the far party (staff only)
    /// replaces it by the party it names, in the same bridge (`transfer.rs`); a
    /// REFER from the caller (a staff phone's direct call only) hands the far
    /// party to the party it names, and the call goes on without the caller
    /// (`caller_transfer.rs`).
    pub(super) async fn bridge(
        &mut self,
        answered: AnsweredLeg,
        via: BridgeVia<'_>,
    ) -> Result<DialOutcome, CallError> {
        let endpoint = self.context.endpoint.clone();
        // Whichever leg transfers, one transfer at a time (the other leg's REFER gets 491).
        let turn = TransferTurn::default();
        let mut far = self.take_leg(answered, &turn).await?;
        if self.leg.is_none() {
            far.end(&endpoint).await;
            return Err(CallError::Hangup);
        }
        // The file is opened before the bridge; a recording that cannot start leaves the
        // conversation unrecorded, not the call.
        let recording = match via {
            BridgeVia::Dial { record: true } => self
                .open_recording()
                .inspect_err(|error| {
                    tracing::warn!(call = %self.info.id, "conversation not recorded: {error:?}");
                })
                .ok(),
            _ => None,
        };
        let linked = self.link(&far).await;
        let started = Instant::now();
        let recorded = match recording {
            Some((id, relative, file)) => {
                self.start_bridge_recording(linked, id, relative, file)
                    .await
            }
            None => None,
        };
        if linked {
            let (queue, agent) = match via {
                BridgeVia::Dial { .. } => (None, None),
                BridgeVia::QueueAgent(queue) => (Some(queue.to_string()), Some(far.label.clone())),
                BridgeVia::QueueOverflow(queue) => (Some(queue.to_string()), None),
            };
            let at = SystemTime::now();
            self.book.lock().connected(at);
            let bridge = CallBridge {
                tenant: self.info.tenant.clone(),
                call_id: self.info.id.clone(),
                with: far.label.clone(),
                queue,
                agent,
                at,
            };
            self.context.journal.bridged(bridge).await;
        }
        // A staff phone's direct call: the phone may hand the party it called over.
        let mut caller_transfers = if linked {
            self.open_caller_transfers(&turn)
        } else {
            None
        };
        let caller_hung_up = linked
            && loop {
                let Some(caller) = self.leg.as_mut() else {
                    break true;
                };
                let happening = tokio::select! {
                    biased;
                    _ = self.gone.wait_for(Option::is_some) => Happening::CallerGone,
                    _ = far.gone.wait_for(Option::is_some) => Happening::FarGone,
                    Some(order) = next_order(&mut far.transfers) => Happening::Transfer(order),
                    Some(order) = next_order(&mut caller_transfers) => Happening::CallerTransfer(order),
                    event = far.media.next_event() => {
                        if matches!(event, None | Some(LegEvent::Failed(_))) { Happening::FarGone } else { continue }
                    }
                    event = caller.next_event() => {
                        if matches!(event, None | Some(LegEvent::Failed(_))) { Happening::CallerGone } else { continue }
                    }
                };
                match happening {
                    Happening::CallerGone => break true,
                    Happening::FarGone => break false,
                    Happening::Transfer(order) => match self.transfer(&mut far, order, &turn).await
                    {
                        TransferEnd::Connected(next) => {
                            // The referrer's leg was ended by `transfer`; dropping it frees its media.
                            far = *next;
                        }
                        TransferEnd::Stayed => {}
                        TransferEnd::CallerGone => break true,
                    },
                    Happening::CallerTransfer(order) => {
                        match self
                            .hand_far_over(&mut far, &mut caller_transfers, order)
                            .await
                        {
                            HandOver::Stayed => {}
                            HandOver::FarGone => break false,
                            // The phone left and its transfer failed (the caller's hang-up
                            // is booked below), or the call went on without the phone and
                            // is over (its end is booked already).
                            HandOver::CallerGone | HandOver::Finished => break true,
                        }
                    }
                }
            };
        let talk_seconds = u32::try_from(started.elapsed().as_secs()).unwrap_or(u32::MAX);
        if let Some(id) = recorded {
            if let Some(caller) = self.leg.as_ref() {
                let _ = caller.stop_recording().await;
            }
            self.book.lock().recording_ended(&id, started.elapsed());
        }
        far.end(&endpoint).await;
        let label = far.label.clone();
        drop(far);
        if caller_hung_up || !linked {
            self.caller_left();
        } else if let Some(caller) = self.leg.as_ref() {
            let _ = caller.bridge_to(None).await;
        }
        Ok(DialOutcome {
            answered_by: label,
            talk_seconds,
            caller_hung_up,
        })
    }
}

impl SipCall {
    /// Rings `requests` showing `caller_id`, with the call's context and prompts; the
    /// caller hanging up stops the ringing. Every way a caller's call rings out goes
    /// through here: a dial, a queue's agents or backup (a transfer's target goes
    /// through `in_dialog::ring_transfer_target`).
    pub(super) async fn ring_for_caller(
        &mut self,
        requests: Vec<DialRequest>,
        caller_id: &str,
        codec: Codec,
        ring_time: Duration,
    ) -> Result<AnsweredLeg, RingFailure> {
        let context = self.context.clone();
        let prompts = self.prompts.clone();
        ring(
            &context,
            &prompts,
            requests,
            caller_id,
            codec,
            ring_time,
            &mut self.gone,
        )
        .await
    }

    /// Starts recording the bridge from the caller's leg (caller left, far party right:
    /// the leg hears what it relays); books it and returns its id. A bridge that did not
    /// link, or a leg that refused, leaves no empty file behind.
    async fn start_bridge_recording(
        &self,
        linked: bool,
        id: String,
        relative: String,
        file: std::fs::File,
    ) -> Option<String> {
        let started = match self.leg.as_ref() {
            Some(caller) if linked => caller.start_recording(file, None).await.is_ok(),
            _ => false,
        };
        if !started {
            let _ = std::fs::remove_file(self.recording_file(&relative));
            return None;
        }
        self.recording_began(&id, relative);
        Some(id)
    }
}

/// What interrupted a bridge.
enum Happening {
    CallerGone,
    FarGone,
    /// The far party's REFER was accepted.
    Transfer(TransferOrder),
    /// The caller's REFER (a staff phone's direct call) was accepted.
    CallerTransfer(TransferOrder),
}
