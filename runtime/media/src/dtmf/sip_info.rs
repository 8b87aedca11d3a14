//! Keys sent in SIP INFO bodies, for peers that signal DTMF out of band:
//! `application/dtmf-relay` (`Signal=5\r\nDuration=160`) and `application/dtmf` (`5`).

use super::digit::Digit;
use std::time::Duration;

/// Largest INFO body examined.
pub const MAX_INFO_BODY: usize = 1024;
/// Duration assumed when the body gives none (or an absurd one).
pub const DEFAULT_INFO_DURATION: Duration = Duration::from_millis(250);
/// Longest key press accepted from a body.
const MAX_INFO_DURATION_MS: u64 = 10_000;

/// The key in an INFO body of `content_type`, with its duration; `None` when
/// the body is not a DTMF body or names no key.
pub fn parse_info(content_type: &str, body: &str) -> Option<(Digit, Duration)> {
    if body.len() > MAX_INFO_BODY {
        return None;
    }
    let media_type = content_type.split(';').next()?.trim();
    if media_type.eq_ignore_ascii_case("application/dtmf") {
        let mut chars = body.trim().chars();
        let digit = Digit::from_char(chars.next()?)?;
        return chars
            .next()
            .is_none()
            .then_some((digit, DEFAULT_INFO_DURATION));
    }
    if !media_type.eq_ignore_ascii_case("application/dtmf-relay") {
        return None;
    }
    let mut digit = None;
    let mut duration = DEFAULT_INFO_DURATION;
    for line in body.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        match key.trim().to_ascii_lowercase().as_str() {
            "signal" => {
                let mut chars = value.chars();
                digit = chars
                    .next()
                    .and_then(Digit::from_char)
                    .filter(|_| chars.next().is_none());
            }
            "duration" => {
                if let Ok(ms) = value.parse::<u64>()
                    && (1..=MAX_INFO_DURATION_MS).contains(&ms)
                {
                    duration = Duration::from_millis(ms);
                }
            }
            _ => {}
        }
    }
    digit.map(|d| (d, duration))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> Digit {
        Digit::from_char(c).unwrap()
    }

    #[test]
    fn dtmf_relay_bodies() {
        assert_eq!(
            parse_info("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n"),
            Some((key('5'), Duration::from_millis(160)))
        );
        assert_eq!(
            parse_info(
                "Application/DTMF-Relay; charset=x",
                "signal= #\nduration=abc"
            ),
            Some((key('#'), DEFAULT_INFO_DURATION))
        );
        assert_eq!(parse_info("application/dtmf-relay", "Signal=55\r\n"), None);
        assert_eq!(parse_info("application/dtmf-relay", "Duration=100"), None);
        assert_eq!(
            parse_info("application/dtmf-relay", "Signal=1\nDuration=99999999999"),
            Some((key('1'), DEFAULT_INFO_DURATION))
        );
    }

    #[test]
    fn dtmf_bodies_and_others() {
        assert_eq!(
            parse_info("application/dtmf", " 7\r\n"),
            Some((key('7'), DEFAULT_INFO_DURATION))
        );
        assert_eq!(parse_info("application/dtmf", "77"), None);
        assert_eq!(parse_info("application/sdp", "Signal=5"), None);
        assert_eq!(
            parse_info("application/dtmf-relay", &"x".repeat(MAX_INFO_BODY + 1)),
            None
        );
    }
}
