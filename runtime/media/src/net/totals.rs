//! Packet counters over every leg of a process, ended and live, without a lock per packet.
//!
//! Each session keeps bumping its own [`MediaCounters`] (relaxed atomics, no sharing
//! between legs). A session registers its counters here when it binds; when it ends, its
//! counts are folded into the `ended` totals and it leaves the live set. A read sums the
//! live legs and the ended totals under the same lock a leg takes only when it starts or
//! ends, so the totals never go backwards.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::rtp::stats::{CounterSnapshot, MediaCounters};

/// Totals of every session bound through one [`super::PortAllocator`].
#[derive(Debug, Default)]
pub struct MediaTotals {
    inner: Mutex<Legs>,
    next_id: AtomicU64,
}

#[derive(Debug, Default)]
struct Legs {
    live: HashMap<u64, Arc<MediaCounters>>,
    ended: CounterSnapshot,
    ended_legs: u64,
}

/// What [`MediaTotals::snapshot`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TotalsSnapshot {
    /// Packets over all legs, ended and live.
    pub packets: CounterSnapshot,
    /// Legs (sessions) live now.
    pub live_legs: u64,
    /// Legs ended so far.
    pub ended_legs: u64,
}

impl MediaTotals {
    /// Counts `counters` as a live leg until the returned registration drops.
    pub fn register(self: &Arc<Self>, counters: Arc<MediaCounters>) -> LegRegistration {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.legs().live.insert(id, counters);
        LegRegistration {
            totals: Arc::clone(self),
            id,
        }
    }

    /// The totals now: ended legs plus the live legs' current counts.
    pub fn snapshot(&self) -> TotalsSnapshot {
        let legs = self.legs();
        let mut packets = legs.ended;
        for counters in legs.live.values() {
            add(&mut packets, &counters.snapshot());
        }
        TotalsSnapshot {
            packets,
            live_legs: legs.live.len() as u64,
            ended_legs: legs.ended_legs,
        }
    }

    fn legs(&self) -> std::sync::MutexGuard<'_, Legs> {
        // Counting never panics while holding the lock; a poisoned lock still has totals.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A live leg's place in [`MediaTotals`]; dropping it folds the leg into the ended totals.
#[derive(Debug)]
pub struct LegRegistration {
    totals: Arc<MediaTotals>,
    id: u64,
}

impl Drop for LegRegistration {
    fn drop(&mut self) {
        let mut legs = self.totals.legs();
        if let Some(counters) = legs.live.remove(&self.id) {
            let last = counters.snapshot();
            add(&mut legs.ended, &last);
            legs.ended_legs += 1;
        }
    }
}

fn add(total: &mut CounterSnapshot, leg: &CounterSnapshot) {
    total.received += leg.received;
    total.sent += leg.sent;
    total.malformed += leg.malformed;
    total.foreign += leg.foreign;
    total.dropped += leg.dropped;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ended_legs_are_folded_in_and_live_legs_summed() {
        let totals = Arc::new(MediaTotals::default());
        let first = Arc::new(MediaCounters::default());
        let second = Arc::new(MediaCounters::default());
        let first_leg = totals.register(first.clone());
        let _second_leg = totals.register(second.clone());
        MediaCounters::bump(&first.sent);
        MediaCounters::bump(&first.malformed);
        MediaCounters::bump(&second.sent);
        MediaCounters::bump(&second.foreign);
        let live = totals.snapshot();
        assert_eq!(live.live_legs, 2);
        assert_eq!(
            (
                live.packets.sent,
                live.packets.malformed,
                live.packets.foreign
            ),
            (2, 1, 1)
        );
        drop(first_leg);
        // Counts after the end are the leg's own business; the totals keep what it had.
        MediaCounters::bump(&first.sent);
        MediaCounters::bump(&second.received);
        let after = totals.snapshot();
        assert_eq!((after.live_legs, after.ended_legs), (1, 1));
        assert_eq!(
            after.packets,
            CounterSnapshot {
                received: 1,
                sent: 2,
                malformed: 1,
                foreign: 1,
                dropped: 0,
            }
        );
    }
}
