//! REFER (RFC 3515) inside a call: blind transfer is not carried out yet, so a
//! REFER on one of our dialogs is declined with a reason (never dropped, never
//! left to time out), one without a Refer-To is malformed, and one outside any
//! dialog of ours gets 481.

use wasmphony_sip::dialog::DialogId;
use wasmphony_sip::endpoint::ServerTransaction;
use wasmphony_sip::message::{HeaderName, StatusCode};

use crate::controller::Controller;

/// The reason a REFER on a live call is declined, in its Warning.
pub(crate) const TRANSFER_UNAVAILABLE: &str = "blind transfer (REFER) is not available yet";

impl Controller {
    pub(crate) async fn on_refer(&self, mut transaction: ServerTransaction) {
        let request = transaction.request();
        let status = match DialogId::for_incoming(request) {
            None => StatusCode::CALL_DOES_NOT_EXIST,
            Some(id)
                if self
                    .context
                    .media_dialogs
                    .get(&id.call_id, &id.local_tag)
                    .is_none() =>
            {
                StatusCode::CALL_DOES_NOT_EXIST
            }
            Some(_) if request.head.headers.get(&HeaderName::ReferTo).is_none() => {
                StatusCode::BAD_REQUEST
            }
            Some(_) => StatusCode::DECLINE,
        };
        let mut response = transaction.response(status);
        if status == StatusCode::DECLINE {
            tracing::info!("REFER declined: {TRANSFER_UNAVAILABLE}");
            response.head.headers.push(
                HeaderName::Other("Warning".into()),
                format!("399 wasmphony \"{TRANSFER_UNAVAILABLE}\""),
            );
        }
        let _ = transaction.respond(response).await;
    }
}
