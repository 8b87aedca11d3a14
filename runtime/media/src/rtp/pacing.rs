//! Drift-free 20 ms pacing: the n-th frame is due at `start + n * 20 ms`, so
//! timer lateness never accumulates over a long call.

use crate::codec::FRAME_DURATION;
use std::time::{Duration, Instant};

/// If the sender falls further behind than this (a stalled process), the
/// missed frames are skipped instead of sent in a burst.
pub const MAX_CATCH_UP_FRAMES: u64 = 5;

/// Sans-IO pacing clock: told `now`, it says how many frames are due.
#[derive(Debug, Clone)]
pub struct PacingClock {
    start: Instant,
    next_frame: u64,
    skipped: u64,
}

impl PacingClock {
    /// Starts a clock whose first frame is due at `start`.
    pub fn new(start: Instant) -> Self {
        Self {
            start,
            next_frame: 0,
            skipped: 0,
        }
    }

    /// When the next frame is due.
    pub fn next_deadline(&self) -> Instant {
        self.start + deadline_offset(self.next_frame)
    }

    /// Number of frames due at `now`, consumed by this call. After a stall of
    /// more than [`MAX_CATCH_UP_FRAMES`], the excess is skipped (counted in
    /// [`PacingClock::skipped_frames`]) and the schedule keeps its phase.
    pub fn poll(&mut self, now: Instant) -> u64 {
        let elapsed = now.saturating_duration_since(self.start);
        let due_total = (elapsed.as_micros() / FRAME_DURATION.as_micros()) as u64 + 1;
        if due_total <= self.next_frame {
            return 0;
        }
        let mut due = due_total - self.next_frame;
        if due > MAX_CATCH_UP_FRAMES {
            self.skipped += due - 1;
            self.next_frame += due - 1;
            due = 1;
        }
        self.next_frame += due;
        due
    }

    /// Like [`PacingClock::poll`], but consumes at most one due frame, so a
    /// caller can take frames one at a time until none is due.
    pub fn poll_one(&mut self, now: Instant) -> u64 {
        let elapsed = now.saturating_duration_since(self.start);
        let due_total = (elapsed.as_micros() / FRAME_DURATION.as_micros()) as u64 + 1;
        if due_total <= self.next_frame {
            return 0;
        }
        let due = due_total - self.next_frame;
        if due > MAX_CATCH_UP_FRAMES {
            self.skipped += due - 1;
            self.next_frame += due - 1;
        }
        self.next_frame += 1;
        1
    }

    /// Consumes, without counting them as skipped, every frame due strictly before
    /// `until`: frames another source covered (a bridge relaying the other leg's audio
    /// while this leg's tick slept), so none is sent late or counted as a stall. Returns
    /// how many were consumed.
    pub fn consume_until(&mut self, until: Instant) -> u64 {
        let elapsed = until.saturating_duration_since(self.start).as_micros();
        let frame = FRAME_DURATION.as_micros();
        // Frame n is due at n × 20 ms: those before `until` are 0..ceil(elapsed / 20 ms).
        let before = elapsed.div_ceil(frame) as u64;
        let consumed = before.saturating_sub(self.next_frame);
        self.next_frame += consumed;
        consumed
    }

    /// Frames consumed so far (sent or skipped).
    pub fn frames_elapsed(&self) -> u64 {
        self.next_frame
    }

    /// Frames skipped because the sender stalled.
    pub fn skipped_frames(&self) -> u64 {
        self.skipped
    }
}

fn deadline_offset(frame: u64) -> Duration {
    Duration::from_micros(frame.saturating_mul(FRAME_DURATION.as_micros() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_frame_per_20ms_without_drift_over_an_hour() {
        let start = Instant::now();
        let mut clock = PacingClock::new(start);
        let mut sent = 0;
        // A timer that always fires 3 ms late, for one hour.
        for _ in 0..180_000 {
            let now = clock.next_deadline() + Duration::from_millis(3);
            sent += clock.poll(now);
        }
        assert_eq!(sent, 180_000);
        assert_eq!(clock.next_deadline(), start + Duration::from_secs(3600));
    }

    #[test]
    fn nothing_is_due_before_the_deadline() {
        let start = Instant::now();
        let mut clock = PacingClock::new(start);
        assert_eq!(clock.poll(start), 1);
        assert_eq!(clock.poll(start + Duration::from_millis(19)), 0);
        assert_eq!(clock.poll(start + Duration::from_millis(20)), 1);
        assert_eq!(clock.poll(start + Duration::from_millis(65)), 2);
    }

    #[test]
    fn poll_one_hands_out_due_frames_singly() {
        let start = Instant::now();
        let mut clock = PacingClock::new(start);
        let at = start + Duration::from_millis(65);
        let taken: u64 = std::iter::from_fn(|| (clock.poll_one(at) == 1).then_some(1)).sum();
        assert_eq!(taken, 4);
        assert_eq!(clock.poll_one(start + Duration::from_secs(1)), 1);
        assert_eq!(clock.skipped_frames(), 46);
    }

    #[test]
    fn frames_covered_by_another_source_are_consumed_not_skipped() {
        let start = Instant::now();
        let mut clock = PacingClock::new(start);
        assert_eq!(clock.poll(start), 1);
        // Frames 1..=4 (20..80 ms) are due before 85 ms; frame 5 (100 ms) is not.
        assert_eq!(clock.consume_until(start + Duration::from_millis(85)), 4);
        assert_eq!(clock.next_deadline(), start + Duration::from_millis(100));
        // A frame due exactly at `until` is left for the caller.
        assert_eq!(clock.consume_until(start + Duration::from_millis(100)), 0);
        assert_eq!(clock.poll_one(start + Duration::from_millis(100)), 1);
        // Never backwards, and nothing counts as a stall.
        assert_eq!(clock.consume_until(start), 0);
        assert_eq!(clock.consume_until(start + Duration::from_secs(2)), 94);
        assert_eq!(clock.skipped_frames(), 0);
        assert_eq!(clock.frames_elapsed(), 100);
    }

    #[test]
    fn long_stall_skips_instead_of_bursting() {
        let start = Instant::now();
        let mut clock = PacingClock::new(start);
        assert_eq!(clock.poll(start + Duration::from_secs(1)), 1);
        assert_eq!(clock.skipped_frames(), 50);
        assert_eq!(clock.next_deadline(), start + Duration::from_millis(1020));
    }
}
