//! Checking a script's `expect:` section against what the call did.

use std::fmt;

use wasmphony_engine::ScenarioFailure;
use wasmphony_engine::api::RecordData;

use crate::disposition::Disposition;
use crate::journal::Facts;
use crate::report::one_line_reason;
use crate::script::{Expect, ExpectedRecord};

/// An expectation the call did not meet, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmetExpectation {
    /// The `expect:` field it comes from.
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for UnmetExpectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Everything an expectation may be checked against.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    pub facts: &'a Facts,
    pub records: &'a [RecordData],
    pub disposition: Disposition,
    pub failure: Option<&'a ScenarioFailure>,
    pub fallback_ran: bool,
}

impl Observed<'_> {
    /// Callback tasks: scheduled by the scenario or asked for with a queue's key.
    pub fn callbacks(&self) -> usize {
        self.facts.scheduled_callbacks + self.facts.queue_callbacks
    }
}

/// Checks every field of `expect`; an empty result means the script passed.
pub fn check(expect: &Expect, seen: &Observed<'_>) -> Vec<UnmetExpectation> {
    let mut unmet = Vec::new();
    let mut fail =
        |field: &'static str, message: String| unmet.push(UnmetExpectation { field, message });
    let facts = seen.facts;

    if let Some(message) = check_prompt_order(&expect.prompts, facts) {
        fail("prompts", message);
    }
    for name in &expect.not_prompts {
        if let Some((at, _)) = facts.prompts.iter().find(|(_, played)| played == name) {
            fail(
                "not_prompts",
                format!("expected prompt `{name}` not to be played, but it was played at {at}"),
            );
        }
    }
    if let Some(collected) = &expect.collected
        && *collected != facts.collected
    {
        fail(
            "collected",
            format!(
                "expected collect to return {collected:?}, but it returned {:?}",
                facts.collected
            ),
        );
    }
    if let Some(dialed) = &expect.dialed {
        let seen_dials: Vec<String> = facts
            .dials
            .iter()
            .map(|d| format!("[{}] {}", d.targets.join(", "), d.strategy.as_str()))
            .collect();
        if dialed.len() != facts.dials.len() {
            fail(
                "dialed",
                format!(
                    "expected {} dial operation(s), but there were {}: {seen_dials:?}",
                    dialed.len(),
                    facts.dials.len()
                ),
            );
        } else {
            for (n, (want, got)) in dialed.iter().zip(&facts.dials).enumerate() {
                if want.targets != got.targets || want.strategy.is_some_and(|s| s != got.strategy) {
                    let strategy = want.strategy.map_or("any strategy", |s| s.as_str());
                    fail(
                        "dialed",
                        format!(
                            "expected dial #{} to ring [{}] ({strategy}), but it rang {}",
                            n + 1,
                            want.targets.join(", "),
                            seen_dials[n]
                        ),
                    );
                }
            }
        }
    }
    if let Some(queue) = &expect.queue
        && !facts.queues.contains(queue)
    {
        fail(
            "queue",
            format!(
                "expected the caller to be put into queue `{queue}`, but the queues joined were {:?}",
                facts.queues
            ),
        );
    }
    if let Some(target) = &expect.transfer
        && !facts.transfers.contains(target)
    {
        fail(
            "transfer",
            format!(
                "expected a transfer to `{target}`, but the transfers were {:?}",
                facts.transfers
            ),
        );
    }
    for want in &expect.records {
        if !seen
            .records
            .iter()
            .any(|record| record_matches(want, record))
        {
            let created: Vec<String> = seen
                .records
                .iter()
                .map(|r| format!("{} ({})", r.kind, r.status))
                .collect();
            fail(
                "records",
                format!(
                    "expected a record {}, but the records created were {created:?}",
                    describe_record(want)
                ),
            );
        }
    }
    if let Some(callbacks) = expect.callbacks
        && callbacks != seen.callbacks()
    {
        fail(
            "callbacks",
            format!(
                "expected {callbacks} callback(s) scheduled, but there were {}",
                seen.callbacks()
            ),
        );
    }
    for tag in &expect.tags {
        if !facts.tags.contains(tag) {
            fail(
                "tags",
                format!(
                    "expected tag `{tag}`, but the tags set were {:?}",
                    facts.tags
                ),
            );
        }
    }
    for (name, value) in &expect.vars {
        match facts.vars.get(name) {
            Some(actual) if actual == value => {}
            Some(actual) => fail(
                "vars",
                format!("expected variable `{name}` = {value:?}, but it was {actual:?}"),
            ),
            None => fail(
                "vars",
                format!("expected variable `{name}` = {value:?}, but it was never set"),
            ),
        }
    }
    if let Some(disposition) = expect.disposition
        && disposition != seen.disposition
    {
        fail(
            "disposition",
            format!(
                "expected disposition `{disposition}`, but it was `{}`",
                seen.disposition
            ),
        );
    }
    match (expect.failure, seen.failure) {
        (None, Some(failure)) => fail(
            "failure",
            format!(
                "the scenario failed ({}), but the script expects no failure",
                one_line_reason(&failure.to_string())
            ),
        ),
        (Some(want), None) => fail(
            "failure",
            format!(
                "expected the scenario to fail with `{}`, but it did not fail",
                want.as_str()
            ),
        ),
        (Some(want), Some(failure)) if want.as_str() != failure.kind() => fail(
            "failure",
            format!(
                "expected the scenario to fail with `{}`, but it failed with `{}` ({})",
                want.as_str(),
                failure.kind(),
                one_line_reason(&failure.to_string())
            ),
        ),
        _ => {}
    }
    if let Some(fallback) = expect.fallback
        && fallback != seen.fallback_ran
    {
        let (want, got) = if fallback {
            ("to run", "it did not")
        } else {
            ("not to run", "it did")
        };
        fail(
            "fallback",
            format!("expected the route's fallback {want}, but {got}"),
        );
    }
    unmet
}

/// The expected prompts must appear in order; others may come between.
fn check_prompt_order(expected: &[String], facts: &Facts) -> Option<String> {
    let mut played = facts.prompts.iter();
    let mut previous: Option<&str> = None;
    for name in expected {
        if played.any(|(_, p)| p == name) {
            previous = Some(name);
            continue;
        }
        let ever = facts.prompts.iter().any(|(_, p)| p == name);
        return Some(match (previous, ever) {
            (None, _) => format!("expected prompt `{name}`, but it was never played"),
            (Some(before), false) => {
                format!("expected prompt `{name}` after `{before}`, but it was never played")
            }
            (Some(before), true) => format!(
                "expected prompt `{name}` after `{before}`, but it was played only before it"
            ),
        });
    }
    None
}

fn record_matches(want: &ExpectedRecord, record: &RecordData) -> bool {
    want.kind == record.kind
        && want
            .status
            .as_ref()
            .is_none_or(|status| *status == record.status)
        && want.fields.iter().all(|(name, value)| {
            record
                .fields
                .iter()
                .any(|field| field.name == *name && field.value == *value)
        })
}

fn describe_record(want: &ExpectedRecord) -> String {
    let mut text = format!("of kind `{}`", want.kind);
    if let Some(status) = &want.status {
        text.push_str(&format!(" with status `{status}`"));
    }
    if !want.fields.is_empty() {
        text.push_str(&format!(" and fields {:?}", want.fields));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::DialFact;
    use crate::script::{ExpectedDial, FailureKind, Strategy};
    use crate::time::VirtualTime;

    fn facts(prompts: &[&str]) -> Facts {
        Facts {
            prompts: prompts
                .iter()
                .map(|p| (VirtualTime::ZERO, p.to_string()))
                .collect(),
            ..Facts::default()
        }
    }

    fn messages(expect: &Expect, facts: &Facts, failure: Option<&ScenarioFailure>) -> Vec<String> {
        let seen = Observed {
            facts,
            records: &[],
            disposition: Disposition::Completed,
            failure,
            fallback_ran: failure.is_some(),
        };
        check(expect, &seen)
            .into_iter()
            .map(|u| u.message)
            .collect()
    }

    #[test]
    fn prompts_must_come_in_order() {
        let expect = Expect {
            prompts: vec!["greeting".into(), "menu-main".into()],
            ..Expect::default()
        };
        assert!(messages(&expect, &facts(&["greeting", "promo", "menu-main"]), None).is_empty());
        assert_eq!(
            messages(&expect, &facts(&["menu-main", "greeting"]), None),
            vec!["expected prompt `menu-main` after `greeting`, but it was played only before it"]
        );
        assert_eq!(
            messages(&expect, &facts(&["promo"]), None),
            vec!["expected prompt `greeting`, but it was never played"]
        );
    }

    #[test]
    fn dials_are_compared_one_by_one() {
        let mut seen = facts(&[]);
        seen.dials.push(DialFact {
            targets: vec!["210".into(), "211".into()],
            strategy: Strategy::Sequential,
        });
        let expect = |strategy| Expect {
            dialed: Some(vec![ExpectedDial {
                targets: vec!["210".into(), "211".into()],
                strategy,
            }]),
            ..Expect::default()
        };
        assert!(messages(&expect(Some(Strategy::Sequential)), &seen, None).is_empty());
        assert!(messages(&expect(None), &seen, None).is_empty());
        let wrong = messages(&expect(Some(Strategy::Parallel)), &seen, None);
        assert_eq!(
            wrong,
            vec![
                "expected dial #1 to ring [210, 211] (parallel), but it rang [210, 211] sequential"
            ]
        );
    }

    #[test]
    fn failures_must_be_expected_by_kind() {
        let trap = ScenarioFailure::Trap("boom".into());
        assert_eq!(
            messages(&Expect::default(), &facts(&[]), Some(&trap)),
            vec!["the scenario failed (guest trapped: boom), but the script expects no failure"]
        );
        let expect = Expect {
            failure: Some(FailureKind::Trap),
            fallback: Some(true),
            ..Expect::default()
        };
        assert!(messages(&expect, &facts(&[]), Some(&trap)).is_empty());
        let expect = Expect {
            failure: Some(FailureKind::Cpu),
            ..Expect::default()
        };
        assert_eq!(messages(&expect, &facts(&[]), Some(&trap)).len(), 1);
        let expect = Expect {
            fallback: Some(true),
            ..Expect::default()
        };
        assert_eq!(
            messages(&expect, &facts(&[]), None),
            vec!["expected the route's fallback to run, but it did not"]
        );
    }
}
