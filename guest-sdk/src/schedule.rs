//! Working hours: `"mon-fri 09:00-22:00; sat 10:00-20:00"` evaluated against the tenant's clock.

use serde::{Deserialize, Serialize};

use crate::time::LocalTime;

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MINUTES_PER_DAY: u16 = 24 * 60;

/// Weekly opening hours.
///
/// The spec is a `;`-separated list of rules `DAYS RANGES`: DAYS is `mon`…`sun`, a range
/// `mon-fri` (wrapping ranges such as `fri-mon` work), a comma list `mon,wed`, or `daily`;
/// RANGES is a comma list of `HH:MM-HH:MM`. A range whose end is not after its start runs
/// past midnight into the next day (`fri 18:00-02:00`); `00:00-24:00` is the whole day.
/// `24/7` is always open; an empty spec or `closed` never is.
///
/// ```
/// use wasmphony_guest::Schedule;
/// let hours: Schedule = "mon-fri 09:00-22:00; sat 10:00-20:00".parse().unwrap();
/// assert!(hours.is_open_at(1, 9 * 60));          // Monday 09:00
/// assert!(!hours.is_open_at(1, 22 * 60));        // Monday 22:00 (end is exclusive)
/// assert!(hours.is_open_at(6, 19 * 60 + 59));    // Saturday 19:59
/// assert!(!hours.is_open_at(7, 12 * 60));        // Sunday
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Schedule {
    spec: String,
    /// Open minutes as half-open intervals per ISO weekday index (0 = Monday).
    open: [Vec<(u16, u16)>; 7],
}

/// A schedule spec that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleError {
    /// The rule that failed.
    pub rule: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl core::fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "schedule rule `{}`: {}", self.rule, self.reason)
    }
}

impl std::error::Error for ScheduleError {}

impl Schedule {
    /// Always open.
    pub fn always() -> Self {
        Self::parse("24/7").unwrap_or_else(|_| Self::never())
    }

    /// Never open.
    pub fn never() -> Self {
        Self {
            spec: "closed".to_owned(),
            open: Default::default(),
        }
    }

    /// Reads a spec (see the type's documentation).
    pub fn parse(spec: &str) -> Result<Self, ScheduleError> {
        let mut schedule = Self {
            spec: spec.trim().to_owned(),
            open: Default::default(),
        };
        for rule in spec
            .split(';')
            .map(str::trim)
            .filter(|rule| !rule.is_empty())
        {
            schedule.add_rule(rule)?;
        }
        Ok(schedule)
    }

    fn add_rule(&mut self, rule: &str) -> Result<(), ScheduleError> {
        let error = |reason| ScheduleError {
            rule: rule.to_owned(),
            reason,
        };
        let lower = rule.to_ascii_lowercase();
        if lower == "closed" {
            return Ok(());
        }
        if lower == "24/7" {
            for day in &mut self.open {
                day.push((0, MINUTES_PER_DAY));
            }
            return Ok(());
        }
        let (days, ranges) = lower
            .split_once(char::is_whitespace)
            .ok_or_else(|| error("expected `DAYS HH:MM-HH:MM`"))?;
        let days =
            parse_days(days).ok_or_else(|| error("unknown day (use mon..sun, mon-fri, daily)"))?;
        for range in ranges.split(',').map(str::trim) {
            let (start, end) = range
                .split_once('-')
                .ok_or_else(|| error("expected a time range HH:MM-HH:MM"))?;
            let start = parse_clock(start.trim()).ok_or_else(|| error("bad start time"))?;
            let end = parse_clock(end.trim()).ok_or_else(|| error("bad end time"))?;
            if start == MINUTES_PER_DAY {
                return Err(error("a range cannot start at 24:00"));
            }
            for &day in &days {
                if end > start {
                    self.open[day].push((start, end));
                } else {
                    // Runs past midnight: the rest of this day, then the next morning.
                    self.open[day].push((start, MINUTES_PER_DAY));
                    self.open[(day + 1) % 7].push((0, end));
                }
            }
        }
        Ok(())
    }

    /// Whether open on ISO `weekday` (1 = Monday … 7 = Sunday) at `minute_of_day` (0..1440).
    pub fn is_open_at(&self, weekday: u8, minute_of_day: u16) -> bool {
        let Some(day) = usize::from(weekday).checked_sub(1).filter(|day| *day < 7) else {
            return false;
        };
        self.open[day]
            .iter()
            .any(|&(start, end)| start <= minute_of_day && minute_of_day < end)
    }

    /// Whether open at a tenant-local time.
    pub fn is_open(&self, time: &LocalTime) -> bool {
        self.is_open_at(time.weekday, crate::time::minute_of_day(time))
    }

    /// Whether open now, by the tenant's clock.
    pub fn is_open_now(&self) -> bool {
        self.is_open(&crate::time::now())
    }

    /// The spec this schedule was read from.
    pub fn spec(&self) -> &str {
        &self.spec
    }
}

impl core::str::FromStr for Schedule {
    type Err = ScheduleError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        Self::parse(spec)
    }
}

impl TryFrom<String> for Schedule {
    type Error = ScheduleError;

    fn try_from(spec: String) -> Result<Self, Self::Error> {
        Self::parse(&spec)
    }
}

impl From<Schedule> for String {
    fn from(schedule: Schedule) -> Self {
        schedule.spec
    }
}

fn parse_days(text: &str) -> Option<Vec<usize>> {
    if text == "daily" || text == "every-day" {
        return Some((0..7).collect());
    }
    let mut days = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((first, last)) => {
                let (first, last) = (day_index(first)?, day_index(last)?);
                let mut day = first;
                loop {
                    days.push(day);
                    if day == last {
                        break;
                    }
                    day = (day + 1) % 7;
                }
            }
            None => days.push(day_index(part)?),
        }
    }
    Some(days)
}

fn day_index(name: &str) -> Option<usize> {
    let name = name.trim();
    let short = name.get(..3)?;
    DAY_NAMES.iter().position(|day| *day == short)
}

fn parse_clock(text: &str) -> Option<u16> {
    let (hour, minute) = text.split_once(':')?;
    let hour: u16 = hour.parse().ok()?;
    let minute: u16 = minute.parse().ok()?;
    if minute >= 60 || hour > 24 || (hour == 24 && minute != 0) {
        return None;
    }
    Some(hour * 60 + minute)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: u16, minute: u16) -> u16 {
        hour * 60 + minute
    }

    fn local(weekday: u8, hour: u8, minute: u8) -> LocalTime {
        LocalTime {
            unix_seconds: 0,
            utc_offset_minutes: 120,
            year: 2026,
            month: 11,
            day: 23,
            weekday,
            hour,
            minute,
            second: 0,
        }
    }

    #[test]
    fn weekday_ranges_and_boundaries() {
        let hours = Schedule::parse("mon-fri 09:00-22:00; sat 10:00-20:00").unwrap();
        for weekday in 1..=5 {
            assert!(!hours.is_open_at(weekday, at(8, 59)));
            assert!(hours.is_open_at(weekday, at(9, 0)));
            assert!(hours.is_open_at(weekday, at(21, 59)));
            assert!(!hours.is_open_at(weekday, at(22, 0)));
        }
        assert!(hours.is_open_at(6, at(10, 0)));
        assert!(!hours.is_open_at(6, at(9, 59)));
        assert!(!hours.is_open_at(7, at(12, 0)));
        assert!(!hours.is_open_at(0, at(12, 0)));
        assert!(!hours.is_open_at(8, at(12, 0)));
    }

    #[test]
    fn lists_splits_wrapping_days_and_overnight_ranges() {
        let hours =
            Schedule::parse("mon,wed 08:00-12:00,13:00-17:00; fri-sun 18:00-02:00").unwrap();
        assert!(hours.is_open_at(1, at(11, 0)));
        assert!(!hours.is_open_at(1, at(12, 30)));
        assert!(hours.is_open_at(3, at(16, 59)));
        assert!(!hours.is_open_at(2, at(11, 0)));
        // Sunday 18:00 runs into Monday 02:00.
        assert!(hours.is_open_at(7, at(23, 0)));
        assert!(hours.is_open_at(1, at(1, 59)));
        assert!(!hours.is_open_at(1, at(2, 0)));
        // Thursday night is not covered; Friday night spills into Saturday.
        assert!(!hours.is_open_at(5, at(1, 0)));
        assert!(hours.is_open_at(6, at(1, 0)));
    }

    #[test]
    fn special_specs() {
        assert!(Schedule::parse("24/7").unwrap().is_open_at(3, at(3, 33)));
        assert!(Schedule::always().is_open_at(7, at(23, 59)));
        assert!(!Schedule::parse("").unwrap().is_open_at(3, at(12, 0)));
        assert!(!Schedule::parse("closed").unwrap().is_open_at(3, at(12, 0)));
        assert!(
            Schedule::parse("daily 00:00-24:00")
                .unwrap()
                .is_open_at(2, at(23, 59))
        );
        assert!(
            Schedule::parse("Monday 10:00-11:00")
                .unwrap()
                .is_open_at(1, at(10, 30))
        );
    }

    #[test]
    fn bad_specs_are_rejected_with_the_rule() {
        let error = Schedule::parse("mon-fri 09:00-22:00; xyz 10:00-11:00").unwrap_err();
        assert_eq!(error.rule, "xyz 10:00-11:00");
        assert!(Schedule::parse("mon 9-10").is_err());
        assert!(Schedule::parse("mon 09:00-25:00").is_err());
        assert!(Schedule::parse("mon 24:00-01:00").is_err());
        assert!(Schedule::parse("mon").is_err());
    }

    #[test]
    fn evaluates_local_time_and_round_trips_through_serde() {
        let hours: Schedule = serde_json::from_str("\"mon-fri 09:00-18:00\"").unwrap();
        assert!(hours.is_open(&local(1, 12, 30)));
        assert!(!hours.is_open(&local(6, 12, 30)));
        assert_eq!(
            serde_json::to_string(&hours).unwrap(),
            "\"mon-fri 09:00-18:00\""
        );
        assert!(serde_json::from_str::<Schedule>("\"someday\"").is_err());
    }
}
