//! Gives memory the allocator keeps after a burst of calls back to the system.
//!
//! A burst of calls leaves tens of megabytes of freed heap inside glibc's malloc:
//! transactions are kept for 32 s after they end (RFC 3261 timers J and K), media and
//! guest state come and go with each call, and the freed chunks are scattered between
//! long-lived allocations, so malloc cannot return them by shrinking the heap's top.
//! Measured (README, Performance): 43 MiB idle, 139–180 MiB after rounds of calls with
//! no call left. `malloc_trim` returns whole free pages from the middle of every arena
//! (`MADV_DONTNEED`), so the process goes back near its idle size.
//!
//! The task reads how much free memory malloc holds (`mallinfo2`) and trims only when
//! that exceeds a threshold: a trim walks every arena under its lock, which is cheap
//! once in a while and wasteful on a schedule that finds nothing to give back. Other
//! allocators and platforms return memory in their own way; there the task does nothing.

use std::time::Duration;

/// How often the free memory is looked at.
pub const MEMORY_RELEASE_PERIOD: Duration = Duration::from_secs(10);

/// Free memory malloc may keep before a trim gives it back.
pub const MEMORY_RELEASE_THRESHOLD: usize = 16 * 1024 * 1024;

/// Bytes malloc holds that are free (in its arenas, not yet given back), when known.
pub fn malloc_free_bytes() -> Option<usize> {
    platform::free_bytes()
}

/// Decides when freed memory is worth giving back, and gives it back.
///
/// Free chunks stay free in malloc's books after a trim (only their pages go back), so
/// the amount of free memory alone would ask for a trim every time. A release happens
/// when malloc holds more than the threshold AND that amount moved by a quarter of the
/// threshold since the last release: calls came and went, so pages were touched again.
#[derive(Debug)]
pub struct MemoryReleaser {
    threshold: usize,
    free_at_last_release: Option<usize>,
}

impl MemoryReleaser {
    /// A releaser that lets malloc keep up to `threshold` free bytes.
    pub fn new(threshold: usize) -> MemoryReleaser {
        MemoryReleaser {
            threshold,
            free_at_last_release: None,
        }
    }

    /// Gives free memory back when it is worth it (see the type). Returns the free
    /// bytes malloc held, or `None` when nothing was done (not worth it, or a platform
    /// without `malloc_trim`).
    pub fn release_if_worthwhile(&mut self) -> Option<usize> {
        let free = platform::free_bytes()?;
        let moved = self
            .free_at_last_release
            .is_none_or(|last| free.abs_diff(last) > self.threshold / 4);
        if free <= self.threshold || !moved {
            return None;
        }
        platform::trim();
        self.free_at_last_release = platform::free_bytes();
        Some(free)
    }
}

/// Runs a [`MemoryReleaser`] every `period` for as long as the runtime runs. Spawn it
/// once per process (its effect is process-wide); the trim runs on a blocking thread so
/// no call's task waits for it.
pub async fn release_freed_memory_periodically(period: Duration, threshold: usize) {
    let releaser = std::sync::Arc::new(parking_lot::Mutex::new(MemoryReleaser::new(threshold)));
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let releaser = releaser.clone();
        let released =
            tokio::task::spawn_blocking(move || releaser.lock().release_if_worthwhile()).await;
        if let Ok(Some(free)) = released {
            tracing::debug!(free, "gave freed heap memory back to the system");
        }
    }
}

// The two glibc calls below are the only unsafe code of the controller: both take no
// pointers and have no preconditions.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
mod platform {
    pub(super) fn free_bytes() -> Option<usize> {
        // SAFETY: mallinfo2 only reads malloc's own statistics; it has no preconditions.
        let info = unsafe { libc::mallinfo2() };
        // fordblks: free chunks in the arenas; the mmapped part is already returned.
        Some(info.fordblks)
    }

    pub(super) fn trim() {
        // SAFETY: malloc_trim only releases free pages malloc owns; it has no preconditions.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod platform {
    pub(super) fn free_bytes() -> Option<usize> {
        None
    }

    pub(super) fn trim() {}
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// Resident memory of this process, from `/proc/self/statm` (pages of 4 KiB).
    fn resident_bytes() -> usize {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
        let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
        pages * 4096
    }

    /// Frees many small blocks between kept ones (so the heap cannot shrink from its
    /// top), then checks a release gives their pages back and a second one, with
    /// nothing changed, does nothing.
    #[test]
    fn a_release_gives_back_scattered_free_memory_once() {
        let mut kept = Vec::new();
        let mut freed = Vec::new();
        for i in 0..200_000_u32 {
            let block = vec![i.to_le_bytes()[0]; 512];
            if i % 16 == 0 {
                kept.push(block);
            } else {
                freed.push(block);
            }
        }
        drop(freed);
        let resident_before = resident_bytes();
        let mut releaser = MemoryReleaser::new(8 * 1024 * 1024);
        let free = releaser
            .release_if_worthwhile()
            .expect("about 100 MiB were freed");
        assert!(free > 64 * 1024 * 1024, "free before: {free}");
        let given_back = resident_before.saturating_sub(resident_bytes());
        assert!(
            given_back > 32 * 1024 * 1024,
            "only {given_back} bytes went back"
        );
        assert_eq!(
            releaser.release_if_worthwhile(),
            None,
            "nothing moved since"
        );
        assert_eq!(kept.len(), 12_500);
    }
}
