//! Phone number normalisation: the key of customer cards and of the missed-call list.

/// Numbers with at most this many digits are internal extensions and are never rewritten.
pub const MAX_EXTENSION_DIGITS: usize = 6;

/// Characters people and carriers put inside numbers for readability.
const SEPARATORS: &[char] = &[' ', '-', '.', '(', ')', '/', '\u{a0}'];

/// Normalises a dialled or presented number to E.164 (`+<country><national>`) where
/// that is possible, so one customer gets one card however the number was written.
///
/// * `sip:`, `sips:` and `tel:` prefixes and anything after `@` or `;` are dropped;
///   spaces, dashes, dots, slashes and brackets are removed.
/// * `+4930123456` stays; `004930123456` becomes `+4930123456`.
/// * A national number with the country's trunk prefix becomes international using the
///   tenant's `default_country_code` (digits, no `+`): `030 123456` with `49` becomes
///   `+4930123456`. The trunk prefix is `0` except for `7` (Russia/Kazakhstan: `8`) and
///   `1` (North America: `1`, or ten digits without it).
/// * Up to [`MAX_EXTENSION_DIGITS`] digits is an extension: returned as is.
/// * Anything else (`anonymous`, a user name, a national number without a known country
///   code) is returned cleaned but otherwise unchanged.
pub fn normalise_number(raw: &str, default_country_code: &str) -> String {
    let cleaned = strip_uri(raw.trim());
    let cleaned: String = cleaned
        .chars()
        .filter(|c| !SEPARATORS.contains(c))
        .collect();
    let country = default_country_code.trim().trim_start_matches('+');
    let country = if !country.is_empty() && all_digits(country) {
        country
    } else {
        ""
    };

    if let Some(rest) = cleaned.strip_prefix('+') {
        return if all_digits(rest) {
            cleaned
        } else {
            raw.trim().to_owned()
        };
    }
    if !all_digits(&cleaned) {
        return cleaned;
    }
    if cleaned.len() <= MAX_EXTENSION_DIGITS {
        return cleaned;
    }
    if let Some(international) = cleaned.strip_prefix("00") {
        return format!("+{international}");
    }
    national_to_international(&cleaned, country).unwrap_or(cleaned)
}

/// Whether a normalised number belongs to an outside party who deserves a customer card
/// and a place on the missed-call list: an E.164 number or a longer-than-extension digit
/// string. Extensions, `anonymous` and user names do not.
pub fn is_customer_number(normalised: &str) -> bool {
    let digits = normalised.strip_prefix('+').unwrap_or(normalised);
    all_digits(digits) && (normalised.starts_with('+') || digits.len() > MAX_EXTENSION_DIGITS)
}

fn national_to_international(digits: &str, country: &str) -> Option<String> {
    match country {
        "" => None,
        "1" => match digits.len() {
            10 => Some(format!("+1{digits}")),
            11 if digits.starts_with('1') => Some(format!("+{digits}")),
            _ => None,
        },
        "7" => digits
            .strip_prefix('8')
            .filter(|national| national.len() == 10)
            .map(|national| format!("+7{national}")),
        _ => digits
            .strip_prefix('0')
            .map(|national| format!("+{country}{national}")),
    }
}

fn strip_uri(value: &str) -> &str {
    let lower_prefix = |prefix: &str| {
        value
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    let without_scheme = ["sips:", "sip:", "tel:"]
        .iter()
        .find(|prefix| lower_prefix(prefix))
        .map_or(value, |prefix| &value[prefix.len()..]);
    let end = without_scheme
        .find(['@', ';'])
        .unwrap_or(without_scheme.len());
    &without_scheme[..end]
}

fn all_digits(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::{is_customer_number, normalise_number};

    #[test]
    fn customer_numbers_are_outside_numbers_only() {
        assert!(is_customer_number("+49301234567"));
        assert!(is_customer_number("0301234567"));
        assert!(!is_customer_number("101"));
        assert!(!is_customer_number("anonymous"));
        assert!(!is_customer_number("+"));
        assert!(!is_customer_number(""));
    }

    fn check(raw: &str, country: &str, expected: &str) {
        assert_eq!(
            normalise_number(raw, country),
            expected,
            "raw {raw:?} country {country:?}"
        );
    }

    #[test]
    fn international_forms_become_e164() {
        check("+49 30 1234-567", "49", "+49301234567");
        check("0049 (30) 1234567", "", "+49301234567");
        check("+359 2 987 6543", "49", "+35929876543");
        check(
            "sip:+4930123456@pbx.example.com;user=phone",
            "",
            "+4930123456",
        );
        check("tel:+1-212-555-0100", "", "+12125550100");
    }

    #[test]
    fn national_trunk_prefix_uses_tenant_country() {
        check("030 1234567", "49", "+49301234567");
        check("02 987 6543", "359", "+35929876543");
        check("8 916 123-45-67", "7", "+79161234567");
        check("(212) 555-0100", "1", "+12125550100");
        check("1 212 555 0100", "1", "+12125550100");
        check("030 1234567", "+49", "+49301234567");
    }

    #[test]
    fn national_numbers_without_country_stay() {
        check("030 1234567", "", "0301234567");
        check("9161234567", "7", "9161234567");
    }

    #[test]
    fn extensions_and_names_stay() {
        check("101", "49", "101");
        check("012345", "49", "012345");
        check("sip:201@pbx.local", "49", "201");
        check("anonymous", "49", "anonymous");
        check("", "49", "");
    }
}
