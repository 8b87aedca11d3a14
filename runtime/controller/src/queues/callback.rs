//! A callback task taken by an agent: the queue rings the agent's phones; once the
//! agent answers and the queue confirms the task is theirs, the customer is dialled
//! and both are connected until either hangs up (`agent_first`). The attempt is recorded
//! on the tenant's callback list; a customer who does not answer is not dialled again
//! here (the task stays on the list for the next attempt).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use wasmphony_acd::{AgentId, CallerId};
use wasmphony_engine::CallbackAttempt;
use wasmphony_engine::api::DialTarget;

use super::QueueCommand;
use crate::agent_first::{Connection, LiveCall, connect, ring_extensions};
use crate::context::ControllerContext;
use crate::outbound::{AnsweredLeg, send_bye};
use crate::route::Tenant;

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
    pub(super) queue_name: String,
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
    let attempt = connect_customer(&context, &tenant, &offer, agent_leg).await;
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
    let extensions: Vec<String> = offer.agents.iter().map(|(_, e)| e.clone()).collect();
    let answered = ring_extensions(
        context,
        &tenant.prompts,
        &offer.tenant_name,
        &extensions,
        &offer.task.number,
        offer.ring_time,
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
async fn connect_customer(
    context: &Arc<ControllerContext>,
    tenant: &Tenant,
    offer: &CallbackOffer,
    agent_leg: AnsweredLeg,
) -> CallbackAttempt {
    let customer = DialTarget::Number(offer.task.number.clone());
    let prompts = &tenant.prompts;
    let dialed = &offer.task.dialed;
    // No call record: the live events name the attempt by the agent leg's Call-ID.
    let live = LiveCall {
        call_id: agent_leg.dialog.id.call_id.clone(),
        queue: Some(offer.queue_name.clone()),
        journalled: false,
    };
    match connect(
        context,
        prompts,
        &offer.tenant_name,
        agent_leg,
        &customer,
        dialed,
        live,
    )
    .await
    {
        Connection::Talked { transfers, .. } => {
            // The task has no record of its own: the live events tell of the transfer.
            for transferred in &transfers {
                tracing::info!(task = %offer.task.id, by = %transferred.by, to = %transferred.to, "callback transferred");
            }
            CallbackAttempt::Reached
        }
        Connection::NotReached(failure) => {
            tracing::info!(task = %offer.task.id, ?failure, "customer not reached");
            CallbackAttempt::NotReached
        }
    }
}
