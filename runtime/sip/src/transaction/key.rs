//! Transaction matching keys (RFC 3261 §17.1.3 and §17.2.3).

use crate::message::{Method, Request, Response};

/// Identifies a transaction: the top Via branch plus the method (ACK matches its INVITE).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TransactionKey {
    /// Top Via branch (RFC 3261 magic-cookie branches only; older peers get their
    /// Call-ID + CSeq mixed in by the endpoint).
    pub branch: String,
    /// INVITE for INVITE and ACK, the method otherwise (CANCEL is its own transaction).
    pub method: Method,
}

impl TransactionKey {
    /// Key of the server transaction a received request belongs to.
    pub fn for_request(request: &Request) -> Option<TransactionKey> {
        let branch = request.head.branch()?;
        let method = match request.method {
            Method::Ack => Method::Invite,
            ref m => m.clone(),
        };
        Some(TransactionKey {
            branch: branch.to_owned(),
            method,
        })
    }

    /// Key of the client transaction a received response belongs to.
    pub fn for_response(response: &Response) -> Option<TransactionKey> {
        let branch = response.head.branch()?;
        Some(TransactionKey {
            branch: branch.to_owned(),
            method: response.head.cseq.method.clone(),
        })
    }
}
