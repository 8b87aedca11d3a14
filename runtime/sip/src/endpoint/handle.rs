//! The endpoint handle: binds transports, starts the core, sends requests.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;

use super::client_transaction::ClientTransaction;
use super::config::{CLIENT_EVENT_QUEUE, COMMAND_QUEUE, EndpointConfig};
use super::core::Core;
use super::counters::SipCounters;
use super::messages::{Command, EndpointError, EndpointStats, Incoming};
use super::target::{Target, TransportKind};
use crate::ids::new_branch;
use crate::message::{Host, HostPort, Request, Via};
use crate::transaction::TransactionKey;
use crate::transport::{Flow, INBOUND_QUEUE, Inbound, TcpPool, listen_tcp, listen_udp};

struct Shared {
    commands: mpsc::Sender<Command>,
    inbound: mpsc::Sender<Inbound>,
    udp: Vec<Arc<UdpSocket>>,
    tcp_listeners: Vec<SocketAddr>,
    tcp: TcpPool,
    advertised_host: Option<Host>,
    counters: Arc<SipCounters>,
    tasks: Vec<AbortHandle>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// A SIP endpoint. Cheap to clone; the transports and the core stop when the last clone drops.
#[derive(Clone)]
pub struct Endpoint {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("udp", &self.local_addrs(TransportKind::Udp))
            .finish_non_exhaustive()
    }
}

/// A TCP listener asked for on any port (0) takes the port UDP got on the same
/// address, so one address serves both transports, as phones expect of a SIP server.
fn same_port_as_udp(addr: SocketAddr, udp: &[Arc<UdpSocket>]) -> SocketAddr {
    if addr.port() != 0 {
        return addr;
    }
    udp.iter()
        .filter_map(|socket| socket.local_addr().ok())
        .find(|local| local.ip() == addr.ip())
        .map_or(addr, |local| SocketAddr::new(addr.ip(), local.port()))
}

impl Endpoint {
    /// Binds the configured listeners and starts the core. Returns the endpoint and the
    /// channel of new requests.
    pub async fn bind(
        config: EndpointConfig,
    ) -> Result<(Endpoint, mpsc::Receiver<Incoming>), EndpointError> {
        let (inbound_tx, inbound_rx) = mpsc::channel(INBOUND_QUEUE);
        let (commands_tx, commands_rx) = mpsc::channel(COMMAND_QUEUE);
        let (incoming_tx, incoming_rx) = mpsc::channel(config.incoming_queue.max(1));
        let mut tasks = Vec::new();
        let mut udp = Vec::new();
        for addr in &config.udp {
            let (socket, task) = listen_udp(*addr, inbound_tx.clone()).await?;
            udp.push(socket);
            tasks.push(task.abort_handle());
        }
        let tcp = TcpPool::default();
        let mut tcp_listeners = Vec::new();
        for asked in &config.tcp {
            let addr = same_port_as_udp(*asked, &udp);
            let (local, task) = match listen_tcp(addr, tcp.clone(), inbound_tx.clone()).await {
                Ok(bound) => bound,
                // UDP's port is taken for TCP: any port, as asked.
                Err(_) if addr != *asked => {
                    listen_tcp(*asked, tcp.clone(), inbound_tx.clone()).await?
                }
                Err(err) => return Err(err.into()),
            };
            tcp_listeners.push(local);
            tasks.push(task.abort_handle());
        }
        let counters = Arc::new(SipCounters::default());
        let core = Core::new(&config, commands_tx.clone(), incoming_tx, counters.clone());
        tasks.push(tokio::spawn(core.run(inbound_rx, commands_rx)).abort_handle());
        let advertised_host = config.advertised_host.clone();
        let shared = Shared {
            commands: commands_tx,
            inbound: inbound_tx,
            udp,
            tcp_listeners,
            tcp,
            advertised_host,
            counters,
            tasks,
        };
        Ok((
            Endpoint {
                shared: Arc::new(shared),
            },
            incoming_rx,
        ))
    }

    /// Bound addresses of one transport.
    pub fn local_addrs(&self, transport: TransportKind) -> Vec<SocketAddr> {
        match transport {
            TransportKind::Udp => self
                .shared
                .udp
                .iter()
                .filter_map(|s| s.local_addr().ok())
                .collect(),
            TransportKind::Tcp => self.shared.tcp_listeners.clone(),
        }
    }

    /// Our bound address for reaching `target`.
    pub fn local_addr_for(&self, target: Target) -> Option<SocketAddr> {
        self.local_addrs(target.transport)
            .into_iter()
            .find(|a| a.is_ipv4() == target.addr.is_ipv4())
    }

    /// What to write in Via and Contact for `target`: the advertised host if configured, else
    /// the bound address.
    pub fn contact_host_port(&self, target: Target) -> Option<HostPort> {
        let local = self.local_addr_for(target)?;
        Some(match &self.shared.advertised_host {
            Some(host) => HostPort {
                host: host.clone(),
                port: Some(local.port()),
            },
            None => HostPort::from(local),
        })
    }

    async fn flow_to(&self, target: Target) -> Result<Flow, EndpointError> {
        match target.transport {
            TransportKind::Udp => {
                let socket = self
                    .shared
                    .udp
                    .iter()
                    .find(|s| {
                        s.local_addr()
                            .is_ok_and(|a| a.is_ipv4() == target.addr.is_ipv4())
                    })
                    .ok_or(EndpointError::NoTransport(TransportKind::Udp))?;
                Ok(Flow::Udp {
                    socket: socket.clone(),
                    peer: target.addr,
                })
            }
            TransportKind::Tcp => Ok(self
                .shared
                .tcp
                .connect(target.addr, self.shared.inbound.clone())
                .await?),
        }
    }

    fn stamp_via(&self, request: &mut Request, flow: &Flow) {
        let local = flow.local();
        let sent_by = match &self.shared.advertised_host {
            Some(host) => HostPort {
                host: host.clone(),
                port: Some(local.port()),
            },
            None => HostPort::from(local),
        };
        request
            .head
            .via
            .insert(0, Via::new(flow.via_transport(), sent_by, &new_branch()));
        if request.head.max_forwards.is_none() {
            request.head.max_forwards = Some(70);
        }
    }

    /// Sends `request` through a new client transaction (our Via with a fresh branch is put on
    /// top). For INVITE, use [`ClientTransaction::cancel`] to CANCEL it.
    pub async fn send_request(
        &self,
        mut request: Request,
        target: Target,
    ) -> Result<ClientTransaction, EndpointError> {
        let flow = self.flow_to(target).await?;
        self.stamp_via(&mut request, &flow);
        let key = TransactionKey::for_request(&request).ok_or(EndpointError::Closed)?;
        let (events_tx, events_rx) = mpsc::channel(CLIENT_EVENT_QUEUE);
        self.shared
            .commands
            .send(Command::StartClient {
                request: Box::new(request.clone()),
                flow,
                events: events_tx,
            })
            .await
            .map_err(|_| EndpointError::Closed)?;
        Ok(ClientTransaction {
            key,
            request,
            target,
            events: events_rx,
            commands: self.shared.commands.clone(),
        })
    }

    /// The endpoint's traffic counters (messages, malformed input, overload, timeouts).
    pub fn counters(&self) -> Arc<SipCounters> {
        self.shared.counters.clone()
    }

    /// Current table sizes.
    pub async fn stats(&self) -> Result<EndpointStats, EndpointError> {
        let (reply, rx) = oneshot::channel();
        self.shared
            .commands
            .send(Command::Stats { reply })
            .await
            .map_err(|_| EndpointError::Closed)?;
        rx.await.map_err(|_| EndpointError::Closed)
    }

    /// Sends an ACK for a 2xx (no transaction: RFC 3261 §13.2.2.4), with a fresh Via.
    pub async fn send_ack(&self, mut ack: Request, target: Target) -> Result<(), EndpointError> {
        let flow = self.flow_to(target).await?;
        self.stamp_via(&mut ack, &flow);
        self.shared.counters.request_out(&ack.method);
        flow.send(ack.to_bytes());
        Ok(())
    }
}
