//! The tokio task running a [`RegistrationMachine`] over an [`Endpoint`].

use std::time::{Duration, Instant};

use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use super::config::RegistrationConfig;
use super::machine::RegistrationMachine;
use super::state::RegistrationState;
use crate::endpoint::{ClientTransaction, Endpoint, Target};
use crate::message::Response;

/// Extra time [`RegistrationHandle::stop`] grants the task beyond the un-REGISTER wait
/// before aborting it.
const STOP_GRACE: Duration = Duration::from_secs(1);

/// A running registration. Dropping it aborts the task without unregistering; call
/// [`stop`](Self::stop) to remove the binding.
#[derive(Debug)]
pub struct RegistrationHandle {
    state: watch::Receiver<RegistrationState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    unregister_wait: Duration,
}

impl RegistrationHandle {
    /// The live state (operators, health checks, tests waiting for a change).
    pub fn state(&self) -> watch::Receiver<RegistrationState> {
        self.state.clone()
    }

    /// The current state.
    pub fn current(&self) -> RegistrationState {
        self.state.borrow().clone()
    }

    /// Unregisters (waiting at most the configured `unregister_wait`) and ends the task.
    /// Returns the last state (normally [`RegistrationState::Unregistered`]).
    pub async fn stop(mut self) -> RegistrationState {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            let bound = self.unregister_wait + STOP_GRACE;
            if tokio::time::timeout(bound, &mut task).await.is_err() {
                task.abort();
            }
        }
        self.state.borrow().clone()
    }
}

impl Drop for RegistrationHandle {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// Starts registering `config.aor` at `config.target` through `endpoint` (a task on the
/// current tokio runtime). The first REGISTER goes out at once.
pub fn spawn_registration(endpoint: Endpoint, config: RegistrationConfig) -> RegistrationHandle {
    let unregister_wait = config.timing.unregister_wait;
    let target = config.target;
    let machine = RegistrationMachine::new(config, Instant::now());
    let (state_tx, state_rx) = watch::channel(machine.state().clone());
    let (stop_tx, stop_rx) = oneshot::channel();
    let task = tokio::spawn(run(endpoint, target, machine, state_tx, stop_rx));
    RegistrationHandle {
        state: state_rx,
        stop: Some(stop_tx),
        task: Some(task),
        unregister_wait,
    }
}

/// The final response of the transaction in flight; `None` on timeout. Pending forever when
/// nothing is in flight.
async fn final_response(in_flight: &mut Option<ClientTransaction>) -> Option<Response> {
    match in_flight {
        Some(tx) => tx.final_response().await,
        None => std::future::pending().await,
    }
}

/// Sleeps until `at`, or forever when there is nothing to wake for.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}

/// Sends whatever the machine has due; the new transaction replaces the one in flight.
async fn send_due(
    endpoint: &Endpoint,
    target: Target,
    machine: &mut RegistrationMachine,
    in_flight: &mut Option<ClientTransaction>,
) {
    while let Some(request) = machine.poll_send(Instant::now()) {
        match endpoint.send_request(request, target).await {
            Ok(tx) => *in_flight = Some(tx),
            Err(e) => {
                *in_flight = None;
                machine.on_send_error(&e.to_string(), Instant::now());
            }
        }
    }
}

fn publish(state_tx: &watch::Sender<RegistrationState>, machine: &RegistrationMachine) {
    state_tx.send_if_modified(|shown| {
        let changed = shown != machine.state();
        if changed {
            *shown = machine.state().clone();
        }
        changed
    });
}

async fn run(
    endpoint: Endpoint,
    target: Target,
    mut machine: RegistrationMachine,
    state_tx: watch::Sender<RegistrationState>,
    mut stop_rx: oneshot::Receiver<()>,
) {
    let mut in_flight: Option<ClientTransaction> = None;
    loop {
        send_due(&endpoint, target, &mut machine, &mut in_flight).await;
        publish(&state_tx, &machine);
        let wake = tokio::select! {
            _ = &mut stop_rx => Wake::Stop,
            response = final_response(&mut in_flight) => Wake::Final(response),
            () = sleep_until(machine.next_wakeup()) => Wake::Timer,
        };
        match wake {
            Wake::Stop => break,
            Wake::Final(response) => {
                in_flight = None;
                match response {
                    Some(response) => machine.on_response(&response, Instant::now()),
                    None => machine.on_timeout(Instant::now()),
                }
            }
            Wake::Timer => {}
        }
    }
    // A REGISTER still in flight is abandoned: the un-REGISTER supersedes it.
    drop(in_flight);
    if let Some(request) = machine.unregister(Instant::now()) {
        publish(&state_tx, &machine);
        let wait = machine.config().timing.unregister_wait;
        let _ =
            tokio::time::timeout(wait, unregister(&endpoint, target, &mut machine, request)).await;
    }
    // Whatever happened, we hold nothing now (an unanswered binding lapses by itself).
    state_tx.send_replace(RegistrationState::Unregistered);
}

/// What woke the task.
// Moved once per wake-up; boxing the response would only add an allocation.
#[allow(clippy::large_enum_variant)]
enum Wake {
    Stop,
    Final(Option<Response>),
    Timer,
}

/// Sends the un-REGISTER and answers its challenges until the machine stops.
async fn unregister(
    endpoint: &Endpoint,
    target: Target,
    machine: &mut RegistrationMachine,
    request: crate::message::Request,
) {
    let mut in_flight = match endpoint.send_request(request, target).await {
        Ok(tx) => Some(tx),
        Err(e) => {
            machine.on_send_error(&e.to_string(), Instant::now());
            return;
        }
    };
    while !machine.is_stopped() {
        match final_response(&mut in_flight).await {
            Some(response) => machine.on_response(&response, Instant::now()),
            None => machine.on_timeout(Instant::now()),
        }
        in_flight = None;
        send_due(endpoint, target, machine, &mut in_flight).await;
        if in_flight.is_none() && !machine.is_stopped() {
            return;
        }
    }
}
