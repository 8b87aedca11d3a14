//! English number words for the built-in prompts: 123 → "one hundred twenty
//! three". Each word is the name of a prompt in `prompts/builtin`.

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// Largest magnitude we can say (there is no "billion" prompt).
pub const MAX_SAYABLE: u64 = 999_999_999;

/// The words for `number`, or `None` beyond ±[`MAX_SAYABLE`].
pub fn number_words(number: i64) -> Option<Vec<&'static str>> {
    let magnitude = number.unsigned_abs();
    if magnitude > MAX_SAYABLE {
        return None;
    }
    let mut words = Vec::new();
    if number < 0 {
        words.push("minus");
    }
    if magnitude == 0 {
        words.push("zero");
        return Some(words);
    }
    for (scale, word) in [
        (1_000_000, Some("million")),
        (1_000, Some("thousand")),
        (1, None),
    ] {
        let group = magnitude / scale % 1000;
        if group > 0 {
            below_thousand(group as usize, &mut words);
            words.extend(word);
        }
    }
    Some(words)
}

/// One word per decimal digit of `text`; other characters are skipped.
pub fn digit_words(text: &str) -> Vec<&'static str> {
    text.chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| ONES[d as usize])
        .collect()
}

fn below_thousand(n: usize, words: &mut Vec<&'static str>) {
    if n >= 100 {
        words.push(ONES[n / 100]);
        words.push("hundred");
    }
    let rest = n % 100;
    if rest >= 20 {
        words.push(TENS[rest / 10]);
        if !rest.is_multiple_of(10) {
            words.push(ONES[rest % 10]);
        }
    } else if rest > 0 {
        words.push(ONES[rest]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn say(n: i64) -> String {
        number_words(n).unwrap().join(" ")
    }

    #[test]
    fn english_numbers() {
        assert_eq!(say(0), "zero");
        assert_eq!(say(7), "seven");
        assert_eq!(say(13), "thirteen");
        assert_eq!(say(40), "forty");
        assert_eq!(say(123), "one hundred twenty three");
        assert_eq!(say(200), "two hundred");
        assert_eq!(say(1005), "one thousand five");
        assert_eq!(say(-2019), "minus two thousand nineteen");
        assert_eq!(say(12_000_300), "twelve million three hundred");
        assert_eq!(
            say(999_999_999),
            "nine hundred ninety nine million nine hundred ninety nine thousand nine hundred ninety nine"
        );
        assert_eq!(number_words(1_000_000_000), None);
        assert_eq!(number_words(i64::MIN), None);
    }

    #[test]
    fn digits() {
        assert_eq!(digit_words("0-42 9"), ["zero", "four", "two", "nine"]);
    }
}
