//! Deadlines of all transactions, earliest first, with exact removal (no stale entries).

use std::collections::BTreeMap;
use std::time::Instant;

use crate::transaction::TransactionKey;

/// Which table a key belongs to (a looped request can make the same key on both sides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Server,
    Client,
}

/// A scheduled slot; kept by the transaction entry to remove or replace it.
pub(crate) type Slot = (Instant, u64);

#[derive(Default)]
pub(crate) struct TimerQueue {
    deadlines: BTreeMap<Slot, (Side, TransactionKey)>,
    sequence: u64,
}

impl TimerQueue {
    /// Moves a transaction's deadline from `old` to `new`; returns the new slot.
    pub(crate) fn reschedule(
        &mut self,
        old: Option<Slot>,
        new: Option<Instant>,
        side: Side,
        key: &TransactionKey,
    ) -> Option<Slot> {
        if old.map(|s| s.0) == new {
            return old;
        }
        if let Some(slot) = old {
            self.deadlines.remove(&slot);
        }
        let at = new?;
        self.sequence += 1;
        let slot = (at, self.sequence);
        self.deadlines.insert(slot, (side, key.clone()));
        Some(slot)
    }

    /// Number of scheduled deadlines.
    pub(crate) fn len(&self) -> usize {
        self.deadlines.len()
    }

    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.deadlines.first_key_value().map(|(slot, _)| slot.0)
    }

    /// Removes and returns one entry due at `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<(Side, TransactionKey)> {
        let (slot, _) = self.deadlines.first_key_value()?;
        if slot.0 > now {
            return None;
        }
        self.deadlines.pop_first().map(|(_, v)| v)
    }

    /// Removes a slot (transaction dropped).
    pub(crate) fn remove(&mut self, slot: Option<Slot>) {
        if let Some(slot) = slot {
            self.deadlines.remove(&slot);
        }
    }
}
