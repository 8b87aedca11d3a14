//! Reception statistics (RFC 3550 A.1, A.3, A.8) for receiver reports, and
//! the per-session packet counters.

use super::rtcp::ReportBlock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Per-session counters, shared with whoever monitors the session.
#[derive(Debug, Default)]
pub struct MediaCounters {
    /// Valid RTP packets accepted from the peer.
    pub received: AtomicU64,
    /// RTP packets sent.
    pub sent: AtomicU64,
    /// Datagrams that did not parse as RTP/RTCP.
    pub malformed: AtomicU64,
    /// Datagrams from a source other than the latched peer.
    pub foreign: AtomicU64,
    /// Packets dropped for other reasons (late, unknown payload type, full queues).
    pub dropped: AtomicU64,
}

/// A plain copy of [`MediaCounters`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CounterSnapshot {
    /// See [`MediaCounters::received`].
    pub received: u64,
    /// See [`MediaCounters::sent`].
    pub sent: u64,
    /// See [`MediaCounters::malformed`].
    pub malformed: u64,
    /// See [`MediaCounters::foreign`].
    pub foreign: u64,
    /// See [`MediaCounters::dropped`].
    pub dropped: u64,
}

impl MediaCounters {
    /// Adds one to a counter (relaxed: these are statistics).
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Reads all counters.
    pub fn snapshot(&self) -> CounterSnapshot {
        CounterSnapshot {
            received: self.received.load(Ordering::Relaxed),
            sent: self.sent.load(Ordering::Relaxed),
            malformed: self.malformed.load(Ordering::Relaxed),
            foreign: self.foreign.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
        }
    }
}

/// Sequence and jitter tracking for one remote source.
#[derive(Debug, Clone, Default)]
pub struct ReceptionStats {
    ssrc: u32,
    started: bool,
    base_sequence: u32,
    max_sequence: u16,
    cycles: u32,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    last_transit: i64,
    jitter_q4: u32,
}

impl ReceptionStats {
    /// Records a packet; `arrival` is the arrival time in timestamp units.
    pub fn on_packet(&mut self, ssrc: u32, sequence: u16, timestamp: u32, arrival: u32) {
        if !self.started || ssrc != self.ssrc {
            *self = Self {
                ssrc,
                started: true,
                base_sequence: u32::from(sequence),
                max_sequence: sequence,
                ..Self::default()
            };
            self.last_transit = i64::from(arrival.wrapping_sub(timestamp) as i32);
        }
        let delta = sequence.wrapping_sub(self.max_sequence);
        if delta != 0 && delta < 0x8000 {
            if sequence < self.max_sequence {
                self.cycles = self.cycles.wrapping_add(1 << 16);
            }
            self.max_sequence = sequence;
        }
        self.received = self.received.wrapping_add(1);
        let transit = i64::from(arrival.wrapping_sub(timestamp) as i32);
        let d = (transit - self.last_transit).unsigned_abs() as u32;
        self.last_transit = transit;
        // J += (|D| - J) / 16, kept scaled by 16 as in RFC 3550 A.8.
        self.jitter_q4 = self
            .jitter_q4
            .wrapping_add(d)
            .wrapping_sub((self.jitter_q4 + 8) >> 4);
    }

    /// Builds the report block and starts a new reporting interval.
    pub fn report(&mut self) -> Option<ReportBlock> {
        if !self.started {
            return None;
        }
        let extended_max = self.cycles | u32::from(self.max_sequence);
        let expected = extended_max
            .wrapping_sub(self.base_sequence)
            .wrapping_add(1);
        let lost = i64::from(expected) - i64::from(self.received);
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.expected_prior = expected;
        self.received_prior = self.received;
        let lost_interval = i64::from(expected_interval) - i64::from(received_interval);
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / i64::from(expected_interval)).min(255) as u8
        };
        Some(ReportBlock {
            ssrc: self.ssrc,
            fraction_lost,
            cumulative_lost: lost.clamp(-0x80_0000, 0x7F_FFFF) as i32,
            highest_sequence: extended_max,
            jitter: self.jitter_q4 >> 4,
            last_sr: 0,
            delay_since_last_sr: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_loss_across_wrap() {
        let mut stats = ReceptionStats::default();
        for seq in [65533u16, 65534, 0, 1, 3] {
            let ts = u32::from(seq.wrapping_sub(65533)) * 160;
            stats.on_packet(9, seq, ts, ts);
        }
        let block = stats.report().unwrap();
        assert_eq!(block.ssrc, 9);
        assert_eq!(block.highest_sequence, (1 << 16) | 3);
        assert_eq!(block.cumulative_lost, 2);
        assert!(block.fraction_lost > 0);
        assert_eq!(block.jitter, 0);
    }

    #[test]
    fn jitter_grows_with_irregular_arrival() {
        let mut stats = ReceptionStats::default();
        for i in 0..50u32 {
            let arrival = i * 160 + if i % 2 == 0 { 0 } else { 80 };
            stats.on_packet(1, i as u16, i * 160, arrival);
        }
        assert!(stats.report().unwrap().jitter > 20);
    }
}
