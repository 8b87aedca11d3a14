//! What a referrer is told, and what the call's record keeps, of a blind
//! transfer. Shared by the bridges that carry transfers out: a caller's far
//! party's (`sip_call/transfer.rs`), a direct call's phone's
//! (`sip_call/caller_transfer.rs`) and an agent-first call's
//! (`agent_transfer.rs`), so a referrer sees the same NOTIFYs and a CDR the
//! same notes whichever it is.

use wasmphony_engine::api::CallError;
use wasmphony_sip::dialog::Dialog;
use wasmphony_sip::endpoint::{Endpoint, Target};
use wasmphony_sip::message::StatusCode;

use super::refer_notify::refer_notify;
use crate::limits::SIGNALLING_WAIT;
use crate::outbound::RingFailure;

/// Sends the referrer (in its `dialog`, at `target`) the NOTIFY reporting
/// `status` for the REFER `refer_cseq`. Its answer is awaited on a task of its
/// own, bounded, so the bridge goes on meanwhile: a referrer that never answers
/// holds up nothing.
pub(crate) async fn send_refer_notify(
    endpoint: &Endpoint,
    dialog: &mut Dialog,
    target: Target,
    refer_cseq: u32,
    status: StatusCode,
) {
    let notify = refer_notify(dialog, refer_cseq, status);
    match endpoint.send_request(notify, target).await {
        Ok(mut transaction) => {
            tokio::spawn(async move {
                let _ = tokio::time::timeout(SIGNALLING_WAIT, transaction.final_response()).await;
            });
        }
        Err(error) => tracing::debug!("transfer NOTIFY not sent: {error}"),
    }
}

/// The status the referrer's last NOTIFY reports for a target nobody answered.
pub(crate) fn ring_failure_status(failure: &RingFailure) -> StatusCode {
    match failure {
        RingFailure::Busy => StatusCode::BUSY_HERE,
        RingFailure::NoAnswer => StatusCode::TEMPORARILY_UNAVAILABLE,
        RingFailure::Refused(status) => *status,
        RingFailure::CallerGone => StatusCode::REQUEST_TERMINATED,
        RingFailure::Failed(CallError::NotFound(_)) => StatusCode::NOT_FOUND,
        RingFailure::Failed(CallError::Invalid(_)) => StatusCode::BAD_REQUEST,
        RingFailure::Failed(CallError::Limit(_)) => StatusCode::SERVICE_UNAVAILABLE,
        RingFailure::Failed(_) => StatusCode::SERVER_INTERNAL_ERROR,
    }
}

/// The variables a transferred call's record carries: who handed the caller
/// over (`transferred_by`) and to whom (`transferred_to`).
pub(crate) fn transfer_vars(referrer: &str, to: &str) -> [(String, String); 2] {
    [
        ("transferred_by".to_string(), referrer.to_string()),
        ("transferred_to".to_string(), to.to_string()),
    ]
}

/// The record's log line for one transfer.
pub(crate) fn transfer_log(referrer: &str, to: &str) -> String {
    format!("transferred by {referrer} to {to}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_reported_with_their_sip_status() {
        assert_eq!(ring_failure_status(&RingFailure::Busy).as_u16(), 486);
        assert_eq!(ring_failure_status(&RingFailure::NoAnswer).as_u16(), 480);
        assert_eq!(
            ring_failure_status(&RingFailure::Refused(StatusCode::DECLINE)).as_u16(),
            603,
            "the target's own refusal"
        );
        assert_eq!(ring_failure_status(&RingFailure::CallerGone).as_u16(), 487);
        assert_eq!(
            ring_failure_status(&RingFailure::Failed(CallError::NotFound("x".into()))).as_u16(),
            404
        );
        assert_eq!(
            ring_failure_status(&RingFailure::Failed(CallError::Hangup)).as_u16(),
            500
        );
    }

    #[test]
    fn the_record_names_both_parties() {
        assert_eq!(
            transfer_vars("101", "102"),
            [
                ("transferred_by".to_string(), "101".to_string()),
                ("transferred_to".to_string(), "102".to_string())
            ]
        );
        assert_eq!(transfer_log("101", "102"), "transferred by 101 to 102");
    }
}
