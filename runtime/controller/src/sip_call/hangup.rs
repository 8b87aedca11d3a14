//! `hangup`: a final error response before the answer, BYE after it.

use wasmphony_engine::api::HangupCause;
use wasmphony_sip::message::{Method, StatusCode};

use super::SipCall;
use crate::call_record::HangupSide;
use crate::limits::SIGNALLING_WAIT;

impl SipCall {
    /// Ends the call from our side; a no-op once it is over.
    pub(crate) async fn hang_up(&mut self, cause: HangupCause) {
        if self.ensure_not_ended().is_err() {
            return;
        }
        self.ended = true;
        self.finish_play().await;
        self.leg = None;
        self.media_dialog = None;
        self.book.lock().end(HangupSide::Host);
        if let Some(mut invite) = self.invite.take() {
            let status = refusal_status(cause);
            self.book.lock().rejected_with = Some(status.as_u16());
            let _ = invite.respond_with(status).await;
            return;
        }
        let bye = self.dialog.new_request(Method::Bye);
        match self.context.endpoint.send_request(bye, self.peer).await {
            Ok(mut transaction) => {
                let answered =
                    tokio::time::timeout(SIGNALLING_WAIT, transaction.final_response()).await;
                if !matches!(answered, Ok(Some(_))) {
                    tracing::debug!(call = %self.info.id, "BYE got no final response");
                }
            }
            Err(e) => tracing::warn!(call = %self.info.id, "BYE not sent: {e}"),
        }
    }
}

/// The final response that refuses an unanswered call.
fn refusal_status(cause: HangupCause) -> StatusCode {
    match cause {
        HangupCause::Busy => StatusCode::BUSY_HERE,
        HangupCause::Rejected => StatusCode::DECLINE,
        HangupCause::Normal | HangupCause::Unavailable => StatusCode::TEMPORARILY_UNAVAILABLE,
    }
}
