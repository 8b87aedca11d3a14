//! A webhook's queue of events waiting to be sent: bounded; when full, the oldest waiting
//! event is dropped (a receiver that is far behind cares most about what happens now) and
//! counted, so the drop shows in the webhook's health.

use std::collections::VecDeque;

/// Events waiting per webhook. A receiver that is down makes each event take up to its
/// whole retry schedule (about half a minute plus timeouts), so a busy tenant fills this
/// in a few minutes; beyond it the oldest are dropped and counted.
pub const QUEUE_CAPACITY: usize = 256;

/// A bounded first-in first-out queue that drops its oldest item when full.
#[derive(Debug)]
pub struct DropOldestQueue<T> {
    items: VecDeque<T>,
    capacity: usize,
    dropped: u32,
}

impl<T> DropOldestQueue<T> {
    /// An empty queue holding at most `capacity` items (at least 1).
    pub fn new(capacity: usize) -> DropOldestQueue<T> {
        let capacity = capacity.max(1);
        DropOldestQueue {
            items: VecDeque::with_capacity(capacity.min(QUEUE_CAPACITY)),
            capacity,
            dropped: 0,
        }
    }

    /// Adds `item` at the back; when full, drops the front one first (and counts it).
    pub fn push(&mut self, item: T) {
        if self.items.len() >= self.capacity {
            self.items.pop_front();
            self.dropped = self.dropped.saturating_add(1);
        }
        self.items.push_back(item);
    }

    /// The oldest waiting item.
    pub fn pop(&mut self) -> Option<T> {
        self.items.pop_front()
    }

    /// Items dropped since the last call (and resets the count).
    pub fn take_dropped(&mut self) -> u32 {
        std::mem::take(&mut self.dropped)
    }

    /// Items waiting.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_drops_the_oldest_and_counts_it() {
        let mut queue = DropOldestQueue::new(3);
        for n in 1..=5 {
            queue.push(n);
        }
        assert_eq!(queue.len(), 3);
        assert_eq!(queue.take_dropped(), 2);
        assert_eq!(queue.take_dropped(), 0);
        assert_eq!(queue.pop(), Some(3));
        assert_eq!(queue.pop(), Some(4));
        queue.push(6);
        assert_eq!(queue.pop(), Some(5));
        assert_eq!(queue.pop(), Some(6));
        assert_eq!(queue.pop(), None);
        assert!(queue.is_empty());
        assert_eq!(queue.take_dropped(), 0);
    }

    #[test]
    fn a_zero_capacity_still_holds_the_newest_item() {
        let mut queue = DropOldestQueue::new(0);
        queue.push("a");
        queue.push("b");
        assert_eq!(queue.pop(), Some("b"));
        assert_eq!(queue.take_dropped(), 1);
    }
}
