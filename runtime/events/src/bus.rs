//! The bus: one tokio broadcast channel per tenant, created when its first subscriber
//! arrives and forgotten once a publish finds nobody listening.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::Mutex;
use tokio::sync::broadcast;

use crate::event::LiveEvent;
use crate::subscription::{Slot, Subscription};

/// Events a tenant's channel holds for its slowest subscriber. Beyond it, that subscriber
/// lags (its oldest events are dropped and it receives [`LiveEvent::Lagged`]); publishers
/// never wait. A burst of a busy tenant's calls (ringing, answered, ended, queue and agent
/// changes) fits easily; a screen that cannot keep up with this many is better reloaded.
pub const CHANNEL_CAPACITY: usize = 256;

/// A tenant already has as many limited subscribers as allowed
/// (see [`EventBus::try_subscribe`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this tenant already has {limit} live event subscribers, the most allowed")]
pub struct TooManySubscribers {
    /// The limit that was reached.
    pub limit: usize,
}

/// Per-tenant live event channels. Cheap to clone: clones share the channels.
///
/// Tenants are named by slug, as the call controller names them.
#[derive(Clone)]
pub struct EventBus {
    inner: Arc<Inner>,
}

struct Inner {
    capacity: usize,
    tenants: Mutex<HashMap<String, Channel>>,
}

struct Channel {
    sender: broadcast::Sender<Arc<LiveEvent>>,
    /// Subscriptions taken through `try_subscribe`, counted against its limit.
    /// Shared with their slots, so a slot of a forgotten channel counts for nothing.
    limited: Arc<AtomicUsize>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus::new()
    }
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus")
            .field("capacity", &self.inner.capacity)
            .field("tenants", &self.inner.tenants.lock().len())
            .finish()
    }
}

impl EventBus {
    /// A bus whose tenant channels hold [`CHANNEL_CAPACITY`] events.
    pub fn new() -> EventBus {
        EventBus::with_capacity(CHANNEL_CAPACITY)
    }

    /// A bus whose tenant channels hold `capacity` events (at least 1).
    pub fn with_capacity(capacity: usize) -> EventBus {
        EventBus {
            inner: Arc::new(Inner {
                capacity: capacity.max(1),
                tenants: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Sends `event` to `tenant`'s current subscribers. Never blocks and never fails: with
    /// no subscriber the event is dropped; a full channel drops its oldest event for the
    /// subscribers that have not read it yet (they are told how many they missed).
    pub fn publish(&self, tenant: &str, event: LiveEvent) {
        // Clone the sender and send outside the lock: the map lock is only ever held for a
        // lookup, so publishers of different tenants do not wait on each other's sends.
        let sender = match self.inner.tenants.lock().get(tenant) {
            Some(channel) => channel.sender.clone(),
            None => return,
        };
        if sender.send(Arc::new(event)).is_err() {
            // Nobody listens any more: forget the channel, unless someone subscribed since.
            let mut tenants = self.inner.tenants.lock();
            if tenants
                .get(tenant)
                .is_some_and(|channel| channel.sender.receiver_count() == 0)
            {
                tenants.remove(tenant);
            }
        }
    }

    /// Receives `tenant`'s events from now on, without limit (the server's own consumers).
    pub fn subscribe(&self, tenant: &str) -> Subscription {
        let mut tenants = self.inner.tenants.lock();
        let channel = self.channel(&mut tenants, tenant);
        Subscription::new(channel.sender.subscribe(), None)
    }

    /// Like [`EventBus::subscribe`], but refused when `tenant` already has `limit`
    /// subscriptions taken through this method (each counts until it is dropped).
    pub fn try_subscribe(
        &self,
        tenant: &str,
        limit: usize,
    ) -> Result<Subscription, TooManySubscribers> {
        let mut tenants = self.inner.tenants.lock();
        let channel = self.channel(&mut tenants, tenant);
        // Checked and taken under the map lock, so two racing subscribers cannot both
        // take the last slot; slots are only released (never taken) outside it.
        if channel.limited.load(Ordering::Acquire) >= limit {
            return Err(TooManySubscribers { limit });
        }
        let slot = Slot::take(channel.limited.clone());
        Ok(Subscription::new(channel.sender.subscribe(), Some(slot)))
    }

    /// How many subscriptions `tenant` has now (limited or not).
    pub fn subscribers(&self, tenant: &str) -> usize {
        self.inner
            .tenants
            .lock()
            .get(tenant)
            .map_or(0, |channel| channel.sender.receiver_count())
    }

    /// `tenant`'s channel, created if it has none.
    fn channel<'a>(&self, tenants: &'a mut HashMap<String, Channel>, tenant: &str) -> &'a Channel {
        tenants.entry(tenant.to_owned()).or_insert_with(|| Channel {
            sender: broadcast::Sender::new(self.inner.capacity),
            limited: Arc::new(AtomicUsize::new(0)),
        })
    }

    #[cfg(test)]
    fn channels(&self) -> usize {
        self.inner.tenants.lock().len()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use super::*;

    fn answered(call_id: &str) -> LiveEvent {
        LiveEvent::CallAnswered {
            call_id: call_id.into(),
            at_ms: 0,
        }
    }

    async fn next(subscription: &mut Subscription) -> LiveEvent {
        (*subscription.recv().await.unwrap()).clone()
    }

    #[tokio::test]
    async fn a_subscriber_gets_its_tenants_events_in_order_and_no_others() {
        let bus = EventBus::new();
        let mut alpha = bus.subscribe("alpha");
        let mut bravo = bus.subscribe("bravo");
        bus.publish("alpha", answered("a1"));
        bus.publish("bravo", answered("b1"));
        bus.publish("alpha", answered("a2"));
        assert_eq!(next(&mut alpha).await, answered("a1"));
        assert_eq!(next(&mut alpha).await, answered("a2"));
        assert!(alpha.try_recv().is_none());
        assert_eq!(next(&mut bravo).await, answered("b1"));
        assert!(bravo.try_recv().is_none());
    }

    #[tokio::test]
    async fn every_subscriber_of_a_tenant_gets_every_event() {
        let bus = EventBus::new();
        let mut one = bus.subscribe("alpha");
        let mut two = bus.clone().subscribe("alpha");
        bus.publish("alpha", answered("a1"));
        assert_eq!(next(&mut one).await, answered("a1"));
        assert_eq!(next(&mut two).await, answered("a1"));
    }

    #[test]
    fn publishing_without_subscribers_drops_the_event_and_creates_nothing() {
        let bus = EventBus::new();
        bus.publish("alpha", answered("a1"));
        assert_eq!(bus.channels(), 0);
        // Events before a subscription are not replayed.
        let mut late = bus.subscribe("alpha");
        assert!(late.try_recv().is_none());
    }

    #[test]
    fn a_channel_without_subscribers_is_forgotten_at_the_next_publish() {
        let bus = EventBus::new();
        drop(bus.subscribe("alpha"));
        assert_eq!(bus.channels(), 1);
        bus.publish("alpha", answered("a1"));
        assert_eq!(bus.channels(), 0);
        assert_eq!(bus.subscribers("alpha"), 0);
    }

    #[tokio::test]
    async fn a_slow_subscriber_lags_instead_of_blocking_the_publisher() {
        let bus = EventBus::with_capacity(4);
        let mut slow = bus.subscribe("alpha");
        // Ten publishes into a channel of four: none waits.
        for n in 0..10 {
            bus.publish("alpha", answered(&format!("a{n}")));
        }
        assert_eq!(next(&mut slow).await, LiveEvent::Lagged { missed: 6 });
        for n in 6..10 {
            assert_eq!(next(&mut slow).await, answered(&format!("a{n}")));
        }
        assert!(slow.try_recv().is_none());
    }

    #[test]
    fn try_subscribe_counts_only_live_limited_subscriptions() {
        let bus = EventBus::new();
        let _unlimited = bus.subscribe("alpha");
        let first = bus.try_subscribe("alpha", 2).unwrap();
        let _second = bus.try_subscribe("alpha", 2).unwrap();
        assert_eq!(
            bus.try_subscribe("alpha", 2).unwrap_err(),
            TooManySubscribers { limit: 2 }
        );
        // Another tenant has its own count.
        let _bravo = bus.try_subscribe("bravo", 2).unwrap();
        drop(first);
        let _third = bus.try_subscribe("alpha", 2).unwrap();
        assert_eq!(bus.subscribers("alpha"), 3);
    }

    #[tokio::test]
    async fn dropping_the_bus_ends_its_subscriptions() {
        let bus = EventBus::new();
        let mut subscription = bus.subscribe("alpha");
        bus.publish("alpha", answered("a1"));
        drop(bus);
        assert_eq!(next(&mut subscription).await, answered("a1"));
        assert!(subscription.recv().await.is_none());
    }
}
