//! UDP listener: one datagram, one message.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use super::{Flow, Inbound};
use crate::message::{MAX_MESSAGE_SIZE, parse_datagram};

/// Binds `addr` and spawns the receive loop. Returns the socket (for sending) and the loop's
/// task (abort it to stop listening).
pub(crate) async fn listen_udp(
    addr: SocketAddr,
    inbound: mpsc::Sender<Inbound>,
) -> std::io::Result<(Arc<UdpSocket>, tokio::task::JoinHandle<()>)> {
    let socket = Arc::new(UdpSocket::bind(addr).await?);
    let recv_socket = socket.clone();
    let task = tokio::spawn(async move {
        // One byte more than the limit so an oversize datagram is seen as oversize, not cut.
        let mut buf = vec![0u8; MAX_MESSAGE_SIZE + 1];
        loop {
            let (len, peer) = match recv_socket.recv_from(&mut buf).await {
                Ok(r) => r,
                // ICMP port unreachable surfaces as an error on some platforms; keep serving.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "udp receive failed; listener stops");
                    return;
                }
            };
            let data = &buf[..len];
            if data.iter().all(|c| matches!(c, b'\r' | b'\n' | b' ' | 0)) {
                continue; // keep-alive
            }
            let flow = Flow::Udp {
                socket: recv_socket.clone(),
                peer,
            };
            let item = match parse_datagram(data) {
                Ok(msg) => Inbound::Message(msg, flow),
                Err(e) => Inbound::Malformed(Bytes::copy_from_slice(data), e, flow),
            };
            match inbound.try_send(item) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    tracing::debug!("inbound queue full; datagram dropped")
                }
                Err(mpsc::error::TrySendError::Closed(_)) => return,
            }
        }
    });
    Ok((socket, task))
}
