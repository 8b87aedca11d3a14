//! A callback task taken by an agent: the queue rings the agent's phones; once the
//! agent answers and the queue confirms the task is theirs, the customer is dialled
//! and both are connected until either hangs up. The attempt is recorded on the
//! tenant's callback list; a customer who does not answer is not dialled again here
//! (the task stays on the list for the next attempt).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use wasmphony_acd::{AgentId, CallerId};
use wasmphony_engine::CallbackAttempt;
use wasmphony_engine::api::DialTarget;
use wasmphony_media::codec::Codec;
use wasmphony_media::leg::{LegEvent, MediaLeg};
use wasmphony_media::play::{PlayItem, PromptLibrary};

use super::QueueCommand;
use crate::context::ControllerContext;
use crate::live_calls::Registered;
use crate::outbound::{AnsweredLeg, RingFailure, resolve_target, ring, send_bye};
use crate::route::Tenant;

/// How long the customer's phone rings before the attempt counts as not reached.
pub(crate) const CUSTOMER_RING_TIME: Duration = Duration::from_secs(30);
/// Played to the agent while the customer's phone rings, when the tenant has it.
pub(crate) const AGENT_INTRO_PROMPT: &str = "callback-agent-intro";
/// Played to the agent when the customer did not answer, when the tenant has it.
pub(crate) const CUSTOMER_UNAVAILABLE_PROMPT: &str = "callback-customer-unavailable";
/// Longest wait, beyond its own length, for a prompt to the agent to end.
const PROMPT_END_MARGIN: Duration = Duration::from_secs(2);

/// A caller who asked to be called back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CallbackTask {
    /// Whom to call: the caller's number.
    pub(crate) number: String,
    /// The tenant number the caller dialled (shown to the customer when called back).
    pub(crate) dialed: String,
    /// The task's id on the tenant's callback list.
    pub(crate) id: String,
}

/// One offer of a callback task to the queue's agents.
pub(super) struct CallbackOffer {
    pub(super) caller: CallerId,
    pub(super) task: CallbackTask,
    /// The offered agents and their extensions.
    pub(super) agents: Vec<(AgentId, String)>,
    pub(super) ring_time: Duration,
    pub(super) tenant_name: String,
}

/// Carries out one callback offer, reporting to `queue` like a live caller's call does:
/// `Declined` when no agent answered, `CallbackAnswered` when one did, `AgentDone` when
/// the agent's call ended.
pub(super) async fn run_callback(
    context: Arc<ControllerContext>,
    tenant: Tenant,
    offer: CallbackOffer,
    queue: mpsc::Sender<QueueCommand>,
) {
    let caller = offer.caller;
    let Some((agent_leg, agent)) = ring_agents(&context, &tenant, &offer).await else {
        for (agent, _) in &offer.agents {
            let declined = QueueCommand::Declined {
                caller,
                agent: *agent,
            };
            let _ = queue.send(declined).await;
        }
        return;
    };
    let (go_tx, go) = oneshot::channel();
    let answered = QueueCommand::CallbackAnswered {
        caller,
        agent,
        go: go_tx,
    };
    // Only the queue's yes makes the task this agent's: the offer may have been
    // withdrawn meanwhile, and the customer must not be dialled twice.
    let confirmed = queue.send(answered).await.is_ok() && go.await.unwrap_or(false);
    if !confirmed {
        let AnsweredLeg {
            mut dialog, target, ..
        } = agent_leg;
        send_bye(&context.endpoint, &mut dialog, target).await;
        return;
    }
    let attempt = connect(&context, &tenant, &offer, agent_leg).await;
    let _ = queue.send(QueueCommand::AgentDone { agent }).await;
    tracing::info!(tenant = %offer.tenant_name, task = %offer.task.id, ?attempt, "queue callback");
    if let Err(error) = tenant
        .services
        .finish_callback(&offer.task.id, attempt)
        .await
    {
        tracing::warn!(task = %offer.task.id, ?error, "callback attempt not recorded");
    }
}

/// Rings every registered phone of the offered agents; the answered leg and its agent.
async fn ring_agents(
    context: &Arc<ControllerContext>,
    tenant: &Tenant,
    offer: &CallbackOffer,
) -> Option<(AnsweredLeg, AgentId)> {
    let mut requests = Vec::new();
    for (_, extension) in &offer.agents {
        let target = DialTarget::Extension(extension.clone());
        if let Ok(phones) = resolve_target(&target, context, &offer.tenant_name) {
            requests.extend(phones);
        }
    }
    if requests.is_empty() {
        return None;
    }
    let codec = tenant
        .prompts
        .codecs()
        .first()
        .copied()
        .unwrap_or(Codec::Pcmu);
    // No call is waiting on the line, so nobody can leave while the agents ring.
    let (_caller_stays, mut caller_gone) = watch::channel(None);
    let answered = ring(
        context,
        &tenant.prompts,
        requests,
        &offer.task.number,
        codec,
        offer.ring_time,
        &mut caller_gone,
    )
    .await
    .ok()?;
    let agent = offer
        .agents
        .iter()
        .find(|(_, extension)| *extension == answered.label)
        .map(|(agent, _)| *agent);
    match agent {
        Some(agent) => Some((answered, agent)),
        None => {
            let AnsweredLeg {
                mut dialog, target, ..
            } = answered;
            send_bye(&context.endpoint, &mut dialog, target).await;
            None
        }
    }
}

/// Dials the customer for the agent on `agent_leg` and connects them until either
/// hangs up; whether the customer was reached.
async fn connect(
    context: &Arc<ControllerContext>,
    tenant: &Tenant,
    offer: &CallbackOffer,
    agent_leg: AnsweredLeg,
) -> CallbackAttempt {
    let AnsweredLeg {
        mut dialog,
        target,
        session,
        config,
        ..
    } = agent_leg;
    let endpoint = context.endpoint.clone();
    let Some(Registered {
        guard: _agent_guard,
        gone: mut agent_gone,
        parked_bye: agent_bye,
        ..
    }) = context
        .legs
        .insert(&dialog.id.call_id, &dialog.id.local_tag)
    else {
        send_bye(&endpoint, &mut dialog, target).await;
        return CallbackAttempt::NotReached;
    };
    let codec = config.format.codec;
    let mut agent = MediaLeg::spawn(session, config);
    play_to_agent(&mut agent, &tenant.prompts, AGENT_INTRO_PROMPT, None).await;
    let customer = match resolve_target(
        &DialTarget::Number(offer.task.number.clone()),
        context,
        &offer.tenant_name,
    ) {
        Ok(requests) => {
            ring(
                context,
                &tenant.prompts,
                requests,
                &offer.task.dialed,
                codec,
                CUSTOMER_RING_TIME,
                &mut agent_gone,
            )
            .await
        }
        Err(error) => Err(RingFailure::Failed(error)),
    };
    let attempt = match customer {
        Ok(customer) => {
            let _ = agent.stop_play().await;
            talk(context, &mut agent, &mut agent_gone, customer).await;
            CallbackAttempt::Reached
        }
        Err(failure) => {
            tracing::info!(task = %offer.task.id, ?failure, "customer not reached");
            let _ = agent.stop_play().await;
            let prompts = &tenant.prompts;
            let heard = Some(&mut agent_gone);
            play_to_agent(&mut agent, prompts, CUSTOMER_UNAVAILABLE_PROMPT, heard).await;
            CallbackAttempt::NotReached
        }
    };
    if agent_gone.borrow().is_none() {
        send_bye(&endpoint, &mut dialog, target).await;
    }
    agent_bye.answer().await;
    attempt
}

/// Bridges the agent and the answered customer until one of them hangs up (or their
/// media fails); the customer's leg is ended here, the agent's by the caller.
async fn talk(
    context: &Arc<ControllerContext>,
    agent: &mut MediaLeg,
    agent_gone: &mut crate::live_calls::GoneReceiver,
    customer_leg: AnsweredLeg,
) {
    let AnsweredLeg {
        mut dialog,
        target,
        session,
        config,
        ..
    } = customer_leg;
    let endpoint = context.endpoint.clone();
    let Some(Registered {
        guard: _customer_guard,
        gone: mut customer_gone,
        parked_bye: customer_bye,
        ..
    }) = context
        .legs
        .insert(&dialog.id.call_id, &dialog.id.local_tag)
    else {
        send_bye(&endpoint, &mut dialog, target).await;
        return;
    };
    let mut customer = MediaLeg::spawn(session, config);
    let linked = agent.bridge_to(Some(&customer)).await.is_ok()
        && customer.bridge_to(Some(&*agent)).await.is_ok();
    if linked {
        loop {
            tokio::select! {
                biased;
                _ = agent_gone.wait_for(Option::is_some) => break,
                _ = customer_gone.wait_for(Option::is_some) => break,
                event = agent.next_event() => {
                    if matches!(event, None | Some(LegEvent::Failed(_))) { break }
                }
                event = customer.next_event() => {
                    if matches!(event, None | Some(LegEvent::Failed(_))) { break }
                }
            }
        }
    }
    if customer_gone.borrow().is_none() {
        send_bye(&endpoint, &mut dialog, target).await;
    }
    customer_bye.answer().await;
}

/// Plays the tenant's prompt `name` to the agent, if it has one. With `until_heard`
/// (the agent's leg's end), waits until it has been played, the agent hung up, or the
/// prompt's length (plus a margin) has passed.
async fn play_to_agent(
    agent: &mut MediaLeg,
    prompts: &PromptLibrary,
    name: &str,
    until_heard: Option<&mut crate::live_calls::GoneReceiver>,
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
