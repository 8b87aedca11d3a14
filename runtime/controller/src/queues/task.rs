//! The tokio shell around one [`Queue`] core: commands in (callers joining and leaving,
//! asking for a callback, agents answering or not), actions out (to the waiting callers,
//! or to a callback leg this task starts), the core's deadlines slept on. It ends when
//! no caller holds its channel any more, the hub has let go, and no callback task is
//! left in it.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use wasmphony_acd::{
    Action, AgentId, AgentSpec, AgentState, CallerId, DeviceId, Instant, JoinRequest, OfferKind,
    OverflowAction, Queue, QueueError,
};

use super::HostedQueue;
use super::callback::{CallbackOffer, CallbackTask, run_callback};
use super::live_view::LiveView;
use super::offer::{CallbackOfferError, next_offered_caller};
use super::sizes::QueueGauges;
use crate::context::ControllerContext;
use crate::media_thread::in_call;
use crate::route::Tenant;

/// Commands waiting for a queue task; senders wait when it is full.
pub(crate) const QUEUE_COMMANDS: usize = 256;
/// Events waiting for one caller (the core sends a handful per offer).
pub(crate) const CALLER_EVENTS: usize = 16;
/// How often agents' phones are checked while callers or callback tasks wait (an
/// agent whose phone registers meanwhile starts taking calls within this).
const PRESENCE_REFRESH: Duration = Duration::from_secs(2);

/// What callers (and callback legs) tell their queue.
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
    /// The caller pressed the callback key and `task` is on the tenant's callback
    /// list: the caller hangs up and keeps their place as a callback task.
    RequestCallback {
        caller: CallerId,
        task: CallbackTask,
        done: oneshot::Sender<Result<(), QueueError>>,
    },
    /// A stored callback task from the dialer: taken only when an agent is free for it.
    OfferCallback {
        task: CallbackTask,
        done: oneshot::Sender<Result<(), CallbackOfferError>>,
    },
    /// `agent` answered the offer of `caller`; they are bridged.
    Answered { caller: CallerId, agent: AgentId },
    /// `agent` answered the offer of the callback task `caller`: `go` says whether the
    /// task is theirs (dial the customer) or the offer was withdrawn meanwhile.
    CallbackAnswered {
        caller: CallerId,
        agent: AgentId,
        go: oneshot::Sender<bool>,
    },
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
    /// Leave the queue through `action`: it is full or the wait is over. A backup
    /// number is rung for at most `ring_time`.
    Overflow {
        action: OverflowAction,
        ring_time: Duration,
    },
}

/// One queue's state outside the core.
struct Shell {
    context: Weak<ControllerContext>,
    tenant_name: String,
    /// The queue's name (in the live events of the callbacks it places).
    queue_name: String,
    tenant: Tenant,
    /// Where the callback legs this task starts report (a channel of their own, so
    /// they are heard after callers and the hub have let go).
    legs: mpsc::Sender<QueueCommand>,
    ring_time: Duration,
    /// Each waiting caller's event channel.
    waiting: HashMap<CallerId, mpsc::Sender<CallerEvent>>,
    /// Callers who asked to be called back, while the core holds their place.
    callbacks: HashMap<CallerId, CallbackTask>,
    /// The members as the core's agents, with their extensions.
    agents: Vec<(AgentId, String)>,
}

pub(crate) async fn run_queue(
    context: Weak<ControllerContext>,
    tenant_name: String,
    hosted: HostedQueue,
    mut commands: mpsc::Receiver<QueueCommand>,
    gauges: Arc<QueueGauges>,
) {
    let origin = tokio::time::Instant::now();
    let now =
        || Instant::from_millis(u64::try_from(origin.elapsed().as_millis()).unwrap_or(u64::MAX));
    let definition = hosted.definition;
    let mut queue = Queue::new(definition.config.clone());
    let (legs, mut leg_reports) = mpsc::channel(QUEUE_COMMANDS);
    let mut shell = Shell {
        context,
        tenant_name,
        queue_name: definition.name.clone(),
        tenant: hosted.tenant,
        legs,
        ring_time: definition.config.ring_timeout,
        waiting: HashMap::new(),
        callbacks: HashMap::new(),
        agents: definition
            .members
            .iter()
            .zip(0u32..)
            .map(|(extension, index)| (AgentId(index), extension.clone()))
            .collect(),
    };
    let mut presence = tokio::time::interval(PRESENCE_REFRESH);
    let mut live_view = LiveView::default();
    // Set once every sender is gone: the task stays for its callback tasks only.
    let mut closed = false;
    loop {
        if closed && queue.is_empty() {
            break;
        }
        let deadline = queue
            .next_deadline()
            .map(|at| origin + Duration::from_millis(at.as_millis()));
        let command = tokio::select! {
            command = commands.recv(), if !closed => {
                if command.is_none() {
                    closed = true;
                }
                command
            }
            report = leg_reports.recv() => report,
            () = crate::deadline::sleep_until(deadline) => None,
            _ = presence.tick(), if !queue.is_empty() => {
                shell.sync_presence(&mut queue, now());
                None
            }
        };
        if let Some(command) = command {
            shell.handle(&mut queue, command, now());
        }
        for action in queue.poll(now()) {
            shell.dispatch(action);
        }
        gauges.update(&queue, &shell.agents);
        if let Some(context) = shell.context.upgrade() {
            live_view.publish(
                &queue,
                &shell.agents,
                &shell.tenant_name,
                &definition.name,
                context.journal.as_ref(),
            );
        }
    }
}

impl Shell {
    fn handle(&mut self, queue: &mut Queue, command: QueueCommand, at: Instant) {
        match command {
            QueueCommand::Join {
                caller,
                request,
                events,
                joined,
            } => {
                self.sync_presence(queue, at);
                let result = queue.join(caller, request, at);
                if result.is_ok() {
                    self.waiting.insert(caller, events);
                }
                let _ = joined.send(result);
            }
            QueueCommand::Leave { caller } => {
                self.waiting.remove(&caller);
                let _ = queue.leave(caller, at);
            }
            QueueCommand::RequestCallback { caller, task, done } => {
                let result = queue.request_callback(caller, at);
                if result.is_ok() {
                    self.waiting.remove(&caller);
                    self.callbacks.insert(caller, task);
                }
                let _ = done.send(result);
            }
            QueueCommand::OfferCallback { task, done } => {
                let _ = done.send(self.take_offered(queue, task, at));
            }
            QueueCommand::Answered { caller, agent } => {
                self.waiting.remove(&caller);
                if queue.on_agent_answered(agent, caller, at).is_err() {
                    // The core withdrew the offer just before: the agent is busy anyway.
                    let _ = queue.leave(caller, at);
                }
            }
            QueueCommand::CallbackAnswered { caller, agent, go } => {
                // Accepted, the task leaves the core (its `CallBack` action is this
                // answer): nobody is offered it again, so the customer is dialled once.
                let taken = queue.on_agent_answered(agent, caller, at).is_ok();
                if taken {
                    self.callbacks.remove(&caller);
                }
                let _ = go.send(taken);
            }
            QueueCommand::Declined { caller, agent } => {
                let _ = queue.on_agent_declined(agent, caller, at);
            }
            QueueCommand::AgentDone { agent } => {
                let _ = queue.on_agent_hangup(agent, at);
            }
        }
    }

    /// Carries one of the core's actions to the caller it concerns, or starts the
    /// callback leg of a callback task's offer.
    fn dispatch(&mut self, action: Action) {
        let (caller, event) = match action {
            Action::Offer {
                caller,
                kind,
                agents: offered,
            } => {
                let named: Vec<(AgentId, String)> = offered
                    .iter()
                    .filter_map(|target| {
                        self.agents
                            .iter()
                            .find(|(id, _)| *id == target.agent)
                            .cloned()
                    })
                    .collect();
                if kind == OfferKind::Callback {
                    self.start_callback(caller, named);
                    return;
                }
                (
                    caller,
                    CallerEvent::Ring {
                        agents: named,
                        ring_time: self.ring_time,
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
            Action::Overflow { caller, action } => {
                if let Some(events) = self.waiting.remove(&caller) {
                    let overflow = CallerEvent::Overflow {
                        action,
                        ring_time: self.ring_time,
                    };
                    let _ = events.try_send(overflow);
                }
                return;
            }
            // The caller's own ring group (or callback leg) cancels its other legs and
            // does the bridging; a callback's answer was handled with its command.
            Action::CancelOffer { .. } | Action::Bridge { .. } | Action::CallBack { .. } => {
                return;
            }
        };
        if let Some(events) = self.waiting.get(&caller) {
            // A caller that cannot take more events is stuck; the core's timers move on.
            let _ = events.try_send(event);
        }
    }

    /// Takes a dialer's task when a logged-in agent is free beyond everyone already
    /// waiting (live callers and held tasks each get one first), so a task the dialer
    /// hands over is rung at once rather than parked in memory.
    fn take_offered(
        &mut self,
        queue: &mut Queue,
        task: CallbackTask,
        at: Instant,
    ) -> Result<(), CallbackOfferError> {
        if self.callbacks.values().any(|held| held.id == task.id) {
            return Err(CallbackOfferError::AlreadyHeld);
        }
        self.sync_presence(queue, at);
        let free = self
            .agents
            .iter()
            .filter(|(id, _)| matches!(queue.agent_state(*id), Some(AgentState::Available { .. })))
            .count();
        if free <= queue.len() {
            return Err(CallbackOfferError::NoFreeAgent);
        }
        let caller = next_offered_caller();
        queue
            .add_callback_task(caller, JoinRequest::default(), at)
            .map_err(|error| CallbackOfferError::Unavailable(error.to_string()))?;
        self.callbacks.insert(caller, task);
        Ok(())
    }

    /// Rings the agents offered a callback task on a leg of its own.
    fn start_callback(&mut self, caller: CallerId, agents: Vec<(AgentId, String)>) {
        let (Some(context), Some(task)) =
            (self.context.upgrade(), self.callbacks.get(&caller).cloned())
        else {
            // Without a controller or a task record nothing can ring; the offer rings
            // out in the core and the task keeps its place.
            return;
        };
        let offer = CallbackOffer {
            caller,
            task,
            agents,
            ring_time: self.ring_time,
            tenant_name: self.tenant_name.clone(),
            queue_name: self.queue_name.clone(),
        };
        let reports = self.legs.clone();
        let thread = context.media_thread();
        tokio::spawn(in_call(
            thread,
            run_callback(context, self.tenant.clone(), offer, reports),
        ));
    }

    /// Logs in the members with a registered phone, logs out idle members without one.
    fn sync_presence(&self, queue: &mut Queue, at: Instant) {
        let Some(context) = self.context.upgrade() else {
            return;
        };
        sync_presence(queue, &context, &self.tenant_name, &self.agents, at);
    }
}

fn sync_presence(
    queue: &mut Queue,
    context: &Arc<ControllerContext>,
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
