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
    pub fn respond_with(
        &mut self,
        status: StatusCode,
    ) -> impl Future<Output = Result<(), EndpointError>> + Send + '_ {
        let response = self.response(status);
        self.respond(response)
    }

    /// Sends a response (provisional or final) through the transaction.
    ///
    /// The response is boxed into the command before the future is made, so the future
    /// holds a pointer, not the message: callers await this deep inside a call's task or a
    /// scenario's fiber, and every byte of a future waiting there is paid per call.
    pub fn respond(
        &mut self,
        response: Response,
    ) -> impl Future<Output = Result<(), EndpointError>> + Send + '_ {
        let is_final = response.status.is_final();
        let command = Command::Respond {
            key: self.key.clone(),
            response: Box::new(response),
        };
        async move {
            self.commands
                .send(command)
                .await
                .map_err(|_| EndpointError::Closed)?;
            if is_final {
                self.answered = true;
            }
            Ok(())
        }
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
