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
    ///
    /// Every operation that waits on the caller (collect, play, queue, dial) answers first,
    /// so its future has room for this one's state for as long as it waits, and the
    /// scenario's fiber runs this deep in a host call. So the 200 OK goes out from where
    /// the INVITE and the media wait in `self`: this future holds references and the send,
    /// not the transaction and the session (they took it to 6 KiB).
    pub(super) async fn answer_call(&mut self) -> Result<(), CallError> {
        self.ensure_not_ended()?;
        if self.leg.is_some() {
            return Ok(());
        }
        // The 200 OK is made in a block of its own: a local's room in a future lasts until
        // its scope ends, even after the message was moved into the command.
        let sent = match (self.invite.as_mut(), self.pending_media.as_ref()) {
            (Some(invite), Some(media)) => {
                let mut ok = invite.response(StatusCode::OK);
                self.dialog.answer(invite.request(), &mut ok);
                ok.set_body(SDP_CONTENT_TYPE, media.answer_sdp.clone());
                invite.respond(ok)
            }
            _ => return Err(self.caller_left()),
        };
        let sent = sent.await;
        self.invite = None;
        let media = self.pending_media.take();
        let (Ok(()), Some(media)) = (sent, media) else {
            return Err(self.caller_left());
        };
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
