//! A complete order: what is read back and what is stored (pure).

use wasmphony_guest::prompt::{self, Prompt};
use wasmphony_guest::records::New;
use wasmphony_guest::time::Date;

/// Everything the caller entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Branch id.
    pub branch: String,
    /// Prompt naming the branch.
    pub branch_prompt: String,
    /// Local date.
    pub date: Date,
    /// Local hour.
    pub hour: u8,
    /// Local minute.
    pub minute: u8,
    /// Number of guests.
    pub party: u32,
    /// The caller's number.
    pub contact: String,
}

impl Order {
    /// `HH:MM`.
    pub fn time(&self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }

    /// What the caller hears before confirming: branch, day of the month, time as digits,
    /// party size as a number.
    pub fn read_back(&self) -> Vec<Prompt> {
        vec![
            prompt::file("order-readback"),
            prompt::file(self.branch_prompt.as_str()),
            prompt::file("order-on-day"),
            prompt::number(i64::from(self.date.day)),
            prompt::file("order-at-time"),
            prompt::digits(format!("{:02}{:02}", self.hour, self.minute)),
            prompt::file("order-for-guests"),
            prompt::number(i64::from(self.party)),
        ]
    }

    /// The record staff will confirm; due at the booked time in the tenant's zone.
    pub fn record(&self, kind: &str, status: &str, utc_offset_minutes: i32) -> New {
        New::new(kind, status)
            .due_unix(self.date.unix_at(self.hour, self.minute, utc_offset_minutes))
            .contact(self.contact.as_str())
            .field("branch", self.branch.as_str())
            .field("date", self.date.iso())
            .field("time", self.time())
            .field("party", self.party.to_string())
            .field("contact", self.contact.as_str())
            .field("channel", "keypad")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> Order {
        Order {
            branch: "center".into(),
            branch_prompt: "branch-center".into(),
            date: Date::new(2026, 11, 24).unwrap(),
            hour: 19,
            minute: 5,
            party: 4,
            contact: "+359888123456".into(),
        }
    }

    #[test]
    fn read_back_names_every_entry() {
        let prompts = order().read_back();
        assert!(prompts.contains(&Prompt::File("branch-center".into())));
        assert!(prompts.contains(&Prompt::Number(24)));
        assert!(prompts.contains(&Prompt::Digits("1905".into())));
        assert!(prompts.contains(&Prompt::Number(4)));
    }

    #[test]
    fn record_carries_fields_and_due_time() {
        let record = order().record("booking", "self-service", 120).build();
        assert_eq!((record.kind.as_str(), record.status.as_str()), ("booking", "self-service"));
        // 2026-11-24 19:05 at UTC+2 is 17:05Z.
        assert_eq!(record.due_unix, Some(1_795_392_000 + 86_400 + 17 * 3_600 + 5 * 60));
        let field = |name: &str| record.fields.iter().find(|f| f.name == name).map(|f| f.value.clone());
        assert_eq!(field("date").as_deref(), Some("2026-11-24"));
        assert_eq!(field("time").as_deref(), Some("19:05"));
        assert_eq!(field("party").as_deref(), Some("4"));
        assert_eq!(field("branch").as_deref(), Some("center"));
        assert_eq!(record.contact_number.as_deref(), Some("+359888123456"));
    }
}
