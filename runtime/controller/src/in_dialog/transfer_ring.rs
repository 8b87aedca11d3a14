//! How every blind transfer rings its target: resolved like a dial of it (an
//! extension's phones, a number through the tenant's trunks, a SIP URI), for the
//! dial's default ring time, showing the party being handed over. Shared by the
//! three bridges that carry transfers out (`sip_call/transfer.rs`,
//! `sip_call/caller_transfer.rs`, `agent_transfer.rs`), so a target rings the same
//! whoever transfers.

use std::sync::Arc;
use std::time::Duration;

use wasmphony_engine::api::DialTarget;
use wasmphony_media::codec::Codec;
use wasmphony_media::play::PromptLibrary;

use crate::context::ControllerContext;
use crate::live_calls::GoneReceiver;
use crate::outbound::{AnsweredLeg, RingFailure, resolve_target, ring};
use crate::sip_call::DEFAULT_RING_SECONDS;

/// Rings `target` of `tenant`, showing `shown` as the calling number and offering
/// `codec` first (the handed-over party's, so the new bridge can relay); `gone` (the
/// handed-over party hanging up) stops the ringing. Nothing reachable is no answer.
pub(crate) async fn ring_transfer_target(
    context: &Arc<ControllerContext>,
    prompts: &PromptLibrary,
    tenant: &str,
    target: &DialTarget,
    shown: &str,
    codec: Codec,
    gone: &mut GoneReceiver,
) -> Result<AnsweredLeg, RingFailure> {
    let requests = resolve_target(target, context, tenant).map_err(RingFailure::Failed)?;
    if requests.is_empty() {
        return Err(RingFailure::NoAnswer);
    }
    let ring_time = Duration::from_secs(u64::from(DEFAULT_RING_SECONDS));
    ring(context, prompts, requests, shown, codec, ring_time, gone).await
}
