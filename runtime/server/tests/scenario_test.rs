//! `wasmphony scenario test`, run as the built binary.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scripts")
        .join(name)
}

fn wasmphony(args: &[&Path]) -> (Output, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_wasmphony"))
        .arg("scenario")
        .arg("test")
        .args(args)
        .output()
        .expect("the binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!text.contains("panicked"), "the binary panicked:\n{text}");
    (output, text)
}

#[test]
fn a_passing_script_prints_its_timeline_and_exits_zero() {
    let (output, text) = wasmphony(&[&script("passing.yaml")]);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("== greeting then hang-up"), "{text}");
    assert!(text.contains("   0.00s  play greeting (3.50s)"), "{text}");
    assert!(
        text.contains("   3.50s  scenario hangs up (normal)"),
        "{text}"
    );
    assert!(text.contains("PASS  greeting then hang-up"), "{text}");
}

#[test]
fn a_shipped_ivr_menu_script_passes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/ivr-menu/tests");
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ivr-menu/tests exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    scripts.sort();
    let first = scripts.first().expect("ivr-menu has simulator scripts");
    let (output, text) = wasmphony(&[first]);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("scenario answers"), "{text}");
    assert!(text.contains("PASS"), "{text}");
}

#[test]
fn a_broken_expectation_fails_and_names_it() {
    let (output, text) = wasmphony(&[&script("broken-expectation.yaml")]);
    assert!(!output.status.success(), "{text}");
    assert!(
        text.contains("FAIL  expects a menu that never comes"),
        "{text}"
    );
    assert!(
        text.contains("expected prompt `menu-main` after `greeting`, but it was never played"),
        "{text}"
    );
    assert!(
        text.contains("expected disposition `answered`, but it was `completed`"),
        "{text}"
    );
}

#[test]
fn an_unexpected_guest_failure_fails() {
    let (output, text) = wasmphony(&[&script("guest-fails.yaml")]);
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("the fallback takes the call"), "{text}");
    assert!(text.contains("but the script expects no failure"), "{text}");
}

#[test]
fn a_malformed_script_is_a_clear_error() {
    let (output, text) = wasmphony(&[&script("unknown-field.yaml")]);
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("unknown-field.yaml"), "{text}");
    assert!(text.contains("promtps"), "{text}");

    let (output, text) = wasmphony(&[&script("bad-yaml.yaml")]);
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("bad-yaml.yaml"), "{text}");

    let (output, text) = wasmphony(&[&script("no-such-script.yaml")]);
    assert!(!output.status.success(), "{text}");
    assert!(
        text.contains("no-such-script.yaml: cannot read the script"),
        "{text}"
    );
}

#[test]
fn one_failing_script_among_several_fails_the_run() {
    let (output, text) = wasmphony(&[&script("passing.yaml"), &script("broken-expectation.yaml")]);
    assert!(!output.status.success(), "{text}");
    assert!(
        text.contains("2 scripts: 1 passed, 1 failed, 0 could not run"),
        "{text}"
    );
}

#[test]
fn help_names_the_commands() {
    let output = Command::new(env!("CARGO_BIN_EXE_wasmphony"))
        .arg("--help")
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("scenario"), "{text}");
    assert!(text.contains("serve"), "{text}");
    assert!(text.contains("Usage"), "{text}");
}
