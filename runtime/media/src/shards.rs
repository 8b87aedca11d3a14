//! Media threads: each a single-threaded tokio runtime with its own reactor, on which
//! legs run with their sockets.
//!
//! Why not the server's multi-threaded runtime: a leg's work per packet is small (a
//! `recvfrom`, a header rewrite, a `sendto`), so what a packet costs there is mostly
//! the scheduler — a socket made ready on one worker wakes the other to steal, and the
//! two park and unpark in turn. Measured with `relay_vs_echo` (200 bridges, 50 packets/s
//! per stream): 13–16 µs of CPU per relayed packet on two work-stealing workers, ≈12 µs
//! on one. A leg pinned to one thread, beside the other leg of its bridge, relays
//! without any cross-thread wake-up. The controller keeps a call's legs on one thread
//! (see `wasmphony_controller`'s call scope).

use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// What the media threads are called (thread names are what `top -H` and the
/// benchmarks' CPU accounting see).
pub const THREAD_NAME: &str = "wasmphony-media";

/// A set of media threads. Dropping it stops them; legs still running there end.
pub struct MediaShards {
    handles: Vec<Handle>,
    /// Each thread runs until its sender is dropped.
    _stops: Vec<oneshot::Sender<()>>,
    next: AtomicUsize,
}

impl MediaShards {
    /// Starts `count` media threads (at least one).
    pub fn start(count: usize) -> std::io::Result<Self> {
        let count = count.max(1);
        let mut handles = Vec::with_capacity(count);
        let mut stops = Vec::with_capacity(count);
        for index in 0..count {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            handles.push(runtime.handle().clone());
            let (stop, stopped) = oneshot::channel::<()>();
            stops.push(stop);
            // Detached: the thread ends by itself once `stopped` resolves; joining it
            // from a drop that may run on an async worker would block that worker.
            std::thread::Builder::new()
                .name(format!("{THREAD_NAME}-{index}"))
                .spawn(move || {
                    runtime.block_on(async {
                        let _ = stopped.await;
                    });
                })?;
        }
        Ok(Self {
            handles,
            _stops: stops,
            next: AtomicUsize::new(0),
        })
    }

    /// As many threads as the machine has cores.
    pub fn per_core() -> std::io::Result<Self> {
        Self::start(std::thread::available_parallelism().map_or(1, usize::from))
    }

    /// The next thread in turn, for a new call's legs.
    pub fn pick(&self) -> Handle {
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.handles.len();
        self.handles[index].clone()
    }

    /// How many threads there are.
    pub fn len(&self) -> usize {
        self.handles.len()
    }

    /// Never: there is always at least one thread.
    pub fn is_empty(&self) -> bool {
        self.handles.is_empty()
    }
}

impl std::fmt::Debug for MediaShards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaShards")
            .field("threads", &self.handles.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_in_turn_and_runs_tasks_on_named_threads() {
        let shards = MediaShards::start(2).expect("threads");
        assert_eq!(shards.len(), 2);
        let names: Vec<String> = (0..4)
            .map(|_| {
                let (tx, rx) = std::sync::mpsc::channel();
                shards.pick().spawn(async move {
                    let name = std::thread::current().name().map(str::to_owned);
                    let _ = tx.send(name);
                });
                rx.recv_timeout(std::time::Duration::from_secs(5))
                    .expect("task ran")
                    .expect("named")
            })
            .collect();
        assert_eq!(
            names,
            [
                "wasmphony-media-0",
                "wasmphony-media-1",
                "wasmphony-media-0",
                "wasmphony-media-1"
            ]
        );
    }
}
