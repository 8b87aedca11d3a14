//! Calls the host places for a tenant, agent first: ring a staff member's phones, and
//! once one answers, call the other party (a customer's number through the tenant's
//! trunks, or another extension) and bridge the two until either hangs up. A queue's
//! callback task (`queues/callback.rs`) and click-to-call (`originate.rs`) both go this way.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;
use wasmphony_engine::api::DialTarget;
use wasmphony_media::codec::Codec;
use wasmphony_media::leg::{LegEvent, MediaLeg};
use wasmphony_media::play::{PlayItem, PromptLibrary};

use crate::agent_transfer::{StaffLeg, Transferred};
use crate::context::ControllerContext;
use crate::in_dialog::TransferTurn;
use crate::journal::CallBridge;
use crate::live_calls::GoneReceiver;
use crate::outbound::{AnsweredLeg, RingFailure, resolve_target, ring, send_bye};
use crate::staff_bridge::{CustomerSide, hold};

/// How long the customer's phone rings before the attempt counts as not reached.
pub(crate) const CUSTOMER_RING_TIME: Duration = Duration::from_secs(30);
/// Played to the agent while the customer's phone rings, when the tenant has it.
pub(crate) const AGENT_INTRO_PROMPT: &str = "callback-agent-intro";
/// Played to the agent when the customer did not answer, when the tenant has it.
pub(crate) const CUSTOMER_UNAVAILABLE_PROMPT: &str = "callback-customer-unavailable";
/// Longest wait, beyond its own length, for a prompt to the agent to end.
const PROMPT_END_MARGIN: Duration = Duration::from_secs(2);

/// Rings every registered phone of `extensions` at once, presenting `caller_id`; the
/// answered leg (its label is the extension that answered).
pub(crate) async fn ring_extensions(
    context: &Arc<ControllerContext>,
    prompts: &PromptLibrary,
    tenant_name: &str,
    extensions: &[String],
    caller_id: &str,
    ring_time: Duration,
) -> Result<AnsweredLeg, RingFailure> {
    let mut requests = Vec::new();
    for extension in extensions {
        let target = DialTarget::Extension(extension.clone());
        if let Ok(phones) = resolve_target(&target, context, tenant_name) {
            requests.extend(phones);
        }
    }
    if requests.is_empty() {
        return Err(RingFailure::NoAnswer);
    }
    let codec = prompts.codecs().first().copied().unwrap_or(Codec::Pcmu);
    // No call is waiting on the line, so nobody can leave while the agents ring.
    let (_caller_stays, mut caller_gone) = watch::channel(None);
    ring(
        context,
        prompts,
        requests,
        caller_id,
        codec,
        ring_time,
        &mut caller_gone,
    )
    .await
}

/// Who ended a connected call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndedBy {
    /// The agent (the leg rung first) hung up.
    Agent,
    /// The other party hung up.
    Customer,
    /// A leg's media failed, or the bridge could not be made.
    Host,
}

/// What became of the call to the other party.
#[derive(Debug)]
pub(crate) enum Connection {
    /// They answered at `answered_at` and talked until one side ended it.
    Talked {
        answered_at: SystemTime,
        ended_by: EndedBy,
        /// The agent's transfers, in order: the customer ended with the last one's party.
        transfers: Vec<Transferred>,
    },
    /// They were not reached (or the agent hung up while they rang).
    NotReached(RingFailure),
}

/// How the live views know an agent-first call.
#[derive(Debug, Clone)]
pub(crate) struct LiveCall {
    /// The id its live events carry.
    pub(crate) call_id: String,
    /// The queue whose callback task this is.
    pub(crate) queue: Option<String>,
    /// A journalled call (click-to-call): the customer's answer is its answer, reported
    /// before the bridge. A queue's callback task is no call of its own: only the bridge
    /// is reported.
    pub(crate) journalled: bool,
}

/// Calls `customer` for the agent on `agent_leg`, presenting `caller_id`, and connects
/// them until either hangs up; ends both legs. The journal hears of the customer's
/// answer (for a journalled call) and of the bridge as they happen (`live`). The
/// agent may hand the customer to someone else with REFER (`agent_transfer.rs`).
pub(crate) async fn connect(
    context: &Arc<ControllerContext>,
    prompts: &PromptLibrary,
    tenant_name: &str,
    agent_leg: AnsweredLeg,
    customer: &DialTarget,
    caller_id: &str,
    live: LiveCall,
) -> Connection {
    let endpoint = context.endpoint.clone();
    let codec = agent_leg.config.format.codec;
    let Some(mut agent) = StaffLeg::take(context, agent_leg).await else {
        return Connection::NotReached(RingFailure::CallerGone);
    };
    play_to_agent(&mut agent.media, prompts, AGENT_INTRO_PROMPT, None).await;
    let reached = match resolve_target(customer, context, tenant_name) {
        Ok(requests) => {
            ring(
                context,
                prompts,
                requests,
                caller_id,
                codec,
                CUSTOMER_RING_TIME,
                &mut agent.gone,
            )
            .await
        }
        Err(error) => Err(RingFailure::Failed(error)),
    };
    let connection = match reached {
        Ok(customer) => {
            let answered_at = SystemTime::now();
            if live.journalled {
                context
                    .journal
                    .answered(tenant_name, &live.call_id, answered_at)
                    .await;
            }
            let _ = agent.media.stop_play().await;
            let bridge = CallBridge {
                tenant: tenant_name.to_string(),
                call_id: live.call_id,
                with: customer.label.clone(),
                queue: live.queue,
                agent: Some(agent.label.clone()),
                at: answered_at,
            };
            let mut transfers = Vec::new();
            let ended_by = talk(
                context,
                prompts,
                &mut agent,
                customer,
                bridge,
                &mut transfers,
            )
            .await;
            Connection::Talked {
                answered_at,
                ended_by,
                transfers,
            }
        }
        Err(failure) => {
            let _ = agent.media.stop_play().await;
            let heard = Some(&mut agent.gone);
            play_to_agent(
                &mut agent.media,
                prompts,
                CUSTOMER_UNAVAILABLE_PROMPT,
                heard,
            )
            .await;
            Connection::NotReached(failure)
        }
    };
    agent.end(&endpoint).await;
    connection
}

/// Bridges the agent and the answered customer until one of them hangs up (or their
/// media fails), telling the journal (`bridge`) once they are connected and again
/// after each transfer (noted in `transfers`). `agent` is whoever of the staff has the
/// customer at the end; the customer's leg is ended here, the agent's by the caller.
async fn talk(
    context: &Arc<ControllerContext>,
    prompts: &PromptLibrary,
    agent: &mut StaffLeg,
    customer_leg: AnsweredLeg,
    mut bridge: CallBridge,
    transfers: &mut Vec<Transferred>,
) -> EndedBy {
    let endpoint = context.endpoint.clone();
    let customer_codec = customer_leg.config.format.codec;
    // The customer's leg gets no transfer point: only the staff side may transfer.
    let Some(mut customer) = customer_leg.attach(context).await else {
        return EndedBy::Host;
    };
    let linked = agent.media.bridge_to(Some(&customer.media)).await.is_ok()
        && customer.media.bridge_to(Some(&agent.media)).await.is_ok();
    let mut ended_by = EndedBy::Host;
    if linked {
        agent.allow_transfers(context, &bridge.tenant, &TransferTurn::default());
        bridge.at = SystemTime::now();
        context.journal.bridged(bridge.clone()).await;
        let side = CustomerSide {
            media: &mut customer.media,
            gone: &mut customer.gone,
            number: &customer.label,
            codec: customer_codec,
        };
        ended_by = hold(context, prompts, agent, side, &mut bridge, transfers).await;
    }
    if customer.gone.borrow().is_none() {
        send_bye(&endpoint, &mut customer.dialog, customer.target).await;
    }
    customer.parked_bye.answer().await;
    ended_by
}

/// Plays the tenant's prompt `name` to the agent, if it has one. With `until_heard`
/// (the agent's leg's end), waits until it has been played, the agent hung up, or the
/// prompt's length (plus a margin) has passed.
async fn play_to_agent(
    agent: &mut MediaLeg,
    prompts: &PromptLibrary,
    name: &str,
    until_heard: Option<&mut GoneReceiver>,
) {
    let Ok(prompt) = prompts.get(name) else {
        return;
    };
    let length = prompt.duration();
    // Events of earlier prompts (an intro that ended long ago) must not count as this
    // one's end.
    while let Ok(Some(_)) = tokio::time::timeout(Duration::ZERO, agent.next_event()).await {}
    if agent
        .play(vec![PlayItem::Prompt(prompt)], false, false)
        .await
        .is_err()
    {
        return;
    }
    let Some(agent_gone) = until_heard else {
        return;
    };
    let heard = async {
        loop {
            match agent.next_event().await {
                Some(LegEvent::PlayEnded(_)) | Some(LegEvent::Failed(_)) | None => break,
                Some(_) => {}
            }
        }
    };
    tokio::select! {
        _ = tokio::time::timeout(length + PROMPT_END_MARGIN, heard) => {}
        _ = agent_gone.wait_for(Option::is_some) => {}
    }
}
