//! Click-to-call: the host rings an extension's registered phones (showing the
//! customer's number), and when one answers calls the other party — another extension's
//! phones, or a number through the tenant's own trunks — and bridges the two
//! (`agent_first`, as a queue's callback task does). The call is journalled like any
//! call: opened at once (live events, "interrupted" after a crash), answered when the
//! other party answers, finished with direction outbound and source [`CLICK_TO_CALL`].
//!
//! Only the tenant's authenticated API request gets here (the server checks the key),
//! and a number goes out only through that tenant's trunks: never the number gateway.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::OwnedSemaphorePermit;
use wasmphony_engine::api::DialTarget;
use wasmphony_sip::ids::new_call_id;

use crate::agent_first::{Connection, EndedBy, LiveCall, connect, ring_extensions};
use crate::agent_transfer::{Transferred, last_agent};
use crate::call_record::{CallDirection, CallRecord, Disposition, HangupSide};
use crate::controller::Controller;
use crate::direct_call::is_dialable_number;
use crate::in_dialog::{transfer_log, transfer_vars};
use crate::journal::CallStart;
use crate::media_thread::in_call;
use crate::outbound::RingFailure;
use crate::route::normalise_number;
use crate::sip_call::TRANSFERRED_TAG;

/// The source (and scenario name) on a click-to-call's CDR.
pub const CLICK_TO_CALL: &str = "click-to-call";
/// How long the extension's phones ring before the click-to-call gives up.
pub const ORIGINATE_RING_TIME: Duration = Duration::from_secs(30);

/// Why a click-to-call was not started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginateError {
    /// The controller knows no such tenant (no routes or phones loaded for it).
    #[error("unknown tenant {0}")]
    UnknownTenant(String),
    /// `from` is not an extension with phones in the tenant.
    #[error("no extension {0}")]
    UnknownExtension(String),
    /// `from` has no registered phone right now.
    #[error("extension {0} has no registered phone")]
    NoRegisteredPhone(String),
    /// `to` is neither an extension nor a dialable number.
    #[error("{0:?} is neither an extension nor a phone number")]
    InvalidTarget(String),
    /// No trunk of the tenant carries `to`.
    #[error("no trunk of the tenant carries {0}")]
    NoTrunk(String),
    /// The call capacity or rate is exhausted.
    #[error("at call capacity")]
    AtCapacity,
}

/// One click-to-call, checked.
struct Originate {
    call_id: String,
    tenant: String,
    from: String,
    to: String,
    target: DialTarget,
    /// The tenant's number shown to the other party (the trunk's caller id), else `from`.
    presented: String,
    prompts: Arc<wasmphony_media::play::PromptLibrary>,
}

impl Controller {
    /// Starts a click-to-call for `tenant`: rings `from`'s registered phones, then calls
    /// `to` (an extension of the tenant, or a number through the tenant's trunks) and
    /// bridges the two. Returns the call's id at once; the call runs on its own task.
    pub fn originate(
        self: &Arc<Self>,
        tenant: &str,
        from: &str,
        to: &str,
    ) -> Result<String, OriginateError> {
        let routes = self.route_table();
        let prompts = routes
            .tenant(tenant)
            .map(|t| t.prompts.clone())
            .ok_or_else(|| OriginateError::UnknownTenant(tenant.into()))?;
        let book = self.context.phones.book(tenant);
        let has = |extension: &str| book.as_ref().is_some_and(|b| b.has_extension(extension));
        if !has(from) {
            return Err(OriginateError::UnknownExtension(from.into()));
        }
        if self
            .context
            .phones
            .contacts(tenant, from, Instant::now())
            .is_empty()
        {
            return Err(OriginateError::NoRegisteredPhone(from.into()));
        }
        let number = normalise_number(to);
        let (target, to, presented) = if has(to) {
            (
                DialTarget::Extension(to.into()),
                to.to_string(),
                from.to_string(),
            )
        } else if is_dialable_number(&number) {
            let trunks = self.context.trunks.for_number(tenant, &number);
            let Some(first) = trunks.first() else {
                return Err(OriginateError::NoTrunk(number));
            };
            let presented = first.caller_id.clone().unwrap_or_else(|| from.to_string());
            (DialTarget::Number(number.clone()), number, presented)
        } else {
            return Err(OriginateError::InvalidTarget(to.into()));
        };
        let slot = self.call_slot().map_err(|_| OriginateError::AtCapacity)?;
        let call = Originate {
            call_id: new_call_id(),
            tenant: tenant.to_string(),
            from: from.to_string(),
            to,
            target,
            presented,
            prompts,
        };
        let call_id = call.call_id.clone();
        let thread = self.context.media_thread();
        tokio::spawn(in_call(thread, run_originate(self.clone(), call, slot)));
        Ok(call_id)
    }
}

/// How an unanswered leg ends up on the CDR.
fn unanswered(failure: &RingFailure) -> Disposition {
    match failure {
        RingFailure::Busy => Disposition::Rejected(486),
        RingFailure::NoAnswer => Disposition::NoAnswer,
        RingFailure::Refused(status) => Disposition::Rejected(status.as_u16()),
        // The extension hung up while the other party rang.
        RingFailure::CallerGone => Disposition::Abandoned,
        RingFailure::Failed(_) => Disposition::Rejected(480),
    }
}

/// The record's tags, variables and log lines for the agent's transfers, as a
/// transferred caller's record has them (`sip_call/transfer.rs`): the tag, the last
/// transfer's `transferred_by`/`transferred_to`, a log line each.
fn transfer_notes(transfers: &[Transferred]) -> (Vec<String>, Vec<(String, String)>, Vec<String>) {
    let Some(last) = transfers.last() else {
        return (Vec::new(), Vec::new(), Vec::new());
    };
    let tags = vec![TRANSFERRED_TAG.to_string()];
    let vars = transfer_vars(&last.by, &last.to).to_vec();
    let log = transfers
        .iter()
        .map(|t| transfer_log(&t.by, &t.to))
        .collect();
    (tags, vars, log)
}

/// The call's agent: the last extension the customer was transferred to, else the
/// extension that placed the call (a number or SIP URI taking over is no agent).
fn agent_of_record(transfers: &[Transferred], placed_by: String) -> String {
    last_agent(transfers).map_or(placed_by, str::to_string)
}

async fn run_originate(controller: Arc<Controller>, call: Originate, slot: OwnedSemaphorePermit) {
    let context = controller.context.clone();
    let journal = context.journal.clone();
    let started_at = SystemTime::now();
    journal
        .started(CallStart {
            call_id: call.call_id.clone(),
            tenant: call.tenant.clone(),
            scenario: CLICK_TO_CALL.into(),
            component_hash: String::new(),
            from: call.from.clone(),
            to: call.to.clone(),
            dialed: call.presented.clone(),
            direction: CallDirection::Outbound,
            source: Some(CLICK_TO_CALL.into()),
            started_at,
        })
        .await;
    let extensions = [call.from.clone()];
    // The extension's phones show whom they are about to call.
    let agent = ring_extensions(
        &context,
        &call.prompts,
        &call.tenant,
        &extensions,
        &call.to,
        ORIGINATE_RING_TIME,
    )
    .await;
    // The extension that placed the call is the agent of a call that connected.
    let agent = agent.map(|leg| (leg, call.from.clone()));
    let mut transferred = Vec::new();
    let (answered_at, disposition, side, agent) = match agent {
        Err(failure) => {
            tracing::info!(call = %call.call_id, ?failure, "click-to-call: the extension did not answer");
            (None, unanswered(&failure), HangupSide::Host, None)
        }
        Ok((agent_leg, extension)) => {
            let live = LiveCall {
                call_id: call.call_id.clone(),
                queue: None,
                journalled: true,
            };
            let connection = connect(
                &context,
                &call.prompts,
                &call.tenant,
                agent_leg,
                &call.target,
                &call.presented,
                live,
            )
            .await;
            match connection {
                Connection::Talked {
                    answered_at,
                    ended_by,
                    transfers,
                } => {
                    let agent = agent_of_record(&transfers, extension);
                    transferred = transfers;
                    let side = match ended_by {
                        EndedBy::Agent => HangupSide::Caller,
                        EndedBy::Customer => HangupSide::Callee,
                        EndedBy::Host => HangupSide::Host,
                    };
                    (Some(answered_at), Disposition::Answered, side, Some(agent))
                }
                Connection::NotReached(failure) => {
                    tracing::info!(call = %call.call_id, ?failure, "click-to-call: {} not reached", call.to);
                    (None, unanswered(&failure), HangupSide::Host, None)
                }
            }
        }
    };
    let (tags, vars, log) = transfer_notes(&transferred);
    let record = CallRecord {
        call_id: call.call_id,
        tenant: call.tenant,
        scenario: CLICK_TO_CALL.into(),
        component_hash: String::new(),
        from: call.from,
        to: call.to,
        dialed: call.presented,
        direction: CallDirection::Outbound,
        source: Some(CLICK_TO_CALL.into()),
        started_at,
        answered_at,
        // The customer's answer connects them to the agent already on the line.
        connected_at: answered_at,
        ended_at: SystemTime::now(),
        disposition,
        hangup_side: side,
        tags,
        vars,
        log,
        recordings: Vec::new(),
        recording: None,
        failure: None,
        fallback: None,
        queue: None,
        agent,
    };
    journal.finished(record).await;
    drop(slot);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transferred(by: &str, to: &str, agent: Option<&str>) -> Transferred {
        Transferred {
            by: by.into(),
            to: to.into(),
            agent: agent.map(Into::into),
        }
    }

    #[test]
    fn transfers_are_noted_like_a_callers() {
        assert_eq!(transfer_notes(&[]), (Vec::new(), Vec::new(), Vec::new()));
        let transfers = [
            transferred("101", "102", Some("102")),
            transferred("102", "+359888", None),
        ];
        let (tags, vars, log) = transfer_notes(&transfers);
        assert_eq!(tags, vec![TRANSFERRED_TAG.to_string()]);
        assert_eq!(
            vars,
            vec![
                ("transferred_by".to_string(), "102".to_string()),
                ("transferred_to".to_string(), "+359888".to_string())
            ]
        );
        assert_eq!(
            log,
            vec!["transferred by 101 to 102", "transferred by 102 to +359888"]
        );
        assert_eq!(agent_of_record(&transfers, "101".into()), "102");
        assert_eq!(agent_of_record(&transfers[1..], "101".into()), "101");
    }
}
