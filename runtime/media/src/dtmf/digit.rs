//! The sixteen DTMF keys, their RFC 4733 event codes and their tone pairs.

/// Low-group (row) frequencies in Hz.
pub const ROW_FREQUENCIES: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
/// High-group (column) frequencies in Hz.
pub const COLUMN_FREQUENCIES: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];

/// Keypad layout: `KEYPAD[row][column]`.
const KEYPAD: [[char; 4]; 4] = [
    ['1', '2', '3', 'A'],
    ['4', '5', '6', 'B'],
    ['7', '8', '9', 'C'],
    ['*', '0', '#', 'D'],
];

/// One DTMF key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digit(char);

impl Digit {
    /// The key for a character (`0-9`, `*`, `#`, `A-D`, case-insensitive).
    pub fn from_char(c: char) -> Option<Self> {
        let c = c.to_ascii_uppercase();
        matches!(c, '0'..='9' | '*' | '#' | 'A'..='D').then_some(Self(c))
    }

    /// The key for an RFC 4733 event code (0-15); other events are not keys.
    pub fn from_event_code(code: u8) -> Option<Self> {
        let c = match code {
            0..=9 => char::from(b'0' + code),
            10 => '*',
            11 => '#',
            12..=15 => char::from(b'A' + code - 12),
            _ => return None,
        };
        Some(Self(c))
    }

    /// The key at a keypad position.
    pub fn from_position(row: usize, column: usize) -> Option<Self> {
        KEYPAD
            .get(row)
            .and_then(|r| r.get(column))
            .map(|c| Self(*c))
    }

    /// The character printed on the key.
    pub fn as_char(self) -> char {
        self.0
    }

    /// The RFC 4733 event code.
    pub fn event_code(self) -> u8 {
        match self.0 {
            '0'..='9' => self.0 as u8 - b'0',
            '*' => 10,
            '#' => 11,
            c => c as u8 - b'A' + 12,
        }
    }

    /// (row, column) frequencies of the key's tone pair.
    pub fn frequencies(self) -> (f32, f32) {
        for (row, keys) in KEYPAD.iter().enumerate() {
            if let Some(column) = keys.iter().position(|k| *k == self.0) {
                return (ROW_FREQUENCIES[row], COLUMN_FREQUENCIES[column]);
            }
        }
        // Unreachable by construction: every `Digit` is on the keypad.
        (ROW_FREQUENCIES[0], COLUMN_FREQUENCIES[0])
    }
}

impl std::fmt::Display for Digit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_chars_and_positions_agree() {
        for code in 0..16u8 {
            let digit = Digit::from_event_code(code).unwrap();
            assert_eq!(digit.event_code(), code);
            assert_eq!(Digit::from_char(digit.as_char()), Some(digit));
        }
        assert_eq!(Digit::from_event_code(16), None);
        assert_eq!(Digit::from_char('x'), None);
        assert_eq!(
            Digit::from_char('5').unwrap().frequencies(),
            (770.0, 1336.0)
        );
        assert_eq!(Digit::from_position(3, 2), Digit::from_char('#'));
    }
}
