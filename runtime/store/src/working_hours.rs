//! Working-hours schedules of routes and the question "is it open at this instant?".

use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};
use crate::ids::UnixMs;
use crate::routes::Fallback;

/// Most opening windows one schedule may list.
pub const MAX_WINDOWS: usize = 64;

const MINUTES_PER_DAY: u16 = 24 * 60;
const MS_PER_MINUTE: i64 = 60_000;

/// When a route's scenario answers. Times are local to a fixed UTC offset (a time-zone
/// database is deliberately absent; a tenant changing with daylight saving updates it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingHours {
    /// Local time minus UTC, in minutes (`120` for UTC+2).
    pub utc_offset_minutes: i32,
    /// Open windows; open when any window holds.
    pub windows: Vec<OpenWindow>,
    /// Where calls outside the windows go (`None`: to the missed-call list as after hours).
    pub after_hours: Option<Fallback>,
}

/// One weekly opening window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenWindow {
    /// ISO weekdays it applies to: 1 = Monday .. 7 = Sunday.
    pub days: Vec<u8>,
    /// Opening minute of the local day (`9 * 60` for 09:00).
    pub open_minute: u16,
    /// Closing minute of the local day, exclusive, after `open_minute` (`24 * 60` = midnight).
    pub close_minute: u16,
}

impl WorkingHours {
    /// Rejects impossible schedules.
    pub fn validate(&self) -> Result<()> {
        if self.windows.len() > MAX_WINDOWS {
            return Err(StoreError::Invalid(format!(
                "more than {MAX_WINDOWS} opening windows"
            )));
        }
        if self.utc_offset_minutes.unsigned_abs() > 14 * 60 {
            return Err(StoreError::Invalid("UTC offset beyond 14 hours".into()));
        }
        for window in &self.windows {
            if window.days.iter().any(|day| !(1..=7).contains(day)) {
                return Err(StoreError::Invalid(
                    "weekdays are 1 (Monday) to 7 (Sunday)".into(),
                ));
            }
            if window.open_minute >= window.close_minute || window.close_minute > MINUTES_PER_DAY {
                return Err(StoreError::Invalid(
                    "an opening window must open before it closes, within a day".into(),
                ));
            }
        }
        Ok(())
    }

    /// Whether the schedule is open at `at`.
    pub fn is_open(&self, at: UnixMs) -> bool {
        let local_minutes = at.0.div_euclid(MS_PER_MINUTE) + i64::from(self.utc_offset_minutes);
        let day_index = local_minutes.div_euclid(i64::from(MINUTES_PER_DAY));
        // 1970-01-01 was a Thursday (ISO weekday 4).
        let weekday = (day_index + 3).rem_euclid(7) + 1;
        let minute = local_minutes.rem_euclid(i64::from(MINUTES_PER_DAY));
        self.windows.iter().any(|window| {
            window.days.iter().any(|day| i64::from(*day) == weekday)
                && i64::from(window.open_minute) <= minute
                && minute < i64::from(window.close_minute)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{OpenWindow, WorkingHours};
    use crate::ids::UnixMs;

    /// Mon-Fri 09:00-18:00 at UTC+2.
    fn office() -> WorkingHours {
        WorkingHours {
            utc_offset_minutes: 120,
            windows: vec![OpenWindow {
                days: vec![1, 2, 3, 4, 5],
                open_minute: 9 * 60,
                close_minute: 18 * 60,
            }],
            after_hours: None,
        }
    }

    // 2026-11-23 is a Monday; 00:00 UTC that day is 1_795_392_000 s after the epoch.
    const MONDAY_UTC_MIDNIGHT_MS: i64 = 1_795_392_000_000;
    const HOUR_MS: i64 = 3_600_000;

    #[test]
    fn open_inside_local_window_only() {
        let hours = office();
        assert!(hours.validate().is_ok());
        // 07:00 UTC = 09:00 local: opens.
        assert!(hours.is_open(UnixMs(MONDAY_UTC_MIDNIGHT_MS + 7 * HOUR_MS)));
        // 06:59 UTC = 08:59 local: closed.
        assert!(!hours.is_open(UnixMs(MONDAY_UTC_MIDNIGHT_MS + 7 * HOUR_MS - 60_000)));
        // 16:00 UTC = 18:00 local: closed (exclusive).
        assert!(!hours.is_open(UnixMs(MONDAY_UTC_MIDNIGHT_MS + 16 * HOUR_MS)));
        // Saturday noon local: closed.
        assert!(!hours.is_open(UnixMs(
            MONDAY_UTC_MIDNIGHT_MS + 5 * 24 * HOUR_MS + 10 * HOUR_MS
        )));
    }

    #[test]
    fn impossible_schedules_are_refused() {
        let mut hours = office();
        hours.windows[0].days.push(8);
        assert!(hours.validate().is_err());
        let mut hours = office();
        hours.windows[0].close_minute = 8 * 60;
        assert!(hours.validate().is_err());
    }
}
