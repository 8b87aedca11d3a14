//! The handle of a received request awaiting its answer.

use std::net::SocketAddr;

use tokio::sync::{mpsc, oneshot};

use super::messages::{Command, EndpointError};
use super::target::TransportKind;
use crate::message::{Request, Response, StatusCode, response_to};
use crate::transaction::TransactionKey;

/// A received request waiting for its answer. Dropping it without a final answer makes the
/// endpoint answer `500`, so no transaction is left hanging.
#[derive(Debug)]
pub struct ServerTransaction {
    pub(crate) request: Request,
    pub(crate) source: SocketAddr,
    pub(crate) transport: TransportKind,
    pub(crate) key: TransactionKey,
    pub(crate) commands: mpsc::Sender<Command>,
    pub(crate) cancelled: Option<oneshot::Receiver<()>>,
    pub(crate) answered: bool,
}

impl ServerTransaction {
    /// The request.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The source address (after NAT).
    pub fn source(&self) -> SocketAddr {
        self.source
    }

    /// The transport it came on.
    pub fn transport(&self) -> TransportKind {
        self.transport
    }

    /// A response skeleton for the request (copies Via, From, To, Call-ID, CSeq).
    pub fn response(&self, status: StatusCode) -> Response {
        response_to(&self.request, status)
    }

    /// For an INVITE: resolves when the caller CANCELs it (the endpoint has already answered
    /// `487`). `None` once taken, and for other methods.
    pub fn take_cancellation(&mut self) -> Option<oneshot::Receiver<()>> {
        self.cancelled.take()
    }

    /// Sends the bare response `status` (no body, no extra headers): what most refusals
    /// and plain `200`s need.
    pub async fn respond_with(&mut self, status: StatusCode) -> Result<(), EndpointError> {
        let response = self.response(status);
        self.respond(response).await
    }

    /// Sends a response (provisional or final) through the transaction.
    pub async fn respond(&mut self, response: Response) -> Result<(), EndpointError> {
        let is_final = response.status.is_final();
        self.commands
            .send(Command::Respond {
                key: self.key.clone(),
                response,
            })
            .await
            .map_err(|_| EndpointError::Closed)?;
        if is_final {
            self.answered = true;
        }
        Ok(())
    }
}

impl Drop for ServerTransaction {
    fn drop(&mut self) {
        if !self.answered {
            let _ = self.commands.try_send(Command::Abandon {
                key: self.key.clone(),
            });
        }
    }
}
