//! Wall-clock time as the contract's `LocalTime` (UTC until tenants carry a time zone).

use std::time::{SystemTime, UNIX_EPOCH};

use wasmphony_engine::api::LocalTime;

/// `at` in the zone `utc_offset_minutes` east of UTC.
pub fn local_time(at: SystemTime, utc_offset_minutes: i32) -> LocalTime {
    let unix = match at.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    };
    let local = unix.saturating_add(i64::from(utc_offset_minutes) * 60);
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday (ISO weekday 4).
    let weekday = ((days + 3).rem_euclid(7) + 1) as u8;
    LocalTime {
        unix_seconds: unix,
        utc_offset_minutes,
        year: u16::try_from(year).unwrap_or(0),
        month,
        day,
        weekday,
        hour: (secs / 3600) as u8,
        minute: (secs % 3600 / 60) as u8,
        second: (secs % 60) as u8,
    }
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn known_instants_convert() {
        // 2024-02-29T13:45:07Z, a Thursday.
        let t = local_time(UNIX_EPOCH + Duration::from_secs(1_709_214_307), 0);
        assert_eq!((t.year, t.month, t.day, t.weekday), (2024, 2, 29, 4));
        assert_eq!((t.hour, t.minute, t.second), (13, 45, 7));
        // Two hours east moves it to 15:45 the same day.
        let t = local_time(UNIX_EPOCH + Duration::from_secs(1_709_214_307), 120);
        assert_eq!((t.hour, t.weekday), (15, 4));
        let epoch = local_time(UNIX_EPOCH, 0);
        assert_eq!(
            (epoch.year, epoch.month, epoch.day, epoch.weekday),
            (1970, 1, 1, 4)
        );
    }
}
