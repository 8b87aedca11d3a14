//! The handle of a request we sent.

use tokio::sync::mpsc;

use super::messages::{Command, EndpointError};
use super::target::Target;
use crate::message::{Request, Response};
use crate::transaction::TransactionKey;

/// What happens to a request sent through [`Endpoint::send_request`].
// Responses are moved once through a bounded channel; boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// A response (provisionals, the final, and for INVITE every 2xx including retransmissions
    /// and forks, each needing an ACK from the dialog layer).
    Response(Response),
    /// No final response in time (timer B or F).
    Timeout,
}

/// A request in flight.
#[derive(Debug)]
pub struct ClientTransaction {
    pub(crate) key: TransactionKey,
    pub(crate) request: Request,
    pub(crate) target: Target,
    pub(crate) events: mpsc::Receiver<ClientEvent>,
    pub(crate) commands: mpsc::Sender<Command>,
}

impl ClientTransaction {
    /// The request as sent (with our Via).
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// Where it went.
    pub fn target(&self) -> Target {
        self.target
    }

    /// The next event; `None` once the transaction is over and every event was read.
    pub async fn next_event(&mut self) -> Option<ClientEvent> {
        self.events.recv().await
    }

    /// The next final response, skipping provisionals; `None` on timeout or when closed.
    pub async fn final_response(&mut self) -> Option<Response> {
        loop {
            match self.next_event().await? {
                ClientEvent::Response(r) if r.status.is_final() => return Some(r),
                ClientEvent::Response(_) => {}
                ClientEvent::Timeout => return None,
            }
        }
    }

    /// CANCELs an INVITE (sent as soon as a provisional response has arrived, RFC 3261 §9.1).
    /// The INVITE then normally ends with `487`.
    pub async fn cancel(&self) -> Result<(), EndpointError> {
        self.commands
            .send(Command::Cancel {
                key: self.key.clone(),
            })
            .await
            .map_err(|_| EndpointError::Closed)
    }
}
