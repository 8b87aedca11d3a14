//! RFC 3339 timestamps (`2026-12-03T17:30:00Z`, `2026-12-03T19:30:00.5+02:00`) to Unix
//! milliseconds, for the widget's "call me at". Only the profile RFC 3339 allows; no leap
//! second arithmetic (`:60` is refused).

/// Unix milliseconds of `text`, or `None` when it is not an RFC 3339 date-time.
pub(crate) fn parse_unix_ms(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || !matches!(bytes[10], b'T' | b't' | b' ') {
        return None;
    }
    let year = digits(text, 0, 4)?;
    let month = digits(text, 5, 2)?;
    let day = digits(text, 8, 2)?;
    let hour = digits(text, 11, 2)?;
    let minute = digits(text, 14, 2)?;
    let second = digits(text, 17, 2)?;
    if [bytes[4], bytes[7], bytes[13], bytes[16]] != [b'-', b'-', b':', b':'] {
        return None;
    }
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut rest = &text[19..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 || len > 9 {
            return None;
        }
        let padded = format!("{:0<3}", &fraction[..len.min(3)]);
        millis = padded.parse::<i64>().ok()?;
        rest = &fraction[len..];
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && rest.as_bytes()[3] == b':' => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hours = digits(rest, 1, 2)?;
            let minutes = digits(rest, 4, 2)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            sign * (hours * 60 + minutes)
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1_000 + millis)
}

fn digits(text: &str, start: usize, len: usize) -> Option<i64> {
    let part = text.get(start..start + len)?;
    if part.bytes().all(|b| b.is_ascii_digit()) {
        part.parse().ok()
    } else {
        None
    }
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse_unix_ms;

    #[test]
    fn utc_offsets_and_fractions() {
        assert_eq!(parse_unix_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_unix_ms("2026-12-03T17:30:00Z"),
            Some(1_796_319_000_000)
        );
        assert_eq!(
            parse_unix_ms("2026-12-03T19:30:00.250+02:00"),
            Some(1_796_319_000_250)
        );
        assert_eq!(
            parse_unix_ms("2024-02-29T00:00:00-00:30"),
            Some(1_709_166_600_000)
        );
    }

    #[test]
    fn garbage_is_refused() {
        for bad in [
            "",
            "tomorrow",
            "2026-12-03",
            "2026-12-03T17:30:00",
            "2026-13-03T17:30:00Z",
            "2025-02-29T00:00:00Z",
            "2026-12-03T24:00:00Z",
            "2026-12-03T17:30:60Z",
            "2026-12-03T17:30:00+0200",
            "2026-12-03T17:30:00.Z",
            "+2026-12-03T17:30:00Z",
        ] {
            assert_eq!(parse_unix_ms(bad), None, "{bad}");
        }
    }
}
