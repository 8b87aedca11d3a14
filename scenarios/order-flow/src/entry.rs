//! Reading the caller's keypad entries (pure).

use wasmphony_guest::numbers::{parse_count, parse_hhmm};
use wasmphony_guest::time::Date;

/// Key for "today" at the date question.
pub const KEY_TODAY: &str = "1";
/// Key for "tomorrow".
pub const KEY_TOMORROW: &str = "2";
/// Key for "another day" (then the day of the month is asked).
pub const KEY_OTHER_DAY: &str = "3";

/// The caller's answer to the date question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateChoice {
    /// A date known from the key alone.
    Date(Date),
    /// Ask for the day of the month next.
    AskDayOfMonth,
}

/// Reads the date key: 1 today, 2 tomorrow, 3 another day.
pub fn date_choice(key: &str, today: Date) -> Option<DateChoice> {
    match key {
        KEY_TODAY => Some(DateChoice::Date(today)),
        KEY_TOMORROW => Some(DateChoice::Date(today.add_days(1))),
        KEY_OTHER_DAY => Some(DateChoice::AskDayOfMonth),
        _ => None,
    }
}

/// The next date on or after `today` that falls on `day_of_month` (this month, else the next
/// month that has such a day, looking at most two months ahead).
pub fn day_of_month(input: &str, today: Date) -> Option<Date> {
    let day = u8::try_from(parse_count(input, 31)?).ok()?;
    let mut year = today.year;
    let mut month = today.month;
    for _ in 0..3 {
        if let Some(date) = Date::new(year, month, day).filter(|date| *date >= today) {
            return Some(date);
        }
        (year, month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    }
    None
}

/// Reads `HHMM` and checks it is not in the past (`now` is minutes since local midnight
/// when the date is today, `None` for a later date).
pub fn time_of_day(input: &str, now_if_today: Option<u16>) -> Option<(u8, u8)> {
    let (hour, minute) = parse_hhmm(input)?;
    let minutes = u16::from(hour) * 60 + u16::from(minute);
    match now_if_today {
        Some(now) if minutes <= now => None,
        _ => Some((hour, minute)),
    }
}

/// Reads the party size (1 to `max`).
pub fn party_size(input: &str, max: u32) -> Option<u32> {
    parse_count(input, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u8, d: u8) -> Date {
        Date::new(y, m, d).unwrap()
    }

    #[test]
    fn date_keys() {
        let today = date(2026, 11, 23);
        assert_eq!(date_choice("1", today), Some(DateChoice::Date(today)));
        assert_eq!(date_choice("2", today), Some(DateChoice::Date(date(2026, 11, 24))));
        assert_eq!(date_choice("3", today), Some(DateChoice::AskDayOfMonth));
        assert_eq!(date_choice("4", today), None);
    }

    #[test]
    fn day_of_month_is_the_next_such_day() {
        let today = date(2026, 11, 23);
        assert_eq!(day_of_month("23", today), Some(today));
        assert_eq!(day_of_month("30", today), Some(date(2026, 11, 30)));
        assert_eq!(day_of_month("5", today), Some(date(2026, 12, 5)));
        assert_eq!(day_of_month("31", today), Some(date(2026, 12, 31)));
        assert_eq!(day_of_month("31", date(2026, 4, 1)), Some(date(2026, 5, 31)));
        assert_eq!(day_of_month("30", date(2027, 1, 31)), Some(date(2027, 3, 30)));
        assert_eq!(day_of_month("0", today), None);
        assert_eq!(day_of_month("32", today), None);
    }

    #[test]
    fn times_must_be_valid_and_ahead() {
        assert_eq!(time_of_day("1930", None), Some((19, 30)));
        assert_eq!(time_of_day("1930", Some(12 * 60)), Some((19, 30)));
        assert_eq!(time_of_day("1130", Some(12 * 60)), None);
        assert_eq!(time_of_day("2500", None), None);
        assert_eq!(time_of_day("193", None), None);
    }

    #[test]
    fn party_sizes_are_bounded() {
        assert_eq!(party_size("4", 20), Some(4));
        assert_eq!(party_size("21", 20), None);
        assert_eq!(party_size("0", 20), None);
    }
}
