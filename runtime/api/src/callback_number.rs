//! The number a website visitor asks to be called back on: typed by anyone, so it is
//! checked before anything is filed. Normalised to E.164 with the tenant's country where
//! possible; garbage, implausibly short or long numbers and premium-rate numbers (which a
//! fraudster would love the tenant to call) are refused.

use wasmphony_store::normalise_number;

/// Longest text accepted as typed (spaces, dashes and brackets included).
pub(crate) const MAX_TYPED_LEN: usize = 32;
/// E.164 allows at most 15 digits.
pub(crate) const MAX_DIGITS: usize = 15;
/// Fewer digits than this is an extension or a typo, not a customer's number.
pub(crate) const MIN_DIGITS: usize = 7;

/// Premium-rate and shared-cost ranges (E.164 prefixes) never called back: calling them
/// costs the tenant money and earns whoever filed the request.
pub(crate) const PREMIUM_PREFIXES: &[&str] = &[
    "+1900", "+1976", // North America
    "+4487", "+4490", "+4491", "+4498", // United Kingdom
    "+49137", "+49138", "+49900", "+49118", // Germany
    "+3389",  // France
    "+39899", "+39892", // Italy
    "+34803", "+34806", "+34807", "+34905", // Spain
    "+35990", // Bulgaria
    "+43900", "+43930", // Austria
    "+41900", "+41906", // Switzerland
    "+31900", "+31906", "+31909", // Netherlands
    "+7809",  // Russia
    "+61190", // Australia
];

/// Why a number is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NumberProblem {
    #[error("is not a phone number")]
    NotANumber,
    #[error("is too short for a phone number")]
    TooShort,
    #[error("is longer than a phone number can be")]
    TooLong,
    #[error("is a premium-rate number")]
    Premium,
}

/// The normalised number to call back, for a tenant whose country code is `country`.
pub(crate) fn callback_number(typed: &str, country: &str) -> Result<String, NumberProblem> {
    let typed = typed.trim();
    if typed.len() > MAX_TYPED_LEN {
        return Err(NumberProblem::TooLong);
    }
    let allowed = |c: char| c.is_ascii_digit() || " -().+/".contains(c);
    if typed.is_empty() || !typed.chars().all(allowed) || typed.matches('+').count() > 1 {
        return Err(NumberProblem::NotANumber);
    }
    if typed.contains('+') && !typed.starts_with('+') {
        return Err(NumberProblem::NotANumber);
    }
    let number = normalise_number(typed, country);
    let digits = number.strip_prefix('+').unwrap_or(&number);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberProblem::NotANumber);
    }
    if digits.len() < MIN_DIGITS {
        return Err(NumberProblem::TooShort);
    }
    if digits.len() > MAX_DIGITS {
        return Err(NumberProblem::TooLong);
    }
    if number.starts_with("+0") {
        return Err(NumberProblem::NotANumber);
    }
    if PREMIUM_PREFIXES
        .iter()
        .any(|prefix| number.starts_with(prefix))
    {
        return Err(NumberProblem::Premium);
    }
    Ok(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_numbers_become_e164() {
        assert_eq!(
            callback_number(" 0888 123-456 ", "359").as_deref(),
            Ok("+359888123456")
        );
        assert_eq!(
            callback_number("+49 (30) 1234567", "359").as_deref(),
            Ok("+49301234567")
        );
        assert_eq!(
            callback_number("0049301234567", "").as_deref(),
            Ok("+49301234567")
        );
    }

    #[test]
    fn garbage_short_long_and_premium_are_refused() {
        let cases = [
            ("", NumberProblem::NotANumber),
            ("call me", NumberProblem::NotANumber),
            ("12+34567890", NumberProblem::NotANumber),
            ("+359 888 12345'; DROP", NumberProblem::NotANumber),
            ("101", NumberProblem::TooShort),
            ("+12345", NumberProblem::TooShort),
            ("+3598881234567890", NumberProblem::TooLong),
            (&"1".repeat(40), NumberProblem::TooLong),
            ("+49 900 1234567", NumberProblem::Premium),
            ("0900 1234567", NumberProblem::Premium),
            ("+1 900 555 0100", NumberProblem::Premium),
        ];
        for (typed, problem) in cases {
            let country = if typed.starts_with("0900") {
                "49"
            } else {
                "359"
            };
            assert_eq!(callback_number(typed, country), Err(problem), "{typed}");
        }
    }
}
