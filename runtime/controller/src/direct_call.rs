//! A staff phone's own call: an INVITE within a tenant's domain for an
//! extension or a number (not a routed number). The phone must prove who it is
//! (digest, `407`); then the host rings the target — the extension's phones, or
//! the number through the tenant's trunks — and answers the phone only when the
//! target answers, so busy and no-answer reach the phone as such. No scenario
//! runs; the CDR names the scenario [`DIRECT_CALL`].
//!
//! Once connected, the phone may blind-transfer the party it called with REFER
//! on its own leg (`sip_call/caller_transfer.rs`); the call then goes on
//! between that party and the transfer's target, and its CDR says so.
//!
//! This is the only way a peer's request reaches a trunk without a tenant's
//! scenario asking for it, and it requires an authenticated phone of that
//! tenant (no toll fraud through unauthenticated INVITEs); the same holds for
//! the phone's transfers, whose point only this call opens.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::OwnedSemaphorePermit;
use wasmphony_engine::api::{CallError, DialOptions, DialStrategy, DialTarget, HangupCause};
use wasmphony_sip::endpoint::ServerTransaction;
use wasmphony_sip::message::Response;

use crate::call_book::{CallIdentity, SharedBook};
use crate::controller::Controller;
use crate::inbound::{Admitted, Plan, user_of};
use crate::live_calls::{LiveGuard, ParkedBye};
use crate::phones::InviteAuth;
use crate::refusal::Refusal;
use crate::sip_call::{SipCall, StaffCaller};

/// The scenario name on the CDR of a phone's direct call.
pub const DIRECT_CALL: &str = "direct-call";
/// How long a phone's direct call rings its target.
const DIRECT_RING_SECONDS: u32 = 60;

/// Why a phone's INVITE is not connected.
pub(crate) enum PhoneRefusal {
    /// Send this `407` (the phone retries with credentials).
    Challenge(Box<Response>),
    /// Refuse with this.
    Refused(Refusal),
}

impl From<Refusal> for PhoneRefusal {
    fn from(refusal: Refusal) -> Self {
        PhoneRefusal::Refused(refusal)
    }
}

/// Everything a direct call's task needs besides the call.
pub(crate) struct DirectCall {
    pub(crate) identity: CallIdentity,
    pub(crate) book: SharedBook,
    pub(crate) guard: LiveGuard,
    pub(crate) parked_bye: ParkedBye,
    pub(crate) slot: OwnedSemaphorePermit,
    pub(crate) options: DialOptions,
    /// The phone's address (its INVITE's source): only from there may it transfer.
    pub(crate) phone: IpAddr,
}

impl Controller {
    /// The tenant whose SIP domain an INVITE is addressed in: the Request-URI's
    /// host, else the From's (phones that dial `sip:102@<server address>`).
    pub(crate) fn phone_tenant(&self, invite: &ServerTransaction) -> Option<String> {
        let request = invite.request();
        let routes = self.route_table();
        let by_uri = routes.tenant_for_domain(&request.uri.host().to_string());
        by_uri
            .or_else(|| routes.tenant_for_domain(&request.head.from.uri.host().to_string()))
            .map(str::to_string)
    }

    /// Authenticates a phone's INVITE for `dialed` and plans its call.
    pub(crate) fn admit_phone_call(
        &self,
        invite: &ServerTransaction,
        tenant: &str,
        dialed: &str,
    ) -> Result<Admitted, PhoneRefusal> {
        let request = invite.request();
        let caller = match self
            .context
            .phones
            .authenticate_invite(tenant, request, Instant::now())
        {
            InviteAuth::Caller(caller) => caller,
            InviteAuth::Challenge(challenge) => return Err(PhoneRefusal::Challenge(challenge)),
            InviteAuth::Refused(reason) => {
                tracing::info!(tenant, ?reason, "phone INVITE refused");
                return Err(Refusal::UnknownNumber(dialed.into()).into());
            }
        };
        let (target, caller_id) = if caller.book.has_extension(dialed) {
            (
                DialTarget::Extension(dialed.into()),
                Some(caller.extension.clone()),
            )
        } else if is_dialable_number(dialed) {
            // The trunk's caller id when it has one (carriers accept only their numbers).
            (DialTarget::Number(dialed.into()), None)
        } else {
            return Err(Refusal::UnknownNumber(dialed.into()).into());
        };
        let routes = self.route_table();
        let prompts = routes
            .tenant(tenant)
            .map(|t| t.prompts.clone())
            .ok_or_else(|| Refusal::UnknownNumber(dialed.into()))?;
        let slot = self.call_slot()?;
        let options = DialOptions {
            targets: vec![target],
            strategy: DialStrategy::Parallel,
            ring_timeout_seconds: DIRECT_RING_SECONDS,
            caller_id,
            record: false,
        };
        tracing::info!(tenant, user = %caller.username, dialed, "phone call");
        let mut admitted = self.prepare(
            invite,
            tenant,
            DIRECT_CALL,
            dialed.to_string(),
            &prompts,
            slot,
            Plan::Direct(options),
        )?;
        if user_of(&request.head.from.uri).as_deref() != Some(caller.extension.as_str()) {
            admitted.set_caller(&caller.extension);
        }
        Ok(admitted)
    }
}

/// `+` and digits, at least two: a number for the tenant's trunks.
pub(crate) fn is_dialable_number(text: &str) -> bool {
    let digits = text.strip_prefix('+').unwrap_or(text);
    digits.len() >= 2 && digits.chars().all(|c| c.is_ascii_digit())
}

/// Runs a phone's direct call to its end and journals it.
pub(crate) async fn run_direct_call(
    controller: Arc<Controller>,
    task: DirectCall,
    mut call: SipCall,
) {
    let journal = controller.context.journal.clone();
    journal.started(task.identity.start(String::new())).await;
    // The phone proved who it is: it may hand the party it called over (REFER).
    call.let_caller_transfer(StaffCaller {
        peer: task.phone,
        bye: task.parked_bye.clone(),
    });
    let cause = match call.dial_unanswered(&task.options).await {
        Ok(_) | Err(CallError::Hangup) => HangupCause::Normal,
        Err(CallError::Busy) => HangupCause::Busy,
        Err(error) => {
            tracing::info!(call = %task.identity.call_id, "direct call not connected: {error}");
            HangupCause::Unavailable
        }
    };
    call.hang_up(cause).await;
    drop(call);
    let record = task.identity.record(&task.book.lock(), String::new(), None);
    journal.finished(record).await;
    task.parked_bye.answer().await;
    drop(task.guard);
    drop(task.slot);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_digits_with_an_optional_plus() {
        assert!(is_dialable_number("+359888123456"));
        assert!(is_dialable_number("0888123456"));
        assert!(!is_dialable_number("+"));
        assert!(!is_dialable_number("7"));
        assert!(!is_dialable_number("alice"));
        assert!(!is_dialable_number("12#"));
    }
}
