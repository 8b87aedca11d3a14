//! TCP listener and outbound connections, framed by Content-Length.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::{Flow, Inbound, MAX_TCP_CONNECTIONS, TCP_WRITE_QUEUE, TcpConn};
use crate::message::{StreamFramer, bad_request_for_raw};

/// Open TCP connections by peer address, so requests to a peer reuse its connection.
#[derive(Clone, Default)]
pub(crate) struct TcpPool {
    conns: Arc<Mutex<HashMap<SocketAddr, Arc<TcpConn>>>>,
    count: Arc<AtomicUsize>,
    /// Address advertised in Via/Contact for outbound connections (our listener, if any).
    advertised: Arc<Mutex<Option<SocketAddr>>>,
}

impl TcpPool {
    pub(crate) fn set_advertised(&self, addr: SocketAddr) {
        if let Ok(mut a) = self.advertised.lock() {
            a.get_or_insert(addr);
        }
    }

    /// An existing connection to `peer`, or a new one.
    pub(crate) async fn connect(
        &self,
        peer: SocketAddr,
        inbound: mpsc::Sender<Inbound>,
    ) -> std::io::Result<Flow> {
        if let Some(conn) = self.conns.lock().ok().and_then(|c| c.get(&peer).cloned())
            && !conn.writer.is_closed()
        {
            return Ok(Flow::Tcp(conn));
        }
        if self.count.load(Ordering::Relaxed) >= MAX_TCP_CONNECTIONS {
            return Err(std::io::Error::other("too many TCP connections"));
        }
        let stream = TcpStream::connect(peer).await?;
        let advertised = self.advertised.lock().ok().and_then(|a| *a);
        let local = match (advertised, stream.local_addr()) {
            (Some(a), Ok(l)) if a.is_ipv4() == l.is_ipv4() => a,
            (_, Ok(l)) => l,
            (_, Err(e)) => return Err(e),
        };
        Ok(Flow::Tcp(
            self.spawn_connection(stream, peer, local, inbound),
        ))
    }

    fn spawn_connection(
        &self,
        stream: TcpStream,
        peer: SocketAddr,
        local: SocketAddr,
        inbound: mpsc::Sender<Inbound>,
    ) -> Arc<TcpConn> {
        let _ = stream.set_nodelay(true);
        let (mut reader, mut writer) = stream.into_split();
        let (tx, mut rx) = mpsc::channel::<Bytes>(TCP_WRITE_QUEUE);
        let conn = Arc::new(TcpConn {
            peer,
            local,
            writer: tx,
        });
        if let Ok(mut conns) = self.conns.lock() {
            conns.insert(peer, conn.clone());
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            while let Some(bytes) = rx.recv().await {
                if writer.write_all(&bytes).await.is_err() {
                    return;
                }
            }
        });
        let pool = self.clone();
        let flow_conn = conn.clone();
        tokio::spawn(async move {
            let flow = Flow::Tcp(flow_conn);
            let mut framer = StreamFramer::new();
            let mut buf = vec![0u8; 16 * 1024];
            'read: loop {
                let n = match reader.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                framer.extend(&buf[..n]);
                loop {
                    match framer.next_message() {
                        Ok(Some(msg)) => {
                            if inbound
                                .send(Inbound::Message(msg, flow.clone()))
                                .await
                                .is_err()
                            {
                                break 'read;
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            // Stream position is lost: answer 400 if we can, then close.
                            if let Some(answer) = bad_request_for_raw(&buf[..n], &e) {
                                flow.send(answer);
                            }
                            tracing::debug!(%peer, error = %e, "closing TCP connection after framing error");
                            break 'read;
                        }
                    }
                }
            }
            pool.remove(peer);
        });
        conn
    }

    fn remove(&self, peer: SocketAddr) {
        if let Ok(mut conns) = self.conns.lock()
            && conns.remove(&peer).is_some()
        {
            self.count.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Binds a TCP listener and spawns its accept loop; returns the bound address and the loop's
/// task (abort it to stop listening).
pub(crate) async fn listen_tcp(
    addr: SocketAddr,
    pool: TcpPool,
    inbound: mpsc::Sender<Inbound>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    pool.set_advertised(local);
    let task = tokio::spawn(async move {
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "tcp accept failed");
                    // Out of descriptors and similar: back off instead of spinning.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            if pool.count.load(Ordering::Relaxed) >= MAX_TCP_CONNECTIONS || inbound.is_closed() {
                drop(stream);
                if inbound.is_closed() {
                    return;
                }
                continue;
            }
            pool.spawn_connection(stream, peer, local, inbound.clone());
        }
    });
    Ok((local, task))
}
