//! Answering a carrier's digest challenge on an outbound INVITE.

use wasmphony_sip::auth::DigestClient;
use wasmphony_sip::message::{Request, Response};

/// `invite` again with credentials for `challenge` (401/407) and the next CSeq;
/// `None` when the challenge cannot be answered (malformed, unsupported).
pub(super) fn answer_challenge(
    invite: &Request,
    challenge: &Response,
    digest: &mut DigestClient,
) -> Option<Request> {
    let mut again = invite.clone();
    match digest.authorize(&mut again, challenge) {
        Ok(_) => Some(again),
        Err(error) => {
            tracing::info!(
                status = challenge.status.as_u16(),
                "carrier challenge not answered: {error}"
            );
            None
        }
    }
}
