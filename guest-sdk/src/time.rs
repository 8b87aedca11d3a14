//! The tenant's clock and calendar arithmetic (pure, so it is testable off the host).

pub use crate::wit::types::LocalTime;

/// Tenant-local time now (virtual in the simulator).
pub fn now() -> LocalTime {
    crate::wit::host::now()
}

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year, for example 2026.
    pub year: i32,
    /// 1 to 12.
    pub month: u8,
    /// 1 to the month's length.
    pub day: u8,
}

impl Date {
    /// A date, when it exists.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Self> {
        (1..=12)
            .contains(&month)
            .then_some(())
            .filter(|()| day >= 1 && day <= days_in_month(year, month))
            .map(|()| Self { year, month, day })
    }

    /// The local date of a tenant time.
    pub fn of(time: &LocalTime) -> Self {
        Self {
            year: i32::from(time.year),
            month: time.month,
            day: time.day,
        }
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(self.month);
        let day_of_year =
            (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The date `days` after this one (negative: before).
    pub fn add_days(self, days: i64) -> Self {
        civil_from_days(self.days_since_epoch() + days)
    }

    /// ISO 8601 weekday: 1 = Monday … 7 = Sunday.
    pub fn weekday(self) -> u8 {
        // 1970-01-01 was a Thursday (4).
        let weekday = (self.days_since_epoch() + 3).rem_euclid(7) + 1;
        u8::try_from(weekday).unwrap_or(1)
    }

    /// Unix seconds of `hour:minute` local time on this date, for a zone `utc_offset_minutes`
    /// ahead of UTC.
    pub fn unix_at(self, hour: u8, minute: u8, utc_offset_minutes: i32) -> i64 {
        self.days_since_epoch() * 86_400 + i64::from(hour) * 3_600 + i64::from(minute) * 60
            - i64::from(utc_offset_minutes) * 60
    }

    /// `YYYY-MM-DD`.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn civil_from_days(days: i64) -> Date {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Date {
        year: i32::try_from(year).unwrap_or(i32::MAX),
        month: u8::try_from(month).unwrap_or(1),
        day: u8::try_from(day).unwrap_or(1),
    }
}

/// Whether `year` is a leap year.
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in a month (0 for a month outside 1..=12).
pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Minutes since local midnight.
pub fn minute_of_day(time: &LocalTime) -> u16 {
    u16::from(time.hour) * 60 + u16::from(time.minute)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_days_round_trip_and_known_dates() {
        let monday = Date::new(2026, 11, 23).unwrap();
        assert_eq!(monday.weekday(), 1);
        assert_eq!(Date::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(Date::new(2000, 3, 1).unwrap().days_since_epoch(), 11_017);
        for days in [-1000_i64, 0, 59, 11_016, 20_000, 20_780] {
            assert_eq!(civil_from_days(days).days_since_epoch(), days);
        }
    }

    #[test]
    fn adding_days_crosses_months_years_and_leap_days() {
        let date = |y, m, d| Date::new(y, m, d).unwrap();
        assert_eq!(date(2026, 11, 30).add_days(1), date(2026, 12, 1));
        assert_eq!(date(2026, 12, 31).add_days(1), date(2027, 1, 1));
        assert_eq!(date(2028, 2, 28).add_days(1), date(2028, 2, 29));
        assert_eq!(date(2027, 2, 28).add_days(1), date(2027, 3, 1));
        assert_eq!(date(2027, 3, 1).add_days(-1), date(2027, 2, 28));
    }

    #[test]
    fn invalid_dates_are_rejected() {
        assert_eq!(Date::new(2026, 2, 29), None);
        assert_eq!(Date::new(2026, 13, 1), None);
        assert_eq!(Date::new(2026, 4, 31), None);
        assert!(Date::new(2028, 2, 29).is_some());
    }

    #[test]
    fn unix_time_honours_the_utc_offset() {
        let date = Date::new(2026, 11, 23).unwrap();
        // 2026-11-23T19:30+02:00 = 17:30Z.
        assert_eq!(date.unix_at(19, 30, 120), 1_795_455_000);
        assert_eq!(date.unix_at(0, 0, 0), 1_795_392_000);
        assert_eq!(date.iso(), "2026-11-23");
    }
}
