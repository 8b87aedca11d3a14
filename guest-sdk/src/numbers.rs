//! Keypad input helpers: times, dates and phone numbers typed as digits.

use crate::time::Date;

/// The digits of a text (`"+359 (88) 812-34"` → `"3598881234"`).
pub fn digits_only(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Reads `HHMM` (24-hour clock), for example `"1930"` → `(19, 30)`.
pub fn parse_hhmm(input: &str) -> Option<(u8, u8)> {
    let (hour, minute) = two_pairs(input)?;
    (hour < 24 && minute < 60).then_some((hour, minute))
}

/// Reads `DDMM` as the next such date on or after `today` (this year, else next year).
///
/// ```
/// use wasmphony_guest::numbers::parse_ddmm;
/// use wasmphony_guest::time::Date;
/// let today = Date::new(2026, 11, 23).unwrap();
/// assert_eq!(parse_ddmm("2412", today), Date::new(2026, 12, 24));
/// assert_eq!(parse_ddmm("0501", today), Date::new(2027, 1, 5));
/// assert_eq!(parse_ddmm("3102", today), None);
/// ```
pub fn parse_ddmm(input: &str, today: Date) -> Option<Date> {
    let (day, month) = two_pairs(input)?;
    let this_year = Date::new(today.year, month, day);
    match this_year {
        Some(date) if date >= today => Some(date),
        _ => Date::new(today.year + 1, month, day),
    }
}

/// The last `count` digits of a number (for read-backs: "calling back …3456").
pub fn last_digits(number: &str, count: usize) -> String {
    let digits = digits_only(number);
    let skip = digits.len().saturating_sub(count);
    digits[skip..].to_owned()
}

/// Reads a small positive count typed on the keypad (`"04"` → 4), within `1..=max`.
pub fn parse_count(input: &str, max: u32) -> Option<u32> {
    if input.is_empty() || !input.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    input
        .parse::<u32>()
        .ok()
        .filter(|count| (1..=max).contains(count))
}

fn two_pairs(input: &str) -> Option<(u8, u8)> {
    let bytes = input.as_bytes();
    if bytes.len() != 4 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let pair = |at: usize| (bytes[at] - b'0') * 10 + (bytes[at + 1] - b'0');
    Some((pair(0), pair(2)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hhmm_accepts_valid_clock_times_only() {
        assert_eq!(parse_hhmm("1930"), Some((19, 30)));
        assert_eq!(parse_hhmm("0000"), Some((0, 0)));
        assert_eq!(parse_hhmm("2400"), None);
        assert_eq!(parse_hhmm("1260"), None);
        assert_eq!(parse_hhmm("930"), None);
        assert_eq!(parse_hhmm("19*0"), None);
    }

    #[test]
    fn ddmm_picks_the_next_occurrence() {
        let today = Date::new(2026, 11, 23).unwrap();
        assert_eq!(parse_ddmm("2311", today), Date::new(2026, 11, 23));
        assert_eq!(parse_ddmm("2211", today), Date::new(2027, 11, 22));
        // 29 February: 2026 is past, 2027 has none.
        assert_eq!(parse_ddmm("2902", today), None);
        assert_eq!(parse_ddmm("0013", today), None);
    }

    #[test]
    fn number_helpers() {
        assert_eq!(digits_only("+359 (88) 812-34"), "3598881234");
        assert_eq!(last_digits("+359888123456", 4), "3456");
        assert_eq!(last_digits("12", 4), "12");
        assert_eq!(parse_count("04", 20), Some(4));
        assert_eq!(parse_count("0", 20), None);
        assert_eq!(parse_count("21", 20), None);
        assert_eq!(parse_count("", 20), None);
    }
}
