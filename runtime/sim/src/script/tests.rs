use std::path::Path;

use wasmphony_engine::Fallback;

use super::*;
use crate::disposition::Disposition;

const MINIMAL: &str =
    "scenario: ivr-menu\ncaller: { number: \"+359888123456\" }\ndialed: \"+35924001000\"\n";

fn parse(text: &str) -> Result<Script, ScriptError> {
    Script::parse(text, Path::new("tests/example.yaml"))
}

fn error_text(text: &str) -> String {
    parse(text)
        .expect_err("the script should be refused")
        .to_string()
}

#[test]
fn the_example_in_simscript_md_parses() {
    let doc = include_str!("../../../../SIMSCRIPT.md");
    let start = doc
        .find("```yaml\n")
        .expect("SIMSCRIPT.md has a yaml example")
        + "```yaml\n".len();
    let end = start + doc[start..].find("```").expect("the example is closed");
    let script = parse(&doc[start..end]).unwrap();
    assert_eq!(script.scenario, "ivr-menu");
    assert_eq!(
        script
            .caller
            .contact
            .as_ref()
            .unwrap()
            .assigned_manager
            .as_deref(),
        Some("105")
    );
    assert_eq!(
        script.actions.first(),
        Some(&CallerAction::Press {
            at: VirtualTime::from_millis(4_000),
            key: '2'
        })
    );
    assert_eq!(script.expect.disposition, Some(Disposition::Answered));
    assert_eq!(
        script.targets.get("202"),
        Some(&TargetBehaviour::Simple(TargetState::Busy))
    );
}

#[test]
fn a_minimal_script_gets_defaults() {
    let script = parse(MINIMAL).unwrap();
    assert_eq!(script.name, "example");
    assert_eq!(script.fallback, Fallback::Voicemail);
    assert_eq!(script.time, StartTime::default());
    assert!(script.actions.is_empty());
    assert_eq!(script.world, None);
    assert_eq!(script.base_dir(), Path::new("tests"));
}

#[test]
fn key_sequences_are_split_and_sorted() {
    let script = parse(&format!(
        "{MINIMAL}actions:\n  - {{ at: 9, hangup: true }}\n  - {{ at: 1.5, press: \"12#\" }}\n"
    ))
    .unwrap();
    let at = VirtualTime::from_millis;
    assert_eq!(
        script.actions,
        vec![
            CallerAction::Press {
                at: at(1_500),
                key: '1'
            },
            CallerAction::Press {
                at: at(1_800),
                key: '2'
            },
            CallerAction::Press {
                at: at(2_100),
                key: '#'
            },
            CallerAction::Hangup { at: at(9_000) },
        ]
    );
}

#[test]
fn fallback_and_config_take_both_forms() {
    let script = parse(&format!(
        "{MINIMAL}fallback: {{ queue: kitchen }}\nconfig: {{ behave: trap }}\n"
    ))
    .unwrap();
    assert_eq!(script.fallback, Fallback::Queue("kitchen".into()));
    assert_eq!(
        script.config,
        Some(ConfigSource::Inline(serde_json::json!({"behave": "trap"})))
    );
    let script = parse(&format!(
        "{MINIMAL}fallback: voicemail\nconfig: ../config.json\n"
    ))
    .unwrap();
    assert_eq!(script.fallback, Fallback::Voicemail);
    assert_eq!(
        script.config,
        Some(ConfigSource::File("../config.json".into()))
    );
}

#[test]
fn an_unknown_field_is_named_with_the_file() {
    let message = error_text(&format!("{MINIMAL}colour: blue\n"));
    assert!(message.starts_with("tests/example.yaml"), "{message}");
    assert!(message.contains("colour"), "{message}");
    let message = error_text(&format!("{MINIMAL}expect:\n  promtps: [greeting]\n"));
    assert!(message.contains("promtps"), "{message}");
}

#[test]
fn a_bad_time_is_refused() {
    let message = error_text(&format!(
        "{MINIMAL}actions:\n  - {{ at: -3, press: \"1\" }}\n"
    ));
    assert!(message.contains("non-negative"), "{message}");
    let message = error_text(&format!(
        "{MINIMAL}actions:\n  - {{ at: soon, press: \"1\" }}\n"
    ));
    assert!(message.contains("tests/example.yaml"), "{message}");
    let message = error_text(&format!("{MINIMAL}time: yesterday\n"));
    assert!(message.contains("yesterday"), "{message}");
    let message = error_text(&format!("{MINIMAL}prompts: {{ greeting: 100000 }}\n"));
    assert!(message.contains("at most"), "{message}");
}

#[test]
fn target_and_queue_forms_report_their_own_errors() {
    let message = error_text(&format!(
        "{MINIMAL}targets:\n  \"201\": {{ answer_afterr: 3 }}\n"
    ));
    assert!(message.contains("answer_afterr"), "{message}");
    let message = error_text(&format!("{MINIMAL}targets:\n  \"201\": bussy\n"));
    assert!(message.contains("bussy"), "{message}");
    let message = error_text(&format!("{MINIMAL}queues:\n  kitchen: [1]\n"));
    assert!(message.contains("overflow"), "{message}");
    let script = parse(&format!(
        "{MINIMAL}queues:\n  a: full\n  b: {{ answer_after: 2, position: 3 }}\n"
    ))
    .unwrap();
    assert_eq!(
        script.queues.get("a"),
        Some(&QueueBehaviour::Simple(QueueState::Full))
    );
    assert_eq!(
        script
            .queues
            .get("b")
            .and_then(QueueBehaviour::setup)
            .and_then(|s| s.position),
        Some(3)
    );
}

#[test]
fn a_missing_scenario_is_named() {
    let message = error_text("caller: { number: \"1\" }\ndialed: \"2\"\n");
    assert!(message.contains("scenario"), "{message}");
}

#[test]
fn malformed_actions_name_their_index() {
    let message = error_text(&format!(
        "{MINIMAL}actions:\n  - {{ at: 1, press: \"1\" }}\n  - {{ at: 2, press: \"x\" }}\n"
    ));
    assert!(message.contains("actions[1].press"), "{message}");
    let message = error_text(&format!("{MINIMAL}actions:\n  - {{ at: 1 }}\n"));
    assert!(message.contains("actions[0]"), "{message}");
    let message = error_text(&format!(
        "{MINIMAL}actions:\n  - {{ at: 1, press: \"1\", hangup: true }}\n"
    ));
    assert!(message.contains("both"), "{message}");
}

#[test]
fn yaml_syntax_errors_do_not_panic() {
    for text in [
        "",
        ":",
        "scenario: [",
        "\t- x",
        "scenario: ivr\n  caller: 3",
        "- 1\n- 2",
    ] {
        assert!(parse(text).is_err(), "{text:?} parsed");
    }
}

#[test]
fn a_missing_file_is_a_read_error() {
    let error = Script::load(Path::new("/nonexistent/script.yaml")).unwrap_err();
    assert!(matches!(error, ScriptError::Read { .. }), "{error}");
    assert!(error.to_string().contains("/nonexistent/script.yaml"));
}
