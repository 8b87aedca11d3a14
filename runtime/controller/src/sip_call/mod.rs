//! One inbound SIP call as the scenario sees it: [`SipCall`] implements the
//! engine's [`CallControl`] over a SIP dialog and a media leg.
//!
//! Signalling: the INVITE's server transaction is held until the scenario
//! answers (200 OK with our SDP answer) or refuses (a final error response);
//! `hangup` after the answer sends BYE. The controller's request loop reports
//! the caller's BYE, CANCEL or a missing ACK through a watch channel; every
//! pending or later operation then ends with [`CallError::Hangup`].

mod answer;
mod caller_transfer;
mod collect;
mod dial_op;
mod enqueue;
mod far_leg;
mod hand_over;
mod hangup;
mod play;
mod queue_overflow;
mod record;
mod transfer;
mod wake;

pub(crate) use answer::SDP_CONTENT_TYPE;
pub(crate) use caller_transfer::StaffCaller;
pub(crate) use dial_op::DEFAULT_RING_SECONDS;
pub use enqueue::{HOLD_MUSIC_PROMPT, QUEUE_CALLBACK_REASON};
pub use queue_overflow::{QUEUE_ABANDONED_REASON, QUEUE_OVERFLOW_REASON};
pub use transfer::TRANSFERRED_TAG;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;
use wasmphony_engine::CallControl;
use wasmphony_engine::api::{
    CallError, CallInfo, CollectOptions, DialOptions, DialOutcome, DialTarget, EnqueueOptions,
    HangupCause, LocalTime, LogLevel, Prompt, QueueOutcome, RecordOptions,
};
use wasmphony_media::bridge::LegFormat;
use wasmphony_media::dtmf::Digit;
use wasmphony_media::leg::{LegConfig, MediaLeg};
use wasmphony_media::net::RtpSession;
use wasmphony_media::play::PromptLibrary;
use wasmphony_sip::dialog::Dialog;
use wasmphony_sip::endpoint::{ServerTransaction, Target};

use crate::call_book::SharedBook;
use crate::call_record::HangupSide;
use crate::context::ControllerContext;
use crate::in_dialog::{MediaDialogGuard, SessionMedia};
use crate::limits::{MAX_TYPE_AHEAD, SEND_DTMF_DURATION};
use crate::live_calls::{GoneReceiver, InfoDigits};
use crate::local_time::local_time;

/// Media negotiated at INVITE time, started when the call is answered.
pub(crate) struct PendingMedia {
    pub(crate) session: RtpSession,
    pub(crate) config: LegConfig,
    pub(crate) answer_sdp: Bytes,
    /// The offer/answer state re-INVITEs and UPDATEs continue from.
    pub(crate) session_media: SessionMedia,
}

/// One inbound call under a scenario's control.
pub(crate) struct SipCall {
    info: CallInfo,
    context: Arc<ControllerContext>,
    prompts: Arc<PromptLibrary>,
    /// The INVITE, until it gets its final response.
    invite: Option<ServerTransaction>,
    dialog: Dialog,
    /// Where in-dialog requests (BYE) go.
    peer: Target,
    pending_media: Option<PendingMedia>,
    leg: Option<MediaLeg>,
    /// Makes the answered leg reachable by the caller's re-INVITE and UPDATE.
    media_dialog: Option<MediaDialogGuard>,
    /// The caller leg's codec and payload types, once answered.
    caller_format: Option<LegFormat>,
    gone: GoneReceiver,
    /// Keys from SIP INFO; each is injected into the leg, which reports it
    /// (and barges in) like a key from the media path.
    info_digits: InfoDigits,
    book: SharedBook,
    /// Set once the call is over, whoever ended it.
    ended: bool,
    /// A playlist is running on the leg (its `PlayEnded` is still to come).
    playing: bool,
    /// Keys pressed while nothing consumed them, for the next collect or barge-in.
    type_ahead: VecDeque<Digit>,
    recordings: u32,
    /// Set for a staff phone's direct call: the phone may transfer the party it
    /// called (`caller_transfer.rs`).
    staff_caller: Option<StaffCaller>,
}

/// Everything a [`SipCall`] is made of.
pub(crate) struct SipCallParts {
    pub(crate) info: CallInfo,
    pub(crate) context: Arc<ControllerContext>,
    pub(crate) prompts: Arc<PromptLibrary>,
    pub(crate) invite: ServerTransaction,
    pub(crate) dialog: Dialog,
    pub(crate) peer: Target,
    pub(crate) media: PendingMedia,
    pub(crate) gone: GoneReceiver,
    pub(crate) info_digits: InfoDigits,
    pub(crate) book: SharedBook,
}

impl SipCall {
    pub(crate) fn new(parts: SipCallParts) -> Self {
        SipCall {
            info: parts.info,
            context: parts.context,
            prompts: parts.prompts,
            invite: Some(parts.invite),
            dialog: parts.dialog,
            peer: parts.peer,
            pending_media: Some(parts.media),
            leg: None,
            media_dialog: None,
            caller_format: None,
            gone: parts.gone,
            info_digits: parts.info_digits,
            book: parts.book,
            ended: false,
            playing: false,
            type_ahead: VecDeque::new(),
            recordings: 0,
            staff_caller: None,
        }
    }

    /// The media thread the caller's leg was bound on, where the call's other legs go
    /// too (`media_thread.rs`).
    pub(crate) fn media_thread(&self) -> tokio::runtime::Handle {
        match &self.pending_media {
            Some(media) => media.session.runtime().clone(),
            None => self.context.media_thread(),
        }
    }

    /// The caller has gone: the call is over, media stops, and the operation
    /// that noticed reports `Hangup`.
    fn caller_left(&mut self) -> CallError {
        if !self.ended {
            self.ended = true;
            self.book.lock().end(HangupSide::Caller);
        }
        self.invite = None;
        self.leg = None;
        self.media_dialog = None;
        self.playing = false;
        CallError::Hangup
    }

    /// Fails with `Hangup` once the call is over.
    fn ensure_not_ended(&mut self) -> Result<(), CallError> {
        if self.gone.borrow().is_some() {
            return Err(self.caller_left());
        }
        if self.ended {
            Err(CallError::Hangup)
        } else {
            Ok(())
        }
    }

    fn keep_type_ahead(&mut self, digit: Digit) {
        if self.type_ahead.len() < MAX_TYPE_AHEAD {
            self.type_ahead.push_back(digit);
        }
    }
}

#[async_trait]
impl CallControl for SipCall {
    fn info(&self) -> CallInfo {
        self.info.clone()
    }

    async fn answer(&mut self) -> Result<(), CallError> {
        self.answer_call().await
    }

    async fn hangup(&mut self, cause: HangupCause) {
        self.hang_up(cause).await;
    }

    async fn play(
        &mut self,
        prompts: Vec<Prompt>,
        barge_in: bool,
    ) -> Result<Option<String>, CallError> {
        self.play_prompts(&prompts, barge_in).await
    }

    async fn collect(&mut self, options: CollectOptions) -> Result<String, CallError> {
        self.collect_digits(&options).await
    }

    async fn record(&mut self, options: RecordOptions) -> Result<String, CallError> {
        self.record_caller(&options).await
    }

    async fn dial(&mut self, options: DialOptions) -> Result<DialOutcome, CallError> {
        self.dial_targets(&options).await
    }

    async fn enqueue(&mut self, options: EnqueueOptions) -> Result<QueueOutcome, CallError> {
        self.ensure_not_ended()?;
        self.wait_in_queue(&options).await
    }

    async fn transfer(&mut self, target: DialTarget) -> Result<(), CallError> {
        self.hand_over(target).await
    }

    async fn send_dtmf(&mut self, digits: String) -> Result<(), CallError> {
        self.answer_call().await?;
        let keys: Vec<Digit> = digits.chars().filter_map(Digit::from_char).collect();
        if keys.len() != digits.chars().count() {
            return Err(CallError::Invalid(format!("not DTMF keys: {digits:?}")));
        }
        let leg = self.leg.as_ref().ok_or(CallError::Hangup)?;
        leg.send_digits(keys, SEND_DTMF_DURATION)
            .await
            .map_err(|_| CallError::Hangup)
    }

    async fn tag(&mut self, label: String) -> Result<(), CallError> {
        self.book.lock().add_tag(label);
        Ok(())
    }

    fn set_var(&mut self, name: String, value: String) {
        self.book.lock().set_var(name, value);
    }

    fn get_var(&self, name: &str) -> Option<String> {
        self.book.lock().get_var(name)
    }

    fn var_count(&self) -> usize {
        self.book.lock().vars.len()
    }

    fn log(&mut self, level: LogLevel, message: &str) {
        tracing::debug!(call = %self.info.id, ?level, "{message}");
        self.book.lock().add_log(format!("{level:?}: {message}"));
    }

    fn now(&self) -> LocalTime {
        local_time(SystemTime::now(), self.context.utc_offset_minutes)
    }

    fn on_guest_failure(&mut self, reason: &str) {
        self.book.lock().failure = Some(reason.to_string());
    }
}
