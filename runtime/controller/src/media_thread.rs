//! Which media thread a call's legs run on. Each leg runs on one of the context's
//! media threads ([`wasmphony_media::shards::MediaShards`]); all legs of one call go
//! to the same thread, so a bridge between them relays a packet without waking
//! another thread. The thread is chosen when the call's first leg is bound and kept
//! for the call's task in a task-local scope.

use std::future::Future;
use std::net::IpAddr;

use tokio::runtime::Handle;
use wasmphony_media::net::{RtpSession, SessionError};
use wasmphony_media::shards::MediaShards;

use crate::context::ControllerContext;

tokio::task_local! {
    /// The media thread of the call whose task is running.
    static CALL_MEDIA: Handle;
}

impl ControllerContext {
    /// The media thread for a new leg: the current call's, or the next in turn. Without
    /// media threads (they could not be started) the runtime the caller runs on.
    pub(crate) fn media_thread(&self) -> Handle {
        thread_for_leg(self.media_shards.as_ref())
    }

    /// Leases an RTP port pair on `ip` for a leg of the current call.
    pub(crate) fn bind_session(&self, ip: IpAddr) -> Result<RtpSession, SessionError> {
        RtpSession::bind_on(&self.ports, ip, &self.media_thread())
    }
}

/// Starts `count` media threads; `None` (media runs on the runtime that runs the calls)
/// when `count` is 0 or the threads could not be started.
pub(crate) fn start_media_threads(count: usize) -> Option<MediaShards> {
    if count == 0 {
        return None;
    }
    MediaShards::start(count)
        .inspect_err(|e| {
            tracing::warn!("media threads not started, media runs with signalling: {e}")
        })
        .ok()
}

fn thread_for_leg(shards: Option<&MediaShards>) -> Handle {
    CALL_MEDIA
        .try_with(Handle::clone)
        .unwrap_or_else(|_| shards.map_or_else(Handle::current, MediaShards::pick))
}

/// Runs a call's task with its legs kept on `thread` (its first leg's, or one picked
/// for a call that starts by dialing). Not an `async fn`: that would hold the task
/// twice in its state (as argument and inside the scope), 2 KiB more per call.
pub(crate) fn in_call<F: Future>(thread: Handle, task: F) -> impl Future<Output = F::Output> {
    CALL_MEDIA.scope(thread, task)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn thread_of(runtime: &Handle) -> String {
        runtime
            .spawn(async { std::thread::current().name().map(str::to_owned) })
            .await
            .expect("ran")
            .expect("named")
    }

    #[tokio::test]
    async fn a_calls_legs_share_its_thread_and_new_calls_take_turns() {
        let shards = MediaShards::start(2).expect("threads");
        let first = thread_for_leg(Some(&shards));
        let second = thread_for_leg(Some(&shards));
        assert_ne!(thread_of(&first).await, thread_of(&second).await);

        let call_thread = thread_of(&first).await;
        let legs = in_call(first, async {
            let mut names = Vec::new();
            for _ in 0..3 {
                names.push(thread_of(&thread_for_leg(Some(&shards))).await);
            }
            names
        })
        .await;
        assert_eq!(legs, vec![call_thread; 3]);
    }

    #[test]
    fn zero_media_threads_means_none() {
        assert!(start_media_threads(0).is_none());
        assert_eq!(start_media_threads(3).map(|shards| shards.len()), Some(3));
    }

    #[tokio::test]
    async fn without_media_threads_legs_run_on_the_callers_runtime() {
        let here = std::thread::current().name().map(str::to_owned);
        let thread = thread_for_leg(None);
        assert_eq!(Some(thread_of(&thread).await), here);
    }
}
