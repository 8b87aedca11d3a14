//! One subscriber's end of a tenant's channel.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};

use crate::event::LiveEvent;

/// A tenant's events from the moment of subscribing. Drop it to unsubscribe.
#[derive(Debug)]
pub struct Subscription {
    receiver: broadcast::Receiver<Arc<LiveEvent>>,
    /// Held for its `Drop`: releases the place counted by `EventBus::try_subscribe`.
    _slot: Option<Slot>,
}

impl Subscription {
    pub(crate) fn new(
        receiver: broadcast::Receiver<Arc<LiveEvent>>,
        slot: Option<Slot>,
    ) -> Subscription {
        Subscription {
            receiver,
            _slot: slot,
        }
    }

    /// The next event; [`LiveEvent::Lagged`] when events were dropped for this subscriber
    /// since the last call; `None` once the bus is gone.
    pub async fn recv(&mut self) -> Option<Arc<LiveEvent>> {
        match self.receiver.recv().await {
            Ok(event) => Some(event),
            Err(RecvError::Lagged(missed)) => Some(Arc::new(LiveEvent::Lagged { missed })),
            Err(RecvError::Closed) => None,
        }
    }

    /// The next event if one is waiting, without waiting (see [`Subscription::recv`]).
    pub fn try_recv(&mut self) -> Option<Arc<LiveEvent>> {
        match self.receiver.try_recv() {
            Ok(event) => Some(event),
            Err(TryRecvError::Lagged(missed)) => Some(Arc::new(LiveEvent::Lagged { missed })),
            Err(TryRecvError::Empty | TryRecvError::Closed) => None,
        }
    }
}

/// A place counted against a tenant's subscriber limit, given back on drop.
#[derive(Debug)]
pub(crate) struct Slot(Arc<AtomicUsize>);

impl Slot {
    pub(crate) fn take(count: Arc<AtomicUsize>) -> Slot {
        count.fetch_add(1, Ordering::AcqRel);
        Slot(count)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
