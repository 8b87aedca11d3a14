//! A webhook's outbox: its [`DropOldestQueue`] shared between the dispatcher (which puts
//! events in and never waits) and the webhook's worker (which waits for them).

use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::queue::DropOldestQueue;
use crate::sender::Delivery;

/// Events waiting for one webhook.
#[derive(Debug)]
pub(crate) struct Outbox {
    queue: Mutex<DropOldestQueue<Delivery>>,
    wake: Notify,
}

impl Outbox {
    /// An empty outbox holding at most `capacity` events.
    pub(crate) fn new(capacity: usize) -> Outbox {
        Outbox {
            queue: Mutex::new(DropOldestQueue::new(capacity)),
            wake: Notify::new(),
        }
    }

    /// Queues `delivery` (dropping the oldest when full) and wakes the worker. Never waits.
    pub(crate) fn push(&self, delivery: Delivery) {
        self.queue.lock().push(delivery);
        self.wake.notify_one();
    }

    /// The oldest waiting delivery, with how many were dropped since the last call;
    /// waits while there is none.
    pub(crate) async fn next(&self) -> (Delivery, u32) {
        loop {
            {
                let mut queue = self.queue.lock();
                if let Some(delivery) = queue.pop() {
                    return (delivery, queue.take_dropped());
                }
            }
            // `notify_one` keeps a permit when nobody waits, so a push between the check
            // above and this wait is not missed.
            self.wake.notified().await;
        }
    }
}
