//! Answering: 200 OK with our SDP answer, then the media leg starts.

use std::time::SystemTime;

use wasmphony_engine::api::CallError;
use wasmphony_media::leg::MediaLeg;
use wasmphony_sip::message::StatusCode;

use super::SipCall;

/// Content type of our SDP bodies.
pub(crate) const SDP_CONTENT_TYPE: &str = "application/sdp";

impl SipCall {
    /// Answers once; later calls are no-ops while the call lasts.
    pub(super) async fn answer_call(&mut self) -> Result<(), CallError> {
        self.ensure_not_ended()?;
        if self.leg.is_some() {
            return Ok(());
        }
        let (Some(mut invite), Some(media)) = (self.invite.take(), self.pending_media.take())
        else {
            return Err(self.caller_left());
        };
        let mut ok = invite.response(StatusCode::OK);
        self.dialog.answer(invite.request(), &mut ok);
        ok.set_body(SDP_CONTENT_TYPE, media.answer_sdp);
        if invite.respond(ok).await.is_err() {
            return Err(self.caller_left());
        }
        self.caller_format = Some(media.config.format);
        let leg = MediaLeg::spawn(media.session, media.config);
        self.media_dialog = Some(self.context.media_dialogs.register_leg(
            &self.dialog,
            &leg,
            media.session_media,
        ));
        self.leg = Some(leg);
        let now = SystemTime::now();
        self.book.lock().answered_at = Some(now);
        self.context
            .journal
            .answered(&self.info.tenant, &self.info.id, now)
            .await;
        Ok(())
    }
}
