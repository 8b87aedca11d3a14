//! A webhook's outbox: its [`DropOldestQueue`] shared between the dispatcher (which puts
//! events in and never waits) and the webhook's worker (which waits for them).

use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::queue::DropOldestQueue;
use crate::sender::Delivery;
use crate::stats::WebhookStats;

/// Events waiting for one webhook.
#[derive(Debug)]
pub(crate) struct Outbox {
    queue: Mutex<DropOldestQueue<Delivery>>,
    capacity: usize,
    wake: Notify,
    /// Counts what waits and what is dropped, over all outboxes.
    stats: Arc<WebhookStats>,
}

impl Outbox {
    /// An empty outbox holding at most `capacity` events.
    pub(crate) fn new(capacity: usize, stats: Arc<WebhookStats>) -> Outbox {
        let capacity = capacity.max(1);
        Outbox {
            queue: Mutex::new(DropOldestQueue::new(capacity)),
            capacity,
            wake: Notify::new(),
            stats,
        }
    }

    /// Queues `delivery` (dropping the oldest when full) and wakes the worker. Never waits.
    pub(crate) fn push(&self, delivery: Delivery) {
        {
            let mut queue = self.queue.lock();
            // Counted when it happens; the worker tells the store at its next event.
            if queue.len() >= self.capacity {
                self.stats.dropped();
            } else {
                self.stats.queued(1);
            }
            queue.push(delivery);
        }
        self.wake.notify_one();
    }

    /// The oldest waiting delivery, with how many were dropped since the last call;
    /// waits while there is none.
    pub(crate) async fn next(&self) -> (Delivery, u32) {
        loop {
            {
                let mut queue = self.queue.lock();
                if let Some(delivery) = queue.pop() {
                    self.stats.queued(-1);
                    return (delivery, queue.take_dropped());
                }
            }
            // `notify_one` keeps a permit when nobody waits, so a push between the check
            // above and this wait is not missed.
            self.wake.notified().await;
        }
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        // A deleted or disabled webhook's waiting events are gone with it.
        let left = i64::try_from(self.queue.get_mut().len()).unwrap_or(i64::MAX);
        self.stats.queued(-left);
    }
}
