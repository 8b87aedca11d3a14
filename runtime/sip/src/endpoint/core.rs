//! The core task: the transaction tables, their timers, and the dispatch of I/O events.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};

use super::client_transaction::ClientEvent;
use super::config::EndpointConfig;
use super::counters::{self, SipCounters};
use super::messages::{Command, EndpointStats, Incoming};
use super::rate_limit::RateLimiter;
use super::timer_queue::{Side, Slot, TimerQueue};
use crate::message::{HeaderName, Message, Request, Response, bad_request_for_raw};
use crate::transaction::{
    ClientInvite, ClientNonInvite, ServerInvite, ServerNonInvite, Timers, TransactionKey, TxAction,
};
use crate::transport::{Flow, Inbound};

/// The virtual-clock-friendly "now" of the endpoint (tokio's clock, as a std `Instant`).
pub(crate) fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

pub(crate) enum ServerKind {
    Invite {
        tx: ServerInvite,
        /// Fired when a CANCEL ends the INVITE.
        cancel: Option<oneshot::Sender<()>>,
        /// To tag of our provisional answers, reused for the `487`.
        to_tag: Option<String>,
        /// (Call-ID, CSeq) under which a 2xx is waiting for its ACK.
        accepted: Option<(String, u32)>,
    },
    NonInvite(ServerNonInvite),
}

pub(crate) struct ServerEntry {
    pub(crate) kind: ServerKind,
    /// Kept to answer for the user (`487` after CANCEL, `500` when abandoned) until the final
    /// response; dropped then, as timers J/L keep the entry alive 32 s more.
    pub(crate) request: Option<Box<Request>>,
    pub(crate) flow: Flow,
    pub(crate) slot: Option<Slot>,
}

pub(crate) enum ClientKind {
    Invite {
        tx: Box<ClientInvite>,
        cancel_pending: bool,
    },
    NonInvite(ClientNonInvite),
}

pub(crate) struct ClientEntry {
    pub(crate) kind: ClientKind,
    pub(crate) flow: Flow,
    /// `None` for requests the endpoint sends on its own (CANCEL).
    pub(crate) events: Option<mpsc::Sender<ClientEvent>>,
    pub(crate) slot: Option<Slot>,
}

pub(crate) struct Core {
    pub(crate) timers: Timers,
    pub(crate) user_agent: String,
    pub(crate) limiter: RateLimiter,
    pub(crate) server: HashMap<TransactionKey, ServerEntry>,
    pub(crate) client: HashMap<TransactionKey, ClientEntry>,
    /// INVITE server transactions whose 2xx awaits an ACK, by (Call-ID, CSeq).
    pub(crate) accepted: HashMap<(String, u32), TransactionKey>,
    pub(crate) queue: TimerQueue,
    pub(crate) commands: mpsc::Sender<Command>,
    pub(crate) incoming: mpsc::Sender<Incoming>,
    /// Reused output buffer of the transaction machines.
    pub(crate) scratch: Vec<TxAction>,
    pub(crate) counters: Arc<SipCounters>,
}

impl Core {
    pub(crate) fn new(
        config: &EndpointConfig,
        commands: mpsc::Sender<Command>,
        incoming: mpsc::Sender<Incoming>,
        counters: Arc<SipCounters>,
    ) -> Core {
        Core {
            timers: config.timers,
            user_agent: config.user_agent.clone(),
            limiter: RateLimiter::new(config.rate_limit),
            server: HashMap::new(),
            client: HashMap::new(),
            accepted: HashMap::new(),
            queue: TimerQueue::default(),
            commands,
            incoming,
            scratch: Vec::new(),
            counters,
        }
    }

    pub(crate) async fn run(
        mut self,
        mut inbound: mpsc::Receiver<Inbound>,
        mut commands: mpsc::Receiver<Command>,
    ) {
        loop {
            let deadline = self.queue.next().map(tokio::time::Instant::from_std);
            tokio::select! {
                item = inbound.recv() => match item {
                    Some(item) => self.on_inbound(item, now()),
                    None => return,
                },
                cmd = commands.recv() => match cmd {
                    Some(cmd) => self.on_command(cmd, now()),
                    None => return,
                },
                _ = sleep_until(deadline), if deadline.is_some() => self.on_timers(now()),
            }
        }
    }

    fn on_inbound(&mut self, item: Inbound, now: Instant) {
        match item {
            Inbound::Message(Message::Request(request), flow) => {
                self.counters.request_in(&request.method);
                self.on_request(request, flow, now)
            }
            Inbound::Message(Message::Response(response), _) => {
                self.counters.response_in(response.status);
                self.on_response(response, now)
            }
            Inbound::Malformed(bytes, error, flow) => {
                // Rate-limited too, or garbage floods would turn us into a 400 reflector.
                if !self.limiter.allow(flow.peer().ip(), now) {
                    self.counters.malformed(false);
                    return;
                }
                tracing::debug!(peer = %flow.peer(), %error, "malformed message");
                match bad_request_for_raw(&bytes, &error) {
                    Some(answer) => {
                        flow.send(answer);
                        self.counters.malformed(true);
                    }
                    None => self.counters.malformed(false),
                }
            }
        }
    }

    fn on_command(&mut self, cmd: Command, now: Instant) {
        match cmd {
            Command::Respond { key, response } => self.respond(&key, *response, now),
            Command::Abandon { key } => self.abandon(&key, now),
            Command::StartClient {
                request,
                flow,
                events,
            } => self.start_client(*request, flow, Some(events), now),
            Command::Cancel { key } => self.cancel_client(&key, now),
            Command::Stats { reply } => {
                let _ = reply.send(EndpointStats {
                    server_transactions: self.server.len(),
                    client_transactions: self.client.len(),
                    awaiting_ack: self.accepted.len(),
                    timers: self.queue.len(),
                });
            }
        }
    }

    fn on_timers(&mut self, now: Instant) {
        while let Some((side, key)) = self.queue.pop_due(now) {
            let mut out = std::mem::take(&mut self.scratch);
            match side {
                Side::Server => {
                    if let Some(e) = self.server.get_mut(&key) {
                        e.slot = None;
                        match &mut e.kind {
                            ServerKind::Invite { tx, .. } => tx.on_timer(now, &mut out),
                            ServerKind::NonInvite(tx) => tx.on_timer(now, &mut out),
                        }
                    }
                    self.apply_server(&key, &mut out);
                }
                Side::Client => {
                    if let Some(e) = self.client.get_mut(&key) {
                        e.slot = None;
                        match &mut e.kind {
                            ClientKind::Invite { tx, .. } => tx.on_timer(now, &mut out),
                            ClientKind::NonInvite(tx) => tx.on_timer(now, &mut out),
                        }
                    }
                    self.apply_client(&key, &mut out, now);
                }
            }
            self.scratch = out;
        }
    }

    /// Carries out a server transaction's actions, then reschedules or drops it.
    pub(crate) fn apply_server(&mut self, key: &TransactionKey, out: &mut Vec<TxAction>) {
        let mut terminated = false;
        for action in out.drain(..) {
            match action {
                TxAction::Send(bytes) => {
                    if let Some(e) = self.server.get(key) {
                        e.flow.send(bytes);
                    }
                }
                TxAction::Timeout => {
                    self.counters.timeout(counters::Side::Server);
                    if let Some(ServerEntry {
                        kind:
                            ServerKind::Invite {
                                accepted: Some((call_id, _)),
                                ..
                            },
                        ..
                    }) = self.server.get(key)
                    {
                        let _ = self.incoming.try_send(Incoming::AckTimeout {
                            call_id: call_id.clone(),
                        });
                    }
                }
                TxAction::Terminated => terminated = true,
                TxAction::Response(_) => {}
            }
        }
        if terminated {
            if let Some(e) = self.server.remove(key) {
                self.queue.remove(e.slot);
                if let ServerKind::Invite {
                    accepted: Some(a), ..
                } = e.kind
                {
                    self.accepted.remove(&a);
                }
            }
            shrink_if_sparse(&mut self.server);
            shrink_if_sparse(&mut self.accepted);
            return;
        }
        if let Some(e) = self.server.get_mut(key) {
            let deadline = match &e.kind {
                ServerKind::Invite { tx, .. } => tx.next_deadline(),
                ServerKind::NonInvite(tx) => tx.next_deadline(),
            };
            e.slot = self.queue.reschedule(e.slot, deadline, Side::Server, key);
        }
    }

    /// Carries out a client transaction's actions, then reschedules or drops it.
    pub(crate) fn apply_client(
        &mut self,
        key: &TransactionKey,
        out: &mut Vec<TxAction>,
        now: Instant,
    ) {
        let mut terminated = false;
        let mut send_cancel = false;
        for action in out.drain(..) {
            let Some(e) = self.client.get_mut(key) else {
                continue;
            };
            match action {
                TxAction::Send(bytes) => {
                    e.flow.send(bytes);
                }
                TxAction::Response(r) => {
                    if let ClientKind::Invite { cancel_pending, .. } = &mut e.kind
                        && *cancel_pending
                        && r.status.is_provisional()
                    {
                        *cancel_pending = false;
                        send_cancel = true;
                    }
                    if let Some(events) = &e.events
                        && events.try_send(ClientEvent::Response(r)).is_err()
                    {
                        tracing::debug!("client event queue full or closed; response dropped");
                    }
                }
                TxAction::Timeout => {
                    self.counters.timeout(counters::Side::Client);
                    if let Some(events) = &e.events {
                        let _ = events.try_send(ClientEvent::Timeout);
                    }
                }
                TxAction::Terminated => terminated = true,
            }
        }
        if send_cancel {
            self.send_cancel(key, now);
        }
        if terminated {
            if let Some(e) = self.client.remove(key) {
                self.queue.remove(e.slot);
            }
            shrink_if_sparse(&mut self.client);
            return;
        }
        if let Some(e) = self.client.get_mut(key) {
            let deadline = match &e.kind {
                ClientKind::Invite { tx, .. } => tx.next_deadline(),
                ClientKind::NonInvite(tx) => tx.next_deadline(),
            };
            e.slot = self.queue.reschedule(e.slot, deadline, Side::Client, key);
        }
    }

    /// Adds the Server header to what the endpoint itself answers.
    pub(crate) fn stamp_server(&self, response: &mut Response) {
        if response.head.headers.get(&HeaderName::Server).is_none() {
            response
                .head
                .headers
                .push(HeaderName::Server, self.user_agent.clone());
        }
    }
}

/// Tables smaller than this are never shrunk (not worth the rehash).
const SHRINK_FLOOR: usize = 4096;

/// Gives memory back after a load peak: a table a quarter full is halved. Without this the
/// tables keep their peak capacity forever and memory never returns to its idle level.
fn shrink_if_sparse<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>) {
    if map.capacity() > SHRINK_FLOOR && map.len() * 4 < map.capacity() {
        map.shrink_to((map.len() * 2).max(SHRINK_FLOOR));
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
