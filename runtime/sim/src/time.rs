//! Virtual call time and the tenant-local wall clock it maps to.

use std::fmt;
use std::time::Duration;

use serde::de::{Deserialize, Deserializer, Error as _};
use wasmphony_engine::api::LocalTime;

/// The longest time a script may name (a day): anything longer is a typo.
pub const MAX_SCRIPT_SECONDS: f64 = 86_400.0;

/// Milliseconds of virtual time since the call arrived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VirtualTime(u64);

impl VirtualTime {
    /// The moment the call arrives.
    pub const ZERO: VirtualTime = VirtualTime(0);

    /// A time `ms` milliseconds after the call arrived.
    pub const fn from_millis(ms: u64) -> Self {
        VirtualTime(ms)
    }

    /// A time `seconds` after the call arrived (negative values clamp to zero).
    pub fn from_secs_f64(seconds: f64) -> Self {
        VirtualTime((seconds.max(0.0) * 1000.0).round() as u64)
    }

    /// Milliseconds since the call arrived.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Whole seconds since the call arrived.
    pub const fn whole_seconds(self) -> u64 {
        self.0 / 1000
    }

    /// This time moved `span` later.
    pub fn after(self, span: Span) -> Self {
        VirtualTime(self.0.saturating_add(span.as_millis()))
    }

    /// How long after `earlier` this time is (zero when it is not later).
    pub fn since(self, earlier: VirtualTime) -> Span {
        Span::from_millis(self.0.saturating_sub(earlier.0))
    }
}

impl fmt::Display for VirtualTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}s", self.0 / 1000, (self.0 % 1000) / 10)
    }
}

/// A length of virtual time, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span(u64);

impl Span {
    /// No time at all.
    pub const ZERO: Span = Span(0);

    /// `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        Span(ms)
    }

    /// Whole seconds.
    pub const fn from_secs(seconds: u64) -> Self {
        Span(seconds.saturating_mul(1000))
    }

    /// Fractional seconds (negative values clamp to zero).
    pub fn from_secs_f64(seconds: f64) -> Self {
        Span((seconds.max(0.0) * 1000.0).round() as u64)
    }

    /// Milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// As a standard duration.
    pub const fn as_duration(self) -> Duration {
        Duration::from_millis(self.0)
    }

    /// The sum of two spans.
    pub fn plus(self, other: Span) -> Span {
        Span(self.0.saturating_add(other.0))
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        VirtualTime(self.0).fmt(f)
    }
}

/// A time or duration written in a script: non-negative seconds (floats
/// allowed), at most [`MAX_SCRIPT_SECONDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Seconds(Span);

impl Seconds {
    /// The span this value names.
    pub fn span(self) -> Span {
        self.0
    }

    /// The moment this value names, counted from the call's arrival.
    pub fn moment(self) -> VirtualTime {
        VirtualTime::ZERO.after(self.0)
    }

    /// Checks a number read from a script.
    pub fn parse(value: f64) -> Result<Self, String> {
        if !value.is_finite() || value < 0.0 {
            return Err(format!(
                "a time must be a non-negative number of seconds, got {value}"
            ));
        }
        if value > MAX_SCRIPT_SECONDS {
            return Err(format!(
                "a time must be at most {MAX_SCRIPT_SECONDS} seconds (one day), got {value}"
            ));
        }
        Ok(Seconds(Span::from_secs_f64(value)))
    }
}

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(deserializer)?;
        Seconds::parse(value).map_err(D::Error::custom)
    }
}

/// The tenant-local wall time at which a simulated call arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartTime {
    /// Seconds since the Unix epoch (UTC).
    pub unix_seconds: i64,
    /// The tenant's offset from UTC, in minutes.
    pub utc_offset_minutes: i32,
}

impl Default for StartTime {
    /// 2026-11-23T12:00:00+00:00, a Monday noon.
    fn default() -> Self {
        StartTime {
            unix_seconds: 1_795_435_200,
            utc_offset_minutes: 0,
        }
    }
}

impl StartTime {
    /// Parses `YYYY-MM-DDTHH:MM:SS` followed by `Z` or `±HH:MM`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("expected a time like \"2026-11-23T12:30:00+02:00\", got {text:?}");
        let bytes = text.as_bytes();
        if bytes.len() < 20
            || bytes[4] != b'-'
            || bytes[7] != b'-'
            || bytes[10] != b'T'
            || bytes[13] != b':'
            || bytes[16] != b':'
        {
            return Err(bad());
        }
        let number = |range: std::ops::Range<usize>| -> Result<i64, String> {
            let part = text.get(range).ok_or_else(bad)?;
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse::<i64>().map_err(|_| bad())
        };
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
        let offset = match &text[19..] {
            "Z" => 0,
            zone if zone.len() == 6 && zone.as_bytes()[3] == b':' => {
                let sign = match zone.as_bytes()[0] {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return Err(bad()),
                };
                let minutes = number(20..22)? * 60 + number(23..25)?;
                if minutes > 18 * 60 {
                    return Err(bad());
                }
                sign * minutes
            }
            _ => return Err(bad()),
        };
        let days_in_month = days_in_month(year, month);
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month
            || hour > 23
            || minute > 59
            || second > 59
        {
            return Err(format!("{text:?} is not a valid date and time"));
        }
        let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
        Ok(StartTime {
            unix_seconds: local - offset * 60,
            utc_offset_minutes: offset as i32,
        })
    }

    /// The tenant-local time `elapsed` after the start.
    pub fn local_time(self, elapsed: VirtualTime) -> LocalTime {
        let unix = self.unix_seconds + elapsed.whole_seconds() as i64;
        let local = unix + i64::from(self.utc_offset_minutes) * 60;
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        // 1970-01-01 was a Thursday (ISO weekday 4).
        let weekday = (days + 3).rem_euclid(7) + 1;
        LocalTime {
            unix_seconds: unix,
            utc_offset_minutes: self.utc_offset_minutes,
            year: year as u16,
            month: month as u8,
            day: day as u8,
            weekday: weekday as u8,
            hour: (secs / 3600) as u8,
            minute: (secs % 3600 / 60) as u8,
            second: (secs % 60) as u8,
        }
    }
}

impl<'de> Deserialize<'de> for StartTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        StartTime::parse(&text).map_err(D::Error::custom)
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_start_is_a_monday_noon() {
        let start = StartTime::parse("2026-11-23T12:00:00+00:00").unwrap();
        assert_eq!(start, StartTime::default());
        let now = start.local_time(VirtualTime::ZERO);
        assert_eq!(
            (now.year, now.month, now.day, now.weekday, now.hour),
            (2026, 11, 23, 1, 12)
        );
    }

    #[test]
    fn offsets_shift_local_fields_not_unix_time() {
        let start = StartTime::parse("2026-11-23T12:30:00+02:00").unwrap();
        assert_eq!(
            start.unix_seconds,
            StartTime::default().unix_seconds + 30 * 60 - 2 * 3600
        );
        let later = start.local_time(VirtualTime::from_millis(12 * 3600 * 1000));
        assert_eq!(
            (later.day, later.weekday, later.hour, later.minute),
            (24, 2, 0, 30)
        );
        assert_eq!(later.utc_offset_minutes, 120);
    }

    #[test]
    fn malformed_times_are_refused() {
        assert!(StartTime::parse("yesterday").is_err());
        assert!(StartTime::parse("2026-02-30T10:00:00Z").is_err());
        assert!(StartTime::parse("2026-11-23T25:00:00Z").is_err());
        assert!(StartTime::parse("2026-11-23T12:00:00+2:00").is_err());
        assert!(Seconds::parse(-1.0).is_err());
        assert!(Seconds::parse(f64::NAN).is_err());
        assert_eq!(
            Seconds::parse(1.25).unwrap().span(),
            Span::from_millis(1250)
        );
    }

    #[test]
    fn times_print_with_centiseconds() {
        assert_eq!(VirtualTime::from_millis(12_400).to_string(), "12.40s");
        assert_eq!(VirtualTime::from_millis(5).to_string(), "0.00s");
    }
}
