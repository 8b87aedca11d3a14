//! The tokio shell around one [`Queue`] core: commands in (callers joining and leaving,
//! agents answering or not), actions out (to the waiting callers), the core's deadlines
//! slept on. It ends when no caller holds its channel any more and the hub has let go.

use std::collections::HashMap;
use std::sync::Weak;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use wasmphony_acd::{
    Action, AgentId, AgentSpec, AgentState, CallerId, DeviceId, Instant, JoinRequest, Queue,
    QueueError,
};

use super::QueueDefinition;
use crate::context::ControllerContext;

/// Commands waiting for a queue task; senders wait when it is full.
pub(crate) const QUEUE_COMMANDS: usize = 256;
/// Events waiting for one caller (the core sends a handful per offer).
pub(crate) const CALLER_EVENTS: usize = 16;
/// How often agents' phones are checked while callers wait (an agent whose phone
/// registers meanwhile starts taking calls within this).
const PRESENCE_REFRESH: Duration = Duration::from_secs(2);

/// What callers tell their queue.
pub(crate) enum QueueCommand {
    /// A caller joins; `events` is where the queue's instructions for it go.
    Join {
        caller: CallerId,
        request: JoinRequest,
        events: mpsc::Sender<CallerEvent>,
        joined: oneshot::Sender<Result<(), QueueError>>,
    },
    /// The caller left (hung up, waited its own maximum).
    Leave { caller: CallerId },
    /// `agent` answered the offer of `caller`; they are bridged.
    Answered { caller: CallerId, agent: AgentId },
    /// `agent` did not answer the offer of `caller` (no answer, busy, no phone).
    Declined { caller: CallerId, agent: AgentId },
    /// The agent's call with a queue caller ended (wrap-up starts).
    AgentDone { agent: AgentId },
}

/// What the queue tells a waiting caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CallerEvent {
    /// Ring these agents (their extensions) for at most `ring_time`.
    Ring {
        agents: Vec<(AgentId, String)>,
        ring_time: Duration,
    },
    /// Place in line and expected wait.
    Announce {
        position: usize,
        estimated_wait: Duration,
    },
    /// Leave the queue: it is full or the wait is over.
    Overflow,
}

pub(crate) async fn run_queue(
    context: Weak<ControllerContext>,
    tenant: String,
    definition: QueueDefinition,
    mut commands: mpsc::Receiver<QueueCommand>,
) {
    let origin = tokio::time::Instant::now();
    let now =
        || Instant::from_millis(u64::try_from(origin.elapsed().as_millis()).unwrap_or(u64::MAX));
    let ring_time = definition.config.ring_timeout;
    let mut queue = Queue::new(definition.config.clone());
    // Each waiting caller's event channel.
    let mut waiting: HashMap<CallerId, mpsc::Sender<CallerEvent>> = HashMap::new();
    let agents: Vec<(AgentId, String)> = definition
        .members
        .iter()
        .zip(0u32..)
        .map(|(extension, index)| (AgentId(index), extension.clone()))
        .collect();
    let mut presence = tokio::time::interval(PRESENCE_REFRESH);
    loop {
        let deadline = queue
            .next_deadline()
            .map(|at| origin + Duration::from_millis(at.as_millis()));
        let command = tokio::select! {
            command = commands.recv() => match command {
                Some(command) => Some(command),
                None => break,
            },
            () = crate::deadline::sleep_until(deadline) => None,
            _ = presence.tick(), if !waiting.is_empty() => {
                if let Some(context) = context.upgrade() {
                    sync_presence(&mut queue, &context, &tenant, &agents, now());
                }
                None
            }
        };
        if let Some(command) = command {
            let at = now();
            match command {
                QueueCommand::Join {
                    caller,
                    request,
                    events,
                    joined,
                } => {
                    if let Some(context) = context.upgrade() {
                        sync_presence(&mut queue, &context, &tenant, &agents, at);
                    }
                    let result = queue.join(caller, request, at);
                    if result.is_ok() {
                        waiting.insert(caller, events);
                    }
                    let _ = joined.send(result);
                }
                QueueCommand::Leave { caller } => {
                    waiting.remove(&caller);
                    let _ = queue.leave(caller, at);
                }
                QueueCommand::Answered { caller, agent } => {
                    waiting.remove(&caller);
                    if queue.on_agent_answered(agent, caller, at).is_err() {
                        // The core withdrew the offer just before: the agent is busy anyway.
                        let _ = queue.leave(caller, at);
                    }
                }
                QueueCommand::Declined { caller, agent } => {
                    let _ = queue.on_agent_declined(agent, caller, at);
                }
                QueueCommand::AgentDone { agent } => {
                    let _ = queue.on_agent_hangup(agent, at);
                }
            }
        }
        for action in queue.poll(now()) {
            dispatch(action, &agents, ring_time, &mut waiting);
        }
    }
}

/// Carries one of the core's actions to the caller it concerns.
fn dispatch(
    action: Action,
    agents: &[(AgentId, String)],
    ring_time: Duration,
    waiting: &mut HashMap<CallerId, mpsc::Sender<CallerEvent>>,
) {
    let (caller, event) = match action {
        Action::Offer {
            caller,
            agents: offered,
            ..
        } => {
            let named = offered
                .iter()
                .filter_map(|target| agents.iter().find(|(id, _)| *id == target.agent).cloned())
                .collect();
            (
                caller,
                CallerEvent::Ring {
                    agents: named,
                    ring_time,
                },
            )
        }
        Action::Announce {
            caller,
            position,
            estimated_wait,
        } => (
            caller,
            CallerEvent::Announce {
                position,
                estimated_wait,
            },
        ),
        Action::Overflow { caller, .. } => {
            if let Some(events) = waiting.remove(&caller) {
                let _ = events.try_send(CallerEvent::Overflow);
            }
            return;
        }
        // The caller's own ring group cancels its other legs and does the bridging;
        // callback tasks are not placed in these queues.
        Action::CancelOffer { .. } | Action::Bridge { .. } | Action::CallBack { .. } => return,
    };
    if let Some(events) = waiting.get(&caller) {
        // A caller that cannot take more events is stuck; the core's timers move on.
        let _ = events.try_send(event);
    }
}

/// Logs in the members with a registered phone, logs out idle members without one.
fn sync_presence(
    queue: &mut Queue,
    context: &ControllerContext,
    tenant: &str,
    agents: &[(AgentId, String)],
    at: Instant,
) {
    let now = std::time::Instant::now();
    for (id, extension) in agents {
        let reachable = !context.phones.contacts(tenant, extension, now).is_empty();
        match (reachable, queue.agent_state(*id)) {
            (true, None) => {
                let _ = queue.login(AgentSpec::new(*id, DeviceId::new(extension.clone())), at);
            }
            (false, Some(AgentState::Available { .. })) => {
                let _ = queue.logout(*id, at);
            }
            _ => {}
        }
    }
}
